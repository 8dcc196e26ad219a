"""Contact-center engine: pure-engine events per second, routing among 200 technicians, and CTI events
per second with p99 through the HTTP API.

Run on its own with ``.venv/bin/python bench/bench_engine.py``.

1. Pure engine (no database): full call lifecycles (offer, answer, hold,
   resume, transfer request, accept, hang up, wrap-up done), each event
   followed by the deadline computation the Django layer does, with and
   without the JSON round trip that persistence adds. Baseline: a bare
   transition table (a dict lookup per event, no rule checks, no deadlines),
   the floor any state machine pays.
2. Routing: choosing a technician among 200 (tiers, skills, longest idle).
3. HTTP (``BENCH_HTTP=0`` to skip): ``atiende serve --workers N`` (Atiende's
   own settings, its connection pool, and Redis for live updates when Redis
   answers, as a deployment with several processes must have) on PostgreSQL
   (``BENCH_POSTGRES_URL``; falls back to SQLite when unreachable), an
   ``atiende worker`` beside it, 200 technicians. For each number of server
   processes in ``BENCH_ENGINE_PROCESSES`` (default "2,4") and each number of
   client threads in ``BENCH_CLIENTS`` (default "8,16"), the clients post CTI
   events on keep-alive connections for ``BENCH_SECONDS`` seconds (default 10),
   after the server has answered and been warmed up: new_call, answered, hold
   (with consent, so a consent record and an audit entry too), resumed, hangup,
   each with its own idempotency id. Every request's latency counts toward the
   p99. Target (issue 3): at least 500 events/s with p99 under 50 ms.
   Then, on the same server, the latencies at fixed offered rates
   (``BENCH_OPEN_RATES``, default "50,100" events/s, open loop: latency from
   when each event was due). Baseline in the same run: bench/cti_floor.py, the
   same kinds of statements per event with no framework, driven by the same
   clients.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _benchlib import figure, percentile, table  # noqa: E402

from atiende.engine import Contact, Policy, QueueConfig, Technician, deadlines_for  # noqa: E402
from atiende.engine.routing import pick_technician  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
CLIENTS = [int(n) for n in os.environ.get("BENCH_CLIENTS", "8,16").split(",")]
PROCESSES = [int(n) for n in os.environ.get("BENCH_ENGINE_PROCESSES", "2,4").split(",")]
OPEN_RATES = [int(n) for n in os.environ.get("BENCH_OPEN_RATES", "50,100").split(",") if n]
WARMUP_SECONDS = float(os.environ.get("BENCH_WARMUP_SECONDS", "4"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
BASELINE_OPEN_RATES = [int(n) for n in os.environ.get("BENCH_BASELINE_OPEN_RATES", "500").split(",") if n]
CEILINGS = {"ninja": "bare Django + django-ninja", "atiende": "Atiende's Django application",
            "lean": "Atiende's Django application without middleware"}
CEILING_PROCESSES = {"ninja": [1, 2], "atiende": [2], "lean": [2]}
TECHNICIANS = 200
EVENTS_PER_LIFECYCLE = 8


# ---- 1. pure engine ------------------------------------------------------------

def lifecycle(index: int, start: datetime, policy: Policy, *, serialise: bool) -> int:
    now = start
    contact = Contact(id=str(index), queue="soporte", created_at=now)
    steps = [
        lambda c, t: c.offer(1, now=t),
        lambda c, t: c.answer(now=t),
        lambda c, t: c.put_on_hold(reason="Consulto", customer_consent=True, expected_minutes=2, now=t),
        lambda c, t: c.resume(now=t),
        lambda c, t: c.request_transfer(purpose="Redes", customer_consent=True, to_technician=2, now=t),
        lambda c, t: c.accept_transfer(by=2, now=t),
        lambda c, t: c.hang_up(now=t),
        lambda c, t: c.finish_wrap_up(now=t),
    ]
    for step in steps:
        now += timedelta(seconds=5)
        if serialise:
            contact = Contact.from_dict(contact.to_dict())
        step(contact, now)
        deadlines_for(contact, policy)
    return len(steps)


FLOOR = {"waiting": "offered", "offered": "talking", "talking": "on_hold", "on_hold": "talking2",
         "talking2": "transfer_pending", "transfer_pending": "talking3", "talking3": "wrap_up", "wrap_up": "ended"}


def floor_lifecycle() -> int:
    state = "waiting"
    record = {"state": state}
    for _ in range(EVENTS_PER_LIFECYCLE):
        state = FLOOR[state]
        record["state"] = state
    return EVENTS_PER_LIFECYCLE


def bench_pure() -> None:
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    policy = Policy()
    results = {}
    for label, serialise in (("engine", False), ("engine + JSON round trip", True)):
        best = 0.0
        for _round in range(3):
            n = 4000
            t0 = time.perf_counter()
            events = sum(lifecycle(i, start, policy, serialise=serialise) for i in range(n))
            best = max(best, events / (time.perf_counter() - t0))
        results[label] = best
    t0 = time.perf_counter()
    events = sum(floor_lifecycle() for _ in range(200_000))
    floor_rate = events / (time.perf_counter() - t0)
    print("## Pure engine\n")
    print(table(["path", "events/s", "vs bare transition table"],
                [[k, f"{v:,.0f}", f"{v / floor_rate:.3f}x"] for k, v in results.items()]
                + [["bare transition table (floor)", f"{floor_rate:,.0f}", "1x"]]))
    print()
    figure("Pure engine events per second (rules + deadlines)", round(results["engine"]), "events/s",
           note=f"{results['engine'] / floor_rate:.3f}x a bare transition table ({floor_rate:,.0f}/s)")
    figure("Pure engine events per second with JSON round trip", round(results["engine + JSON round trip"]),
           "events/s")

    team = [Technician(i, 1 + i % 2, frozenset({"windows", "redes"} if i % 3 else {"windows"}),
                       idle_since=start - timedelta(seconds=i)) for i in range(TECHNICIANS)]
    queue = QueueConfig("soporte", (1, 2), frozenset({"windows"}))
    contact = Contact(id="x", queue="soporte", created_at=start, required_skills=("redes",))
    n = 5000
    t0 = time.perf_counter()
    for _ in range(n):
        pick_technician(contact, team, queue, policy, now=start)
    per = (time.perf_counter() - t0) / n
    print(f"Routing decision among {TECHNICIANS} technicians: {per * 1e6:.1f} µs\n")
    figure(f"Routing decision among {TECHNICIANS} technicians", round(per * 1e6, 1), "µs")


# ---- 3. HTTP -------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _postgres_database(name: str = "atiende_bench_engine") -> str | None:
    """A fresh database for one script (each its own, so scripts never drop each other's)."""
    try:
        import psycopg

        with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name}")
        return POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
    except Exception as exc:  # noqa: BLE001 - reported, then SQLite
        print(f"PostgreSQL unreachable ({exc.__class__.__name__}); measuring on SQLite.\n")
        return None


SETUP = r"""
import json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
import django; django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from atiende.contact.services import availability
from atiende.contact.services import queues
from atiende.people.models import ApiToken, User
queues.save_queue(name="soporte", tiers=[1, 2], policy={"wrap_up_seconds": 1, "ring_timeout_seconds": 120})
admin = User.objects.create_user("centralita", role="administrador")
_t, raw = ApiToken.issue(admin, name="pbx", kind="cti")
users = [User(username=f"tec{i:03d}", role="tecnico", tier=1 + i % 2, extension=str(1000 + i)) for i in range(%d)]
User.objects.bulk_create(users)
for user in User.objects.filter(role="tecnico"):
    availability.make_available(user=user)
# Planner statistics as a running desk has them (autovacuum's ANALYZE, a minute after a bulk load).
from django.db import connection
if connection.vendor == "postgresql":
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
print(json.dumps({"token": raw}))
"""


def _redis_reachable() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001 - no Redis: one process only
        return False


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and all its descendants, from /proc; 0 where /proc is missing."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += _cpu_seconds(int(child))
        return total
    except (OSError, ValueError, IndexError):
        return 0.0


BESIDE: dict[int, list[int]] = {}  # a served command's pid -> the pids of the commands started beside it


@contextlib.contextmanager
def serving(command: list[str], env: dict[str, str], *, beside: list[list[str]] = (),
            cwd: Path = ROOT) -> Iterator[tuple[int, int]]:
    """Start ``command`` (which takes ``--port``), and the ``beside`` commands, in ``cwd``; yield (port, pid) once
    it answers."""
    port = _free_port()
    proc = subprocess.Popen([*command, "--port", str(port)], cwd=cwd, env=env, stdout=subprocess.DEVNULL)
    others = [subprocess.Popen(other, cwd=cwd, env=env, stdout=subprocess.DEVNULL) for other in beside]
    BESIDE[proc.pid] = [other.pid for other in others]
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            # The port opens before the processes can answer: wait for an answer from the API itself.
            with contextlib.suppress(OSError, http.client.HTTPException):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/api/v1/people/me")
                if conn.getresponse().status == 401:
                    break
            if proc.poll() is not None:
                raise RuntimeError(f"{' '.join(command)} exited with {proc.returncode}")
            time.sleep(0.2)
        yield port, proc.pid
    finally:
        for p in (proc, *others):
            p.terminate()
        for p in (proc, *others):
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.wait(10)


def server(env: dict[str, str], processes: int) -> contextlib.AbstractContextManager[tuple[int, int]]:
    """``atiende serve --workers N`` and an ``atiende worker`` beside it."""
    return serving([sys.executable, "-m", "atiende.cli", "serve", "--workers", str(processes)], env,
                   beside=[[sys.executable, "-m", "atiende.cli", "worker", "--interval", "0.1"]])


def floor_server(env: dict[str, str], url: str) -> contextlib.AbstractContextManager[tuple[int, int]]:
    """The framework-free floor (cti_floor.py) under uvicorn, one process, on tables of its own in ``url``."""
    from cti_floor import create_schema

    create_schema(url, TECHNICIANS)
    return serving([sys.executable, "-m", "uvicorn", "--app-dir", str(ROOT / "bench"), "cti_floor:app",
                    "--log-level", "warning", "--no-access-log"], dict(env, FLOOR_DATABASE_URL=url))


def ceiling_server(env: dict[str, str], url: str, variant: str, processes: int
                   ) -> contextlib.AbstractContextManager[tuple[int, int]]:
    """The floor's statements through Django and django-ninja (cti_ceiling.py), as uvicorn serves Atiende."""
    return serving([sys.executable, "-m", "uvicorn", "--app-dir", str(ROOT / "bench"), "cti_ceiling:app",
                    "--log-level", "warning", "--no-access-log", "--lifespan", "off", "--workers", str(processes)],
                   dict(env, FLOOR_DATABASE_URL=url, CEILING_VARIANT=variant))


def _postgres_cpu_seconds() -> float:
    """CPU time of every PostgreSQL process on this machine, from /proc (0 without /proc)."""
    total = 0
    with contextlib.suppress(OSError):
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError, ValueError, IndexError):
                head, _, rest = (entry / "stat").read_text().rpartition(")")
                if head.endswith("(postgres"):
                    fields = rest.split()
                    total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 0.0


def client(port: int, token: str, index: int, stop: threading.Event, latencies: list[float],
           statuses: dict[int, int], interval: float = 0.0, first_at: float = 0.0,
           trace: list[tuple[str, str, float, float, float]] | None = None) -> None:
    """One PBX line posting call after call. With ``interval``, one event every ``interval`` seconds from
    ``first_at`` (open loop): each latency counts from when the event was due, so a server that falls behind
    shows it, rather than slowing the clients down. With ``trace``, each event also sends its id as
    ``X-Bench-Event`` (bench/cti_steps_app.py times the server's steps by it) and appends (id, type, due, sent,
    answered)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    call = 0
    due = first_at

    def post(event: dict[str, Any]) -> dict[str, Any]:
        nonlocal due
        body = json.dumps(event)
        if interval:
            time.sleep(max(0.0, due - time.perf_counter()))
            t0, due = due, due + interval
        else:
            t0 = time.perf_counter()
        sent = time.perf_counter()
        conn.request("POST", "/api/v1/cti/events", body,
                     headers if trace is None else {**headers, "X-Bench-Event": event["id"]})
        response = conn.getresponse()
        data = response.read()
        answered = time.perf_counter()
        latencies.append(answered - t0)
        if trace is not None:
            trace.append((event["id"], event["type"], t0, sent, answered))
        statuses[response.status] = statuses.get(response.status, 0) + 1
        return json.loads(data) if data else {}

    while not stop.is_set():
        call += 1
        cid = f"c{index}-{call}"
        answer = post({"id": f"{cid}-1", "type": "new_call", "call_id": cid, "from": "+34600", "queue": "soporte"})
        tech = (answer.get("technician") or {}).get("extension") or str(1000 + index % TECHNICIANS)  # queued: one answers anyway
        post({"id": f"{cid}-2", "type": "answered", "call_id": cid, "technician": tech})
        post({"id": f"{cid}-3", "type": "hold", "call_id": cid, "reason": "Consulto", "customer_consent": True,
              "expected_minutes": 2})
        post({"id": f"{cid}-4", "type": "resumed", "call_id": cid})
        post({"id": f"{cid}-5", "type": "hangup", "call_id": cid})
    conn.close()


def _drive(port: int, token: str, clients: int, seconds: float, first_index: int, rate: float = 0.0,
           trace: list[tuple[str, str, float, float, float]] | None = None
           ) -> tuple[list[float], dict[int, int], float]:
    """``clients`` lines for ``seconds``: as fast as answers come (closed loop), or ``rate`` events/s in all."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    stop = threading.Event()
    interval = clients / rate if rate else 0.0
    t0 = time.perf_counter()
    threads = [threading.Thread(target=client, args=(port, token, first_index + i, stop, latencies, statuses,
                                                     interval, t0 + i * interval / clients, trace))
               for i in range(clients)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    return latencies, statuses, time.perf_counter() - t0


def bench_http() -> None:
    url = _postgres_database()
    home = tempfile.mkdtemp(prefix="atiende-bench-engine-")
    # Serving with debugging off needs a secret key of its own (``serve`` refuses the development key), and
    # plain HTTP on the loopback.
    env = dict(os.environ, ATIENDE_HOME=home, DJANGO_SETTINGS_MODULE="atiende.settings", PYTHONPATH=str(ROOT),
               ATIENDE_SECRET_KEY=secrets.token_urlsafe(50), ATIENDE_SSL_REDIRECT="0")
    env.pop("ATIENDE_WEBHOOK_URL", None)
    env.pop("REDIS_URL", None)
    if url:
        env["DATABASE_URL"] = url
    redis = _redis_reachable()
    if redis:
        env["REDIS_URL"] = REDIS_URL
    engine = "PostgreSQL" if url else "SQLite"
    out = subprocess.run([sys.executable, "-c", SETUP.replace("%d", str(TECHNICIANS))], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout
    token = json.loads(out.strip().splitlines()[-1])["token"]
    rows = []
    open_rows: list[list[Any]] = []
    open_p99: dict[tuple[int, int], float] = {}
    baseline_open_rows: list[list[Any]] = []
    best: tuple[float, float, float, int, int] | None = None
    run = 0
    for processes in PROCESSES if redis else [1]:
        with server(env, processes) as (port, pid):
            run += 1
            _drive(port, token, max(CLIENTS), WARMUP_SECONDS, 100_000 * run)  # every process warm
            for clients in CLIENTS:
                run += 1
                rate, p50, p99, row = _measure(port, pid, token, clients, 100_000 * run)
                rows.append(["Atiende", processes, *row])
                if best is None or (p99 < 50) > (best[2] < 50) or ((p99 < 50) == (best[2] < 50) and rate > best[0]):
                    best = (rate, p50, p99, processes, clients)
            for offered in OPEN_RATES:
                run += 1
                _rate, _p50, p99, row = _measure(port, pid, token, max(CLIENTS), 100_000 * run, offered)
                open_rows.append([processes, offered, *row[1:]])
                open_p99[(processes, offered)] = p99
    floor_best = 0.0
    baselines = [("floor (cti_floor.py)", 1, lambda: floor_server(env, url))]
    baselines += [(f"floor through {CEILINGS[variant]} (cti_ceiling.py)", n,
                   lambda variant=variant, n=n: ceiling_server(env, url, variant, n))
                  for variant in CEILINGS for n in CEILING_PROCESSES[variant]]
    for label, processes, serve in baselines if url else []:
        with serve() as (port, pid):
            run += 1
            _drive(port, token, max(CLIENTS), WARMUP_SECONDS, 100_000 * run)
            for clients in CLIENTS:
                run += 1
                rate, _p50, _p99, row = _measure(port, pid, token, clients, 100_000 * run)
                rows.append([label, processes, *row])
                if label.startswith("floor ("):
                    floor_best = max(floor_best, rate)
            for offered in BASELINE_OPEN_RATES:
                run += 1
                _rate, _p50, p99, row = _measure(port, pid, token, max(CLIENTS), 100_000 * run, offered)
                baseline_open_rows.append([label, processes, offered, *row[1:]])
    print(f"## CTI events through the HTTP API ({engine}, {TECHNICIANS} technicians, live updates through "
          f"{'Redis' if redis else 'the in-process layer'})\n")
    print(table(["server", "processes", "clients", "events", "seconds", "events/s", *MEASURED], rows))
    print("\nServer CPU per event: user + system time of the server's processes over the run, divided by the "
          "events answered; PostgreSQL CPU likewise for every PostgreSQL process (Atiende's rows include its "
          "worker's statements); client CPU, this process's (the PBX lines). They all share this machine's "
          f"{os.cpu_count()} cores: the events/s the cores allow is their CPU time divided by the sum of the three "
          "(an upper bound: it assumes every core busy all the time, with no queueing). The floor "
          "(bench/cti_floor.py) runs the same kinds of statements per event with no framework and no rules, on "
          "tables of its own, driven by the same clients.\n")
    if open_rows:
        print(f"### At a fixed offered rate ({max(CLIENTS)} lines, open loop)\n")
        print(table(["server processes", "offered events/s", "events", "seconds", "answered events/s", *MEASURED],
                    open_rows))
        print("\nEach line posts its events on a fixed schedule whatever the answers take, and each latency counts "
              "from when the event was due. For scale: a desk of 200 technicians at its peak (8 calls an hour each, "
              "about six events per call) posts about 3 events/s.\n")
    if baseline_open_rows:
        print(f"### The floor and the ceilings at {', '.join(map(str, BASELINE_OPEN_RATES))} events/s offered "
              f"({max(CLIENTS)} lines, open loop)\n")
        print(table(["server", "processes", "offered events/s", "events", "seconds", "answered events/s", *MEASURED],
                    baseline_open_rows))
        print("\nThe ceilings (bench/cti_ceiling.py) serve the floor's statements through Django and django-ninja: "
              "bare (no middleware, no authentication, an asynchronous view on the floor's asynchronous pool); "
              "through Atiende's own application (settings, middleware, bearer token, event schema) with the "
              "engine's services replaced by the floor's statements; and the same without the middleware chain. "
              "No rule is checked in any of them: what they reach bounds what any implementation of the engine on that stack can reach on this machine.\n")
    assert best is not None
    rate, p50, p99, processes, clients = best
    for (open_processes, offered), open_latency in sorted(open_p99.items()):
        figure(f"CTI events p99 at {offered} events/s offered, {engine}, {open_processes} processes", round(open_latency, 1),
               "ms", target="< 50 ms", met=open_latency < 50)
    figure(f"CTI events through the HTTP API, {engine}, {processes} processes, {clients} clients "
           f"(p50 {p50:.1f} ms, p99 {p99:.1f} ms)", round(rate), "events/s",
           target=">= 500/s with p99 < 50 ms", met=rate >= 500 and p99 < 50,
           note=f"{rate / floor_best:.3f}x the framework-free floor ({floor_best:.0f}/s)" if floor_best else "")


# What every row of _measure ends with, after the events, seconds and events/s.
MEASURED = ["p50 ms", "p99 ms", "server CPU ms/event", "PostgreSQL CPU ms/event", "client CPU ms/event",
            "events/s the cores allow", "statuses"]


def _measure(port: int, pid: int, token: str, clients: int, first_index: int, rate: float = 0.0
             ) -> tuple[float, float, float, list]:
    cpu_before, postgres_before, client_before = _cpu_seconds(pid), _postgres_cpu_seconds(), time.process_time()
    latencies, statuses, elapsed = _drive(port, token, clients, SECONDS, first_index, rate)
    events = max(1, len(latencies))
    server_cpu_ms = (_cpu_seconds(pid) - cpu_before) * 1000 / events
    postgres_cpu_ms = (_postgres_cpu_seconds() - postgres_before) * 1000 / events
    client_cpu_ms = (time.process_time() - client_before) * 1000 / events
    rate = len(latencies) / elapsed
    p50 = percentile(latencies, 0.5) * 1000
    p99 = percentile(latencies, 0.99) * 1000
    return rate, p50, p99, [clients, len(latencies), f"{elapsed:.1f}", f"{rate:.0f}", f"{p50:.1f}", f"{p99:.1f}",
                            f"{server_cpu_ms:.2f}", f"{postgres_cpu_ms:.2f}", f"{client_cpu_ms:.2f}",
                            f"{_cores_allow(server_cpu_ms + postgres_cpu_ms + client_cpu_ms):.0f}",
                            json.dumps(statuses)]


def _cores_allow(cpu_ms_per_event: float) -> float:
    """Events/s this machine's cores could answer if every event cost ``cpu_ms_per_event`` of CPU in all."""
    return (os.cpu_count() or 1) * 1000 / cpu_ms_per_event if cpu_ms_per_event > 0 else 0.0


def main() -> None:
    print("# Contact-center engine\n")
    bench_pure()
    if os.environ.get("BENCH_HTTP", "1") != "0":
        bench_http()


if __name__ == "__main__":
    main()
