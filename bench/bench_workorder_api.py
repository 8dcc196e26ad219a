"""Work-order API: create and read throughput and p99 at concurrency 16, against two baselines.

Run on its own with ``.venv/bin/python bench/bench_workorder_api.py``. For each
database engine (SQLite, and PostgreSQL when it can be reached) it measures, in
the same run and on the same machine:

1. Atiende: ``atiende serve`` (uvicorn, one process) on a free loopback port
   with a fresh ``ATIENDE_HOME`` or database; a technician's bearer token; then
   ``POST /api/v1/work-orders`` (title, problem story, customer, the
   technician's team as the queue) and ``GET /api/v1/work-orders/{number}``.
2. The physical floor: the same row written and read with one SQL statement
   through the driver (sqlite3 or psycopg), no web server and no framework.
3. django-helpdesk, our peer, installed from PyPI into its own virtualenv under
   bench/out/ (git-ignored), served by the same server (uvicorn, one process)
   on the same engine: ``POST /api/tickets/`` (title, description, queue,
   submitter e-mail) and ``GET /api/tickets/{id}/``, with a staff user's DRF
   token. Skip it with ``BENCH_HELPDESK=0``.

Every side creates the same number of objects (``BENCH_CREATES``, default
1500) with 16 client threads on keep-alive connections, so reads then run
against tables of the same size for ``BENCH_SECONDS`` (default 10) seconds.
The client runs on the same machine and takes its share of the CPUs for every
side alike, so ratios are fairer than absolute numbers.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _benchlib import figure, percentile, table  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
CONCURRENCY = 16
CREATES = int(os.environ.get("BENCH_CREATES", "1500"))
READ_SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
WARMUP = 32
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
HELPDESK_REQUIREMENT = os.environ.get("BENCH_HELPDESK_REQUIREMENT", "django-helpdesk")
STORY = ("La impresora de la segunda planta no imprime desde esta mañana; el panel muestra un error de "
         "papel atascado aunque la bandeja está vacía. Ya la apagamos y encendimos sin cambios.")

Request = tuple[str, str, bytes | None]  # method, path, body


# --- processes and load -------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serving(command: list[str], *, env: dict[str, str], cwd: Path, port: int,
            log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server process, wait until it answers HTTP, and stop it (only that process) afterwards."""
    with log.open("w") as log_file:
        proc = subprocess.Popen(command, env=env, cwd=cwd, stdout=log_file, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"server exited with {proc.returncode}: {log.read_text()[-2000:]}")
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                    conn.request("GET", "/")
                    conn.getresponse().read()
                    conn.close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"server did not start: {log.read_text()[-2000:]}") from None
                    time.sleep(0.2)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by a process and its live children (Linux /proc): what a request costs
    the server, whatever share of the CPUs the machine's load leaves it."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:  # fields[1] is the parent's pid
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def closed_loop(connect: Callable[[], Any], work: Callable[[Any, int], tuple[Any, bool]], *,
                total: int | None = None, seconds: float | None = None) -> dict[str, Any]:
    """``CONCURRENCY`` threads, each on a connection of its own from ``connect()``, call ``work(conn, i)`` until
    ``total`` calls or ``seconds``. ``work`` returns the connection to go on with (a new one after an error)
    and whether the call counts: only calls that count are timed."""
    lock = threading.Lock()
    counter = iter(range(10**12))
    latencies: list[list[float]] = [[] for _ in range(CONCURRENCY)]
    start_gate = threading.Barrier(CONCURRENCY + 1)
    stop_at = [0.0]

    def worker(slot: int) -> None:
        conn = connect()
        start_gate.wait()
        mine = latencies[slot]
        while True:
            with lock:
                i = next(counter)
            if (total is not None and i >= total) or (seconds is not None and time.perf_counter() >= stop_at[0]):
                break
            began = time.perf_counter()
            conn, counts = work(conn, i)
            if counts:
                mine.append(time.perf_counter() - began)
        conn.close()

    threads = [threading.Thread(target=worker, args=(slot,), daemon=True) for slot in range(CONCURRENCY)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    stop_at[0] = began + (seconds or 0)
    start_gate.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    flat = [x for part in latencies for x in part]
    return {"requests": len(flat), "seconds": elapsed, "rps": len(flat) / elapsed if elapsed else 0.0,
            "p50_ms": percentile(flat, 0.50) * 1e3, "p99_ms": percentile(flat, 0.99) * 1e3}


def run_load(port: int, headers: dict[str, str], make: Callable[[int], Request], *, total: int | None = None,
             seconds: float | None = None, keep: Callable[[bytes], Any] | None = None) -> dict[str, Any]:
    """Requests from ``make(i)`` on keep-alive connections (see ``closed_loop``); answers of 300 and up are errors."""
    lock = threading.Lock()
    errors: list[str] = []
    kept: list[Any] = []

    def connect() -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(conn: http.client.HTTPConnection, i: int) -> tuple[http.client.HTTPConnection, bool]:
        method, path, body = make(i)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            with lock:
                errors.append(f"{exc.__class__.__name__}: {exc}")
            conn.close()
            return connect(), False
        if response.status >= 300:
            with lock:
                errors.append(f"HTTP {response.status}: {data[:300]!r}")
            return conn, False
        if keep is not None:
            value = keep(data)
            with lock:
                kept.append(value)
        return conn, True

    stats = closed_loop(connect, request, total=total, seconds=seconds)
    return {**stats, "errors": len(errors), "first_error": errors[0] if errors else "", "kept": kept}


def run(command: list[str], *, env: dict[str, str], cwd: Path, log: Path, stdin: str | None = None) -> str:
    proc = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, input=stdin, timeout=1800)
    with log.open("a") as f:
        f.write(f"$ {' '.join(command)}\n{proc.stdout}\n{proc.stderr}\n")
    if proc.returncode:
        raise RuntimeError(f"{' '.join(command)} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return proc.stdout


# --- databases ----------------------------------------------------------------------------

def postgres_available() -> str:
    """Empty when PostgreSQL answers, else the reason."""
    try:
        import psycopg

        psycopg.connect(POSTGRES_URL, connect_timeout=3).close()
        return ""
    except Exception as exc:  # noqa: BLE001 - any failure only means "skip PostgreSQL"
        return f"{exc.__class__.__name__}: {str(exc).strip()[:200]}"


# The servers under test connect as this role, capped at BENCH_ROLE_LIMIT connections: a
# server that leaked connections would otherwise exhaust a PostgreSQL shared with others
# (the superuser that creates the databases is not subject to a database's own limit).
BENCH_ROLE = "atiende_bench"
BENCH_ROLE_LIMIT = 40


def fresh_postgres_database(name: str) -> str:
    from urllib.parse import urlsplit

    import psycopg

    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [BENCH_ROLE]).fetchone()
        if not exists:
            conn.execute(f"CREATE ROLE {BENCH_ROLE} LOGIN NOSUPERUSER CONNECTION LIMIT {BENCH_ROLE_LIMIT}")
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" OWNER {BENCH_ROLE}')
    parts = urlsplit(POSTGRES_URL)
    return f"postgres://{BENCH_ROLE}@{parts.hostname}:{parts.port or 5432}/{name}"


def drop_postgres_database(name: str) -> None:
    import psycopg

    with contextlib.suppress(Exception), psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Floor:
    """The same row written and read with one SQL statement through the driver, 16 connections."""

    def __init__(self, engine: str, location: str, table_name: str, key: str) -> None:
        self.engine, self.location, self.table, self.key = engine, location, table_name, key

    def connect(self) -> Any:
        if self.engine == "sqlite":
            conn = sqlite3.connect(self.location, timeout=60, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            return conn
        import psycopg

        return psycopg.connect(self.location, autocommit=True)

    def measure(self) -> dict[str, dict[str, Any]]:
        mark = "?" if self.engine == "sqlite" else "%s"
        setup = self.connect()
        cursor = setup.execute(f"SELECT * FROM {self.table} ORDER BY id LIMIT 1")
        columns = [d[0] for d in cursor.description]
        template = dict(zip(columns, cursor.fetchone(), strict=True))
        top = setup.execute(f"SELECT MAX({self.key}) FROM {self.table}").fetchone()[0] or 0
        setup.close()
        del template["id"]
        names = list(template)
        insert = (f"INSERT INTO {self.table} ({', '.join(names)}) "
                  f"VALUES ({', '.join([mark] * len(names))})")
        select = f"SELECT * FROM {self.table} WHERE {self.key} = {mark}"
        numbers = iter(range(top + 1_000_000, 10**12))
        lock = threading.Lock()
        created: list[int] = []

        def do_insert(conn: Any, i: int) -> tuple[Any, bool]:
            with lock:
                number = next(numbers)
                created.append(number)
            row = dict(template)
            row[self.key] = number
            if "title" in row:
                row["title"] = f"Impresora no imprime {number}"
            conn.execute(insert, [row[n] for n in names])
            return conn, True

        def do_select(conn: Any, i: int) -> tuple[Any, bool]:
            number = created[random.randrange(len(created))]
            conn.execute(select, [number]).fetchall()
            return conn, True

        return {"create": {**closed_loop(self.connect, do_insert, total=CREATES), "errors": 0},
                "read": {**closed_loop(self.connect, do_select, seconds=READ_SECONDS), "errors": 0}}


# --- Atiende ------------------------------------------------------------------------------

ATIENDE_SETUP = """
import json, os
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
django.setup()
from atiende.desk.services.customers import create_customer
from atiende.people.models import ApiToken, Team
from atiende.people.services import add_user
team = Team.objects.create(name="Soporte")
user = add_user(username="bench", role="tecnico", password=None)
user.teams.add(team)
customer = create_customer(actor=user, name="Carmen Ruiz")
_, raw = ApiToken.issue(user, name="bench")
print(json.dumps({"token": raw, "customer": customer.id}))
"""


def bench_atiende(engine: str, work: Path) -> dict[str, Any]:
    env = {**os.environ, "ATIENDE_HOME": str(work / "home"), "PYTHONPATH": str(ROOT),
           "ATIENDE_SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
           # Plain HTTP on loopback: no redirect to HTTPS (a production deployment keeps it).
           "ATIENDE_SSL_REDIRECT": "0"}
    env.pop("DATABASE_URL", None)
    db_name = "bench_atiende_api"
    if engine == "postgresql":
        env["DATABASE_URL"] = fresh_postgres_database(db_name)
    log = work / "atiende.log"
    python = sys.executable
    try:
        run([python, "-m", "atiende.cli", "migrate"], env=env, cwd=ROOT, log=log)
        ids = json.loads(run([python, "-c", ATIENDE_SETUP], env=env, cwd=ROOT, log=log).strip().splitlines()[-1])
        port = free_port()
        headers = {"Authorization": f"Bearer {ids['token']}", "Content-Type": "application/json",
                   "Accept": "application/json"}

        def create(i: int) -> Request:
            body = {"customer": ids["customer"], "title": f"Impresora no imprime {i}", "problem_story": STORY}
            return "POST", "/api/v1/work-orders", json.dumps(body).encode()

        with serving([python, "-m", "atiende.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                     env=env, cwd=ROOT, port=port, log=work / "atiende-server.log"):
            run_load(port, headers, create, total=WARMUP)
            created = run_load(port, headers, create, total=CREATES, keep=lambda data: json.loads(data)["number"])
            numbers = created.pop("kept")
            if not numbers:
                raise RuntimeError(f"no work order was created: {created['first_error']}")
            read = run_load(port, headers, lambda i: ("GET", f"/api/v1/work-orders/{random.choice(numbers)}", None),
                            seconds=READ_SECONDS)
            read.pop("kept")
        if engine == "sqlite":
            location = str(work / "home" / "atiende.sqlite3")
        else:
            location = env["DATABASE_URL"]
        floor = Floor(engine, location, "desk_workorder", "number").measure()
        return {"create": created, "read": read, "floor": floor, "rows": CREATES + WARMUP}
    finally:
        if engine == "postgresql":
            drop_postgres_database(db_name)


# --- django-helpdesk ----------------------------------------------------------------------

HELPDESK_SETTINGS = '''
"""Minimal Django project serving django-helpdesk for the benchmark (written by bench_workorder_api.py)."""
import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = "bench-only-secret-key-not-for-production-0123456789"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
    "django.contrib.messages", "django.contrib.staticfiles", "django.contrib.sites", "django.contrib.humanize",
    "rest_framework", "rest_framework.authtoken", "helpdesk",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware", "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware", "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware", "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "hdproject.urls"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [], "APP_DIRS": True,
              "OPTIONS": {"context_processors": ["django.template.context_processors.request",
                                                 "django.contrib.auth.context_processors.auth",
                                                 "django.contrib.messages.context_processors.messages"]}}]
_url = os.environ.get("DATABASE_URL")
if _url:
    # Django's default: one connection per request. Persistent connections leak under ASGI,
    # where each request runs in its own thread.
    DATABASES = {"default": dj_database_url.parse(_url, conn_max_age=0)}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(BASE_DIR / "helpdesk.sqlite3"),
                             "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                                         "transaction_mode": "IMMEDIATE", "timeout": 20}}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
SITE_ID = 1
USE_TZ = True
STATIC_URL = "/static/"
# No mail leaves the machine; helpdesk still builds its notification as it normally does.
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
HELPDESK_TEAMS_MODE_ENABLED = False  # no pinax-teams; the knowledge base stays on (its URLs need it)
REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"]}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
'''

HELPDESK_URLS = '''
from django.urls import include, path

urlpatterns = [path("", include("helpdesk.urls", namespace="helpdesk"))]
'''

HELPDESK_ASGI = '''
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hdproject.settings")
application = get_asgi_application()
'''

HELPDESK_SETUP = """
import json, os
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hdproject.settings")
django.setup()
from django.contrib.auth import get_user_model
from helpdesk.models import Queue
from rest_framework.authtoken.models import Token
user = get_user_model().objects.create_user("bench", "bench@example.com", None, is_staff=True)
queue = Queue.objects.create(title="Soporte", slug="soporte")
token = Token.objects.create(user=user)
print(json.dumps({"token": token.key, "queue": queue.id}))
"""


def helpdesk_environment(log: Path) -> tuple[Path, str]:
    """The helpdesk virtualenv (created once under bench/out/) and the installed version."""
    venv = OUT / "helpdesk-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True, capture_output=True)
        run([str(python), "-m", "pip", "install", "--quiet", HELPDESK_REQUIREMENT, "uvicorn[standard]",
             "psycopg[binary]", "dj-database-url"], env=dict(os.environ), cwd=OUT, log=log)
    version = run([str(python), "-c", "import importlib.metadata as m; print(m.version('django-helpdesk'), "
                   "m.version('django'))"], env=dict(os.environ), cwd=OUT, log=log).split()
    return python, f"django-helpdesk {version[0]} on Django {version[1]}"


def bench_helpdesk(engine: str, work: Path) -> dict[str, Any]:
    log = work / "helpdesk.log"
    python, version = helpdesk_environment(log)
    project = work / "helpdesk-project"
    shutil.rmtree(project, ignore_errors=True)
    (project / "hdproject").mkdir(parents=True)
    (project / "hdproject" / "__init__.py").write_text("")
    (project / "hdproject" / "settings.py").write_text(textwrap.dedent(HELPDESK_SETTINGS))
    (project / "hdproject" / "urls.py").write_text(textwrap.dedent(HELPDESK_URLS))
    (project / "hdproject" / "asgi.py").write_text(textwrap.dedent(HELPDESK_ASGI))
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "DATABASE_URL")}
    env.update({"DJANGO_SETTINGS_MODULE": "hdproject.settings", "PYTHONPATH": str(project)})
    db_name = "bench_helpdesk_api"
    if engine == "postgresql":
        env["DATABASE_URL"] = fresh_postgres_database(db_name)
    try:
        run([str(python), "-m", "django", "migrate", "--noinput"], env=env, cwd=project, log=log)
        ids = json.loads(run([str(python), "-c", HELPDESK_SETUP], env=env, cwd=project, log=log)
                         .strip().splitlines()[-1])
        port = free_port()
        headers = {"Authorization": f"Token {ids['token']}", "Content-Type": "application/json",
                   "Accept": "application/json"}

        def create(i: int) -> Request:
            body = {"queue": ids["queue"], "title": f"Impresora no imprime {i}", "description": STORY, "priority": 3,
                    "submitter_email": f"cliente{i}@example.com"}
            return "POST", "/api/tickets/", json.dumps(body).encode()

        command = [str(python), "-m", "uvicorn", "hdproject.asgi:application", "--host", "127.0.0.1", "--port",
                   str(port), "--log-level", "warning", "--lifespan", "off"]
        with serving(command, env=env, cwd=project, port=port, log=work / "helpdesk-server.log"):
            run_load(port, headers, create, total=WARMUP)
            created = run_load(port, headers, create, total=CREATES, keep=lambda data: json.loads(data)["id"])
            ids_created = created.pop("kept")
            if not ids_created:
                raise RuntimeError(f"no ticket was created: {created['first_error']}")
            read = run_load(port, headers, lambda i: ("GET", f"/api/tickets/{random.choice(ids_created)}/", None),
                            seconds=READ_SECONDS)
            read.pop("kept")
        return {"create": created, "read": read, "version": version, "rows": CREATES + WARMUP}
    finally:
        if engine == "postgresql":
            drop_postgres_database(db_name)


# --- report -------------------------------------------------------------------------------

def server_errors(log: Path) -> str:
    """The most frequent exception line of a server log, with its count, or empty."""
    if not log.exists():
        return ""
    counts: dict[str, int] = {}
    for line in log.read_text(errors="replace").splitlines():
        name, sep, _rest = line.partition(": ")
        if sep and " " not in name and (name.endswith("Error") or name.endswith("Exception")):
            counts[line.strip()[:300]] = counts.get(line.strip()[:300], 0) + 1
    if not counts:
        return ""
    line, count = max(counts.items(), key=lambda item: item[1])
    return f"{count} x `{line}`"


def _row(label: str, stats: dict[str, Any]) -> list[str]:
    errors = f"{stats['errors']}" + (f" ({stats['first_error'][:80]})" if stats.get("first_error") else "")
    return [label, f"{stats['requests']:,}", f"{stats['seconds']:.1f} s", f"{stats['rps']:,.0f}",
            f"{stats['p50_ms']:.1f} ms", f"{stats['p99_ms']:.1f} ms", errors]


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    # Keep the last run's logs and databases for inspection; clear older runs.
    for old in OUT.glob("api-*"):
        shutil.rmtree(old, ignore_errors=True)
    print("# Work-order API at concurrency 16\n")
    print(f"{CREATES:,} creations per side after {WARMUP} warm-up requests, then {READ_SECONDS:g} s of reads of "
          f"random objects among those created; {CONCURRENCY} client threads with keep-alive connections on the "
          "same machine. Servers: one uvicorn process each.\n")
    engines = [e.strip() for e in os.environ.get("BENCH_ENGINES", "sqlite,postgresql").split(",") if e.strip()]
    with_helpdesk = os.environ.get("BENCH_HELPDESK", "1") != "0"
    failed = False
    for engine in engines:
        title = "SQLite" if engine == "sqlite" else "PostgreSQL"
        print(f"## {title}\n")
        if engine == "postgresql":
            reason = postgres_available()
            if reason:
                print(f"Skipped: PostgreSQL cannot be reached at {POSTGRES_URL} ({reason}).\n")
                continue
        work = Path(tempfile.mkdtemp(prefix=f"api-{engine}-", dir=OUT))
        rows: list[list[str]] = []
        try:
            ours = bench_atiende(engine, work)
        except Exception as exc:  # noqa: BLE001 - report, do not hide, and go on with the next engine
            print(f"Atiende could not be measured: {exc}\n")
            failed = True
            continue
        rows.append(_row("Atiende: create work order (POST /api/v1/work-orders)", ours["create"]))
        rows.append(_row("Atiende: read work order (GET /api/v1/work-orders/{number})", ours["read"]))
        rows.append(_row("floor: INSERT one work-order row through the driver", ours["floor"]["create"]))
        rows.append(_row("floor: SELECT one work-order row through the driver", ours["floor"]["read"]))
        peer: dict[str, Any] | None = None
        if with_helpdesk:
            try:
                peer = bench_helpdesk(engine, work)
                rows.append(_row("django-helpdesk: create ticket (POST /api/tickets/)", peer["create"]))
                rows.append(_row("django-helpdesk: read ticket (GET /api/tickets/{id}/)", peer["read"]))
            except Exception as exc:  # noqa: BLE001
                print(f"django-helpdesk could not be measured: {exc}\n")
                failed = True
        print(table(["operation", "requests", "time", "per second", "p50", "p99", "errors"], rows))
        print("\nRequests, throughput and latencies count answered requests only (2xx); failed ones are under "
              "errors.\n")
        for side, log in (("Atiende", work / "atiende-server.log"), ("django-helpdesk", work / "helpdesk-server.log")):
            found = server_errors(log)
            if found:
                print(f"Most frequent error in the {side} server log: {found}.\n")
        create_rps, read_rps = ours["create"]["rps"], ours["read"]["rps"]
        def failed_note(stats: dict[str, Any]) -> str:
            return f"; {stats['errors']} failed requests not counted" if stats["errors"] else ""

        figure(f"Work-order creation through the API, {title}, concurrency 16", round(create_rps), "per s",
               note=f"p99 {ours['create']['p99_ms']:.1f} ms{failed_note(ours['create'])}")
        figure(f"Work-order read through the API, {title}, concurrency 16", round(read_rps), "per s",
               note=f"p99 {ours['read']['p99_ms']:.1f} ms{failed_note(ours['read'])}")
        figure(f"Work-order creation vs raw SQL insert floor, {title}",
               f"{create_rps / ours['floor']['create']['rps']:.3f}", "x the floor's throughput")
        figure(f"Work-order read vs raw SQL select floor, {title}",
               f"{read_rps / ours['floor']['read']['rps']:.3f}", "x the floor's throughput")
        if peer is not None:
            ratio = create_rps / peer["create"]["rps"]
            print(f"Peer: {peer['version']}, installed from PyPI into bench/out/helpdesk-venv. Its ticket creation "
                  "also builds the notification e-mail to the submitter (sent to Django's dummy mail backend "
                  "here). Its ticket read is slow because `TicketViewSet.get_queryset` walks every ticket the "
                  "user can see (to set custom-field values) before `get_object` picks one, so a read costs "
                  f"time in proportion to the table ({peer['rows']:,} tickets here).\n")
            figure(f"Work-order creation vs django-helpdesk ticket creation, {title}", f"{ratio:.2f}",
                   "x django-helpdesk", target=">= 2x", met=ratio >= 2,
                   note=f"django-helpdesk {peer['create']['rps']:.0f}/s, p99 {peer['create']['p99_ms']:.1f} ms"
                        f"{failed_note(peer['create'])}")
            figure(f"Work-order read vs django-helpdesk ticket read, {title}",
                   f"{read_rps / peer['read']['rps']:.2f}", "x django-helpdesk",
                   note=f"django-helpdesk {peer['read']['rps']:.0f}/s, p99 {peer['read']['p99_ms']:.1f} ms")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
