"""Work-order API: create and read throughput and p99 at concurrency 16, against three baselines, interleaved.

Run on its own with ``.venv/bin/python bench/bench_workorder_api.py``. For each
database engine (SQLite, and PostgreSQL when it can be reached) it measures, in
the same run and on the same machine:

1. Atiende: ``atiende serve`` (uvicorn, one process) on a free loopback port
   with a fresh ``ATIENDE_HOME`` or database; a technician's bearer token; then
   ``POST /api/v1/work-orders`` (title, problem story, customer, the
   technician's team as the queue) and ``GET /api/v1/work-orders/{number}``.
2. The same-stack ceiling (bench/workorder_ceiling.py): Atiende's ASGI handler,
   settings and database with no middleware and no authentication, a
   django-ninja route that validates the same body with Atiende's schema and
   writes the same rows with hand-written SQL, and one that reads them.
3. django-helpdesk, our peer, installed from PyPI into its own virtualenv under
   bench/out/ (git-ignored), served by the same server (uvicorn, one process)
   on the same engine: ``POST /api/tickets/`` (title, description, queue,
   submitter e-mail) and ``GET /api/tickets/{id}/``, with a staff user's DRF
   token. Skip it with ``BENCH_HELPDESK=0``.
4. The physical floor: the same row written and read with one SQL statement
   through the driver (sqlite3 or psycopg), no web server and no framework.

All servers start before the first round and are driven in turn
(``BENCH_ROUNDS`` rounds, default 5, the order turning each round: A B C,
B C A, ...), so the machine's drift over minutes (other work, CPU frequency)
falls on every side alike: each ratio is the median of the rounds' ratios, with
the smallest and the largest beside it (issue 25). Every side creates the same
number of objects (``BENCH_CREATES``, default 1500, split over the rounds)
with 16 client threads on keep-alive connections; then Atiende and the ceiling
read random objects among those they created, ``BENCH_SECONDS`` (default 10)
seconds each split over the rounds; django-helpdesk's reads (seconds each, as
its API walks the whole table) run once after. The client runs on the same
machine and takes its share of the CPUs for every side alike.
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
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _benchlib import figure, percentile, table  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
CONCURRENCY = 16
CREATES = int(os.environ.get("BENCH_CREATES", "1500"))
READ_SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
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
            deadline = time.monotonic() + 180  # a loaded machine starts a Django process slowly
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
            "p50_ms": percentile(flat, 0.50) * 1e3, "p99_ms": percentile(flat, 0.99) * 1e3, "latencies": flat}


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


@dataclass
class Side:
    """One server under test: how to create and read through it, and what it created."""

    label: str
    port: int
    pid: int
    headers: dict[str, str]
    create: Callable[[int], Request]
    key: Callable[[bytes], Any]  # the created object's reference, from the answer
    read: Callable[[Any], Request]
    created: list[Any] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    customer: int = 0  # Atiende's: the customer its work orders are for


def _body(customer: int, i: int) -> bytes:
    return json.dumps({"customer": customer, "title": f"Impresora no imprime {i}", "problem_story": STORY}).encode()


@contextlib.contextmanager
def atiende_side(engine: str, work: Path) -> Iterator[Side]:
    """``atiende serve`` on a fresh database, a technician's token, warmed up."""
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
        with serving([python, "-m", "atiende.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                     env=env, cwd=ROOT, port=port, log=work / "atiende-server.log") as proc:
            side = Side("Atiende", port, proc.pid,
                        {"Authorization": f"Bearer {ids['token']}", "Content-Type": "application/json",
                         "Accept": "application/json"},
                        lambda i: ("POST", "/api/v1/work-orders", _body(ids["customer"], i)),
                        lambda data: json.loads(data)["number"],
                        lambda number: ("GET", f"/api/v1/work-orders/{number}", None), env=env,
                        customer=ids["customer"])
            _warm(side)
            yield side
    finally:
        if engine == "postgresql":
            drop_postgres_database(db_name)


@contextlib.contextmanager
def ceiling_side(atiende: Side, work: Path) -> Iterator[Side]:
    """bench/workorder_ceiling.py on Atiende's database (its rows are the templates), warmed up."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--app-dir", str(ROOT / "bench"), "workorder_ceiling:app",
               "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--lifespan", "off",
               "--no-access-log"]
    customer = atiende.customer
    with serving(command, env=atiende.env, cwd=ROOT, port=port, log=work / "ceiling-server.log") as proc:
        side = Side("same-stack ceiling", port, proc.pid, {"Content-Type": "application/json"},
                    lambda i: ("POST", "/ceiling/work-orders", _body(customer, i)),
                    lambda data: json.loads(data)["number"],
                    lambda number: ("GET", f"/ceiling/work-orders/{number}", None))
        _warm(side)
        yield side


def _warm(side: Side) -> None:
    warm = run_load(side.port, side.headers, side.create, total=WARMUP, keep=side.key)
    if not warm["kept"]:
        raise RuntimeError(f"{side.label}: nothing was created: {warm['first_error']}")
    side.created.extend(warm["kept"])


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


@contextlib.contextmanager
def helpdesk_side(engine: str, work: Path) -> Iterator[Side]:
    """django-helpdesk under uvicorn on a fresh database, a staff user's DRF token, warmed up."""
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

        def create(i: int) -> Request:
            body = {"queue": ids["queue"], "title": f"Impresora no imprime {i}", "description": STORY, "priority": 3,
                    "submitter_email": f"cliente{i}@example.com"}
            return "POST", "/api/tickets/", json.dumps(body).encode()

        command = [str(python), "-m", "uvicorn", "hdproject.asgi:application", "--host", "127.0.0.1", "--port",
                   str(port), "--log-level", "warning", "--lifespan", "off"]
        with serving(command, env=env, cwd=project, port=port, log=work / "helpdesk-server.log") as proc:
            side = Side(version, port, proc.pid,
                        {"Authorization": f"Token {ids['token']}", "Content-Type": "application/json",
                         "Accept": "application/json"},
                        create, lambda data: json.loads(data)["id"],
                        lambda ticket: ("GET", f"/api/tickets/{ticket}/", None))
            _warm(side)
            yield side
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
    cpu = f"{stats['cpu_ms']:.1f} ms" if "cpu_ms" in stats else ""
    return [label, f"{stats['requests']:,}", f"{stats['seconds']:.1f} s", f"{stats['rps']:,.0f}",
            f"{stats['p50_ms']:.1f} ms", f"{stats['p99_ms']:.1f} ms", cpu, errors]


def _round(side: Side, *, total: int | None = None, seconds: float | None = None) -> dict[str, Any]:
    """One round of creations (``total``) or of reads (``seconds``) on one side, with its server's CPU."""
    cpu = cpu_seconds(side.pid)
    if total is not None:
        stats = run_load(side.port, side.headers, side.create, total=total, keep=side.key)
        side.created.extend(stats.pop("kept"))
    else:
        created = side.created
        stats = run_load(side.port, side.headers, lambda i: side.read(random.choice(created)), seconds=seconds)
        stats.pop("kept")
    stats["cpu_ms"] = (cpu_seconds(side.pid) - cpu) * 1000 / max(1, stats["requests"])
    return stats


def _merged(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """One side's rounds as one run: every answered request's latency, the total time, the errors."""
    latencies = [x for r in rounds for x in r["latencies"]]
    seconds = sum(r["seconds"] for r in rounds)
    errors = sum(r["errors"] for r in rounds)
    return {"requests": len(latencies), "seconds": seconds, "rps": len(latencies) / seconds if seconds else 0.0,
            "p50_ms": percentile(latencies, 0.50) * 1e3, "p99_ms": percentile(latencies, 0.99) * 1e3,
            "errors": errors, "first_error": next((r["first_error"] for r in rounds if r["first_error"]), ""),
            "cpu_ms": statistics.median(r["cpu_ms"] for r in rounds)}


def _interleaved(sides: list[Side], work: Callable[[Side], dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """``ROUNDS`` rounds; in each, every side once, the order turning round by round (A B C, B C A, ...)."""
    done: dict[str, list[dict[str, Any]]] = {side.label: [] for side in sides}
    for r in range(ROUNDS):
        turn = r % len(sides)
        for side in sides[turn:] + sides[:turn]:
            done[side.label].append(work(side))
    return done


def _ratios(ours: list[dict[str, Any]], theirs: list[dict[str, Any]]) -> list[float]:
    return [a["rps"] / b["rps"] for a, b in zip(ours, theirs, strict=True) if b["rps"]]


def _spread(ratios: list[float]) -> str:
    return f"min {min(ratios):.2f}, max {max(ratios):.2f}, {len(ratios)} rounds" if ratios else "no rounds"


def measure_engine(engine: str, title: str, with_helpdesk: bool) -> bool:
    """Every side of one database engine, interleaved; prints the table and the figures. False if one failed."""
    work = Path(tempfile.mkdtemp(prefix=f"api-{engine}-", dir=OUT))
    failed = False
    with contextlib.ExitStack() as stack:
        try:
            ours = stack.enter_context(atiende_side(engine, work))
            ceiling = stack.enter_context(ceiling_side(ours, work))
        except Exception as exc:  # noqa: BLE001 - report, do not hide, and go on with the next engine
            print(f"Atiende could not be measured: {exc}\n")
            return False
        sides = [ours, ceiling]
        peer: Side | None = None
        if with_helpdesk:
            try:
                peer = stack.enter_context(helpdesk_side(engine, work))
                sides.append(peer)
            except Exception as exc:  # noqa: BLE001
                print(f"django-helpdesk could not be measured: {exc}\n")
                failed = True
        load_start = os.getloadavg()[0]
        creates = _interleaved(sides, lambda side: _round(side, total=max(1, CREATES // ROUNDS)))
        reads = _interleaved([ours, ceiling], lambda side: _round(side, seconds=READ_SECONDS / ROUNDS))
        peer_read = _round(peer, seconds=READ_SECONDS) if peer is not None else None
        load_end = os.getloadavg()[0]
        location = str(work / "home" / "atiende.sqlite3") if engine == "sqlite" else ours.env["DATABASE_URL"]
        floor = Floor(engine, location, "desk_workorder", "number").measure()
    created, read = _merged(creates[ours.label]), _merged(reads[ours.label])
    ceiling_created, ceiling_read = _merged(creates[ceiling.label]), _merged(reads[ceiling.label])
    rows = [_row("Atiende: create work order (POST /api/v1/work-orders)", created),
            _row("Atiende: read work order (GET /api/v1/work-orders/{number})", read),
            _row("same-stack ceiling: the same body validated, the same rows written", ceiling_created),
            _row("same-stack ceiling: the same rows read", ceiling_read)]
    rows += [_row("floor: INSERT one work-order row through the driver", floor["create"]),
             _row("floor: SELECT one work-order row through the driver", floor["read"])]
    if peer is not None:
        rows += [_row("django-helpdesk: create ticket (POST /api/tickets/)", _merged(creates[peer.label]))]
        if peer_read is not None:
            rows += [_row("django-helpdesk: read ticket (GET /api/tickets/{id}/)", peer_read)]
    print(table(["operation", "requests", "time", "per second", "p50", "p99", "server CPU a request", "errors"],
                rows))
    print(f"\nCreations in {ROUNDS} rounds of {max(1, CREATES // ROUNDS):,} per side, reads in {ROUNDS} rounds of "
          f"{READ_SECONDS / ROUNDS:g} s per side (django-helpdesk's reads once, {READ_SECONDS:g} s, after them), the "
          f"order turning each round; load average {load_start:.1f} at the start, {load_end:.1f} at the end. Requests, "
          "throughput and latencies count answered requests only (2xx); failed ones are under errors. Server CPU: "
          "the median over the rounds of the server process's CPU time per request.\n")
    for label, log in (("Atiende", work / "atiende-server.log"), ("ceiling", work / "ceiling-server.log"),
                       ("django-helpdesk", work / "helpdesk-server.log")):
        found = server_errors(log)
        if found:
            print(f"Most frequent error in the {label} server log: {found}.\n")

    def failed_note(stats: dict[str, Any]) -> str:
        return f"; {stats['errors']} failed requests not counted" if stats["errors"] else ""

    figure(f"Work-order creation through the API, {title}, concurrency 16", round(created["rps"]), "per s",
           note=f"p99 {created['p99_ms']:.1f} ms{failed_note(created)}")
    if engine == "sqlite":
        figure("Work-order creation p99, SQLite, 16 concurrent writers", round(created["p99_ms"], 1), "ms",
               target="< 500 ms", met=created["p99_ms"] < 500, note=f"p50 {created['p50_ms']:.1f} ms")
    figure(f"Work-order read through the API, {title}, concurrency 16", round(read["rps"]), "per s",
           note=f"p99 {read['p99_ms']:.1f} ms{failed_note(read)}")
    for what, mine, theirs in (("creation", creates[ours.label], creates[ceiling.label]),
                               ("read", reads[ours.label], reads[ceiling.label])):
        ratios = _ratios(mine, theirs)
        median = statistics.median(ratios) if ratios else 0.0
        figure(f"Work-order {what} vs the same-stack ceiling, {title}, interleaved", f"{median:.2f}",
               "x the ceiling's throughput", target=">= 0.5x", met=median >= 0.5, note=_spread(ratios))
    figure(f"Work-order creation vs raw SQL insert floor, {title}",
           f"{created['rps'] / floor['create']['rps']:.3f}", "x the floor's throughput")
    if peer is not None:
        ratios = _ratios(creates[ours.label], creates[peer.label])
        median = statistics.median(ratios) if ratios else 0.0
        peer_created = _merged(creates[peer.label])
        print(f"Peer: {peer.label}, installed from PyPI into bench/out/helpdesk-venv. Its ticket creation "
              "also builds the notification e-mail to the submitter (sent to Django's dummy mail backend "
              "here). Its ticket read is slow because `TicketViewSet.get_queryset` walks every ticket the "
              "user can see (to set custom-field values) before `get_object` picks one, so a read costs "
              f"time in proportion to the table ({len(peer.created):,} tickets here).\n")
        figure(f"Work-order creation vs django-helpdesk ticket creation, {title}, interleaved", f"{median:.2f}",
               "x django-helpdesk", target=">= 3x", met=median >= 3,
               note=f"{_spread(ratios)}; django-helpdesk {peer_created['rps']:.0f}/s, p99 "
                    f"{peer_created['p99_ms']:.1f} ms{failed_note(peer_created)}")
        if peer_read is not None and peer_read["rps"]:
            figure(f"Work-order read vs django-helpdesk ticket read, {title}",
                   f"{read['rps'] / peer_read['rps']:.2f}", "x django-helpdesk",
                   note=f"django-helpdesk {peer_read['rps']:.1f}/s, p99 {peer_read['p99_ms']:.1f} ms")
    return not failed and not created["errors"]


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    # Keep the last run's logs and databases for inspection; clear older runs.
    for old in OUT.glob("api-*"):
        shutil.rmtree(old, ignore_errors=True)
    print("# Work-order API at concurrency 16\n")
    print(f"{CREATES:,} creations per side after {WARMUP} warm-up requests, then {READ_SECONDS:g} s of reads of "
          f"random objects among those created; {CONCURRENCY} client threads with keep-alive connections on the "
          "same machine. Servers: one uvicorn process each, all started before the first round, driven in turn "
          f"in {ROUNDS} rounds (the order turning each round), so that the machine's drift over minutes falls on "
          "every side alike: each ratio is the median of the rounds' ratios, with the smallest and the largest.\n")
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
        failed = not measure_engine(engine, title, with_helpdesk) or failed
    return 1 if failed else 0



if __name__ == "__main__":
    sys.exit(main())
