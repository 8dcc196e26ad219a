"""Where a CTI event's server time goes: CPU per event kind, and what each layer under it costs.

Run on its own with ``.venv/bin/python bench/bench_cti_costs.py``.

py measures CTI events per second over HTTP; this script explains
that figure. In one process, on PostgreSQL (``BENCH_POSTGRES_URL``; SQLite when
it is unreachable), 200 technicians, it posts whole calls (new_call, answered,
hold with consent, resumed, hangup) straight into Atiende's ASGI application
(no socket: what uvicorn adds is left out) and reads the CPU time of each
event by kind, with the number of SQL statements each ran. Then, in the same
process and database, the layers under an event one by one, each against a
baseline run beside it:

* the Django request stack (middleware, URL routing, django-ninja, token
  check) for a request that does nothing (401), against the CTI event;
* reading and locking a call as the services do (the ORM query, compiled each
  time, with its related queue, into model instances), against the very SQL
  that query compiles to, sent through the same connection;
* updating a call's state through the ORM, against the same UPDATE sent raw;
* a live update to the consoles through the Redis channel layer (when Redis
  answers), the one-hop send every change makes after its commit;
* a full garbage collection, which stops every request of the process while it
  runs, with what the server process loaded at startup frozen out of the
  collector's reach (as atiende/asgi.py does), against nothing frozen.

The ratios say what a leaner write path could save; docs/cti.md ("Capacity")
draws the conclusion.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _benchlib import figure, table  # noqa: E402
from bench_engine import (  # noqa: E402
    REDIS_URL,
    SETUP,
    TECHNICIANS,
    _postgres_database,
    _redis_reachable,
)

ROOT = Path(__file__).resolve().parent.parent
CALLS = int(os.environ.get("BENCH_CTI_COST_CALLS", "300"))
WARMUP_CALLS = 30
REPEAT = 2000
KINDS = ("new_call", "answered", "hold", "resumed", "hangup")


def _prepare() -> str:
    """A fresh database with 200 technicians and a CTI token (bench_engine's setup); returns the token."""
    url = _postgres_database("atiende_bench_cti_costs")
    home = tempfile.mkdtemp(prefix="atiende-bench-cti-costs-")
    os.environ.update(ATIENDE_HOME=home, DJANGO_SETTINGS_MODULE="atiende.settings")
    os.environ.pop("REDIS_URL", None)  # live updates: measured on their own below, not inside each event
    if url:
        os.environ["DATABASE_URL"] = url
    out = subprocess.run([sys.executable, "-c", SETUP.replace("%d", str(TECHNICIANS))], cwd=ROOT, env=os.environ,
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])["token"]


class Asgi:
    """Requests straight into the ASGI application, in this process."""

    def __init__(self, application: Any, token: str) -> None:
        self.application = application
        self.token = token

    async def request(self, method: str, path: str, body: bytes = b"", *, auth: bool = True) -> tuple[int, bytes]:
        headers = [(b"host", b"127.0.0.1"), (b"content-type", b"application/json"),
                   (b"content-length", str(len(body)).encode())]
        if auth:
            headers.append((b"authorization", f"Bearer {self.token}".encode()))
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
                 "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
                 "headers": headers, "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000)}
        delivered = False

        async def receive() -> dict[str, Any]:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.Event().wait()  # the client never disconnects
            return {}

        status, chunks = 0, []

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.application(scope, receive, send)
        return status, b"".join(chunks)


def _events(call_id: str, technician: str) -> dict[str, dict[str, Any]]:
    return {
        "new_call": {"type": "new_call", "call_id": call_id, "from": "+34600", "queue": "soporte"},
        "answered": {"type": "answered", "call_id": call_id, "technician": technician},
        "hold": {"type": "hold", "call_id": call_id, "reason": "Consulto", "customer_consent": True,
                 "expected_minutes": 2},
        "resumed": {"type": "resumed", "call_id": call_id},
        "hangup": {"type": "hangup", "call_id": call_id},
    }


async def _calls(asgi: Asgi, first: int, count: int, cpu: dict[str, list[float]], postgres: dict[str, list[float]],
                 statements: dict[str, list[int]], counter: list[int]) -> None:
    from atiende.contact import clock as contact_clock
    from atiende.contact.services import deadlines

    for n in range(first, first + count):
        call_id = f"cost-{n}"
        technician = ""
        for kind in KINDS:
            event = dict(_events(call_id, technician)[kind], id=f"{call_id}-{kind}")
            postgres_before = _backends_cpu_seconds()  # read outside this process's measured time
            before_statements, started = counter[0], time.process_time()
            status, body = await asgi.request("POST", "/api/v1/cti/events", json.dumps(event).encode())
            cpu[kind].append(time.process_time() - started)
            postgres[kind].append(_backends_cpu_seconds() - postgres_before)
            statements[kind].append(counter[0] - before_statements)
            if status != 200:
                raise RuntimeError(f"{kind}: {status} {body[:300]!r}")
            if kind == "new_call":
                answer = json.loads(body)
                technician = (answer.get("technician") or {}).get("extension") or "1000"
        if n % 10 == 9:
            # The worker's part, outside the measured events: wrap-ups end and the technicians are free again.
            await asyncio.to_thread(deadlines.run_due_deadlines, worker="bench", at=contact_clock.now() + _seconds(5),
                                    limit=1000)


# The PostgreSQL server processes serving this process's connections (their pids, as each connection opens).
BACKENDS: set[int] = set()


def _backends_cpu_seconds() -> float:
    """CPU time of this process's PostgreSQL backends, from /proc (0 without /proc, or on SQLite).

    Only our own backends: other work on the machine does not count, but neither
    do PostgreSQL's shared helpers (WAL writer, checkpointer), so this is a floor.
    """
    ticks = 0
    for pid in BACKENDS:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            ticks += int(fields[11]) + int(fields[12])
        except (OSError, ValueError, IndexError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


def _seconds(value: float) -> Any:
    from datetime import timedelta

    return timedelta(seconds=value)


def _per_call(function: Any) -> float:
    """CPU seconds per call of ``function``, over ``REPEAT`` calls after a short warm-up."""
    for _ in range(50):
        function()
    started = time.process_time()
    for _ in range(REPEAT):
        function()
    return (time.process_time() - started) / REPEAT


def _layers(asgi: Asgi, event_cpu: float) -> list[list[Any]]:
    from django.db import connection, transaction

    from atiende.contact.models import Contact

    rows: list[list[Any]] = []

    async def nothing() -> None:
        await asgi.request("GET", "/api/v1/people/me", auth=False)

    loop = asyncio.new_event_loop()
    trivial = _per_call(lambda: loop.run_until_complete(nothing()))
    loop.close()
    rows.append(["Django request stack, a request that does nothing (401)", f"{trivial * 1e6:,.0f}",
                 "a CTI event (mean of the five kinds)", f"{event_cpu * 1e6:,.0f}", f"{trivial / event_cpu:.2f}"])
    figure("Django request stack's share of a CTI event's CPU (in process, no socket)",
           round(100 * trivial / event_cpu, 1), "%", note=f"{trivial * 1e3:.2f} ms of {event_cpu * 1e3:.2f} ms")

    contact_id = Contact.objects.order_by("-pk").values_list("pk", flat=True).first()

    def locking() -> Any:
        return Contact.objects.select_for_update(of=("self",)).select_related("queue").filter(pk=contact_id)

    with transaction.atomic():
        sql, params = locking().query.get_compiler(connection.alias).as_sql()

        def orm_read() -> None:
            locking().first()

        def raw_read() -> None:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                cursor.fetchone()

        orm, raw = _per_call(orm_read), _per_call(raw_read)
        rows.append(["read and lock a call with its queue, ORM (as the services do)", f"{orm * 1e6:,.0f}",
                     "the same SQL sent raw", f"{raw * 1e6:,.0f}", f"{orm / raw:.2f}"])
        figure("Locked read of a call, ORM vs the same SQL raw (CPU)", round(orm / raw, 2), "x",
               note=f"{orm * 1e6:.0f} µs vs {raw * 1e6:.0f} µs")
        update = Contact.objects.filter(pk=contact_id)
        update_sql = "UPDATE contact_contact SET state = %s, version = version + 1 WHERE id = %s"

        def orm_update() -> None:
            update.update(state="ended", version=1)

        def raw_update() -> None:
            with connection.cursor() as cursor:
                cursor.execute(update_sql, ["ended", contact_id])

        orm, raw = _per_call(orm_update), _per_call(raw_update)
        rows.append(["update a call's state, ORM", f"{orm * 1e6:,.0f}", "the same UPDATE sent raw",
                     f"{raw * 1e6:,.0f}", f"{orm / raw:.2f}"])
        transaction.set_rollback(True)  # the measured updates leave nothing behind
    unfrozen, frozen = _full_collections()
    rows.append(["a full garbage collection (wall), startup's objects frozen as atiende/asgi.py does",
                 f"{frozen * 1e6:,.0f}", "the same, nothing frozen", f"{unfrozen * 1e6:,.0f}",
                 f"{frozen / unfrozen:.2f}"])
    figure("Full garbage collection pause in a warm server process, startup's objects frozen",
           round(frozen * 1e3, 1), "ms", note=f"{unfrozen * 1e3:.0f} ms with nothing frozen")
    live = _live_send()
    if live is not None:
        rows.append(["live update to the consoles through Redis (board + 2 technicians)", f"{live * 1e6:,.0f}",
                     "a CTI event (mean of the five kinds)", f"{event_cpu * 1e6:,.0f}", f"{live / event_cpu:.2f}"])
        figure("Live update through Redis, share of a CTI event's CPU", round(100 * live / event_cpu, 1), "%",
               note=f"{live * 1e3:.2f} ms per update")
    return rows


def _full_collections() -> tuple[float, float]:
    """Wall seconds of a full collection (median of 5): as served (what the process loaded at startup frozen by
    atiende/asgi.py; what the calls left behind still walked), then with nothing frozen.

    Every request of the process waits while one runs; Python starts one on its own now and then.
    """
    import gc
    import statistics

    def median_pause() -> float:
        pauses = []
        for _ in range(5):
            started = time.perf_counter()
            gc.collect()
            pauses.append(time.perf_counter() - started)
        return statistics.median(pauses)

    as_served = median_pause()
    gc.unfreeze()
    return median_pause(), as_served


def _live_send() -> float | None:
    """CPU per live update sent as the services send it (one hop, every group at once) to a Redis layer."""
    if not _redis_reachable():
        return None
    from asgiref.sync import async_to_sync, sync_to_async
    from channels_redis.core import RedisChannelLayer

    from atiende.contact import live

    layer = RedisChannelLayer(hosts=[REDIS_URL])
    message = {"type": "contact.update", "contact": {"id": 1, "state": "talking"}, "events": [], "alerts": [],
               "notify": [1, 2], "update": "0" * 32}
    groups = [live.BOARD_GROUP, live.technician_group(1), live.technician_group(2)]

    async def main() -> float:
        # A thread (sync_to_async) hands the update to the event loop and waits until it is sent: the whole
        # send, which a request's thread now hands over without waiting (atiende/contact/live.py).
        return await sync_to_async(_per_call, thread_sensitive=False)(
            lambda: async_to_sync(live._send_all)(layer, message, groups))

    return asyncio.run(main())


def main() -> None:
    token = _prepare()
    logging.disable(logging.WARNING)  # the 401s of the baseline are expected
    from django.db.backends.signals import connection_created

    counter = [0]

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        counter[0] += 1
        return execute(sql, params, many, context)

    def on_connection(sender: Any, connection: Any, **kwargs: Any) -> None:
        if count not in connection.execute_wrappers:
            connection.execute_wrappers.append(count)
        if connection.vendor == "postgresql":
            BACKENDS.add(connection.connection.info.backend_pid)

    connection_created.connect(on_connection)
    from atiende.asgi import application

    asgi = Asgi(application, token)
    cpu: dict[str, list[float]] = defaultdict(list)
    postgres: dict[str, list[float]] = defaultdict(list)
    statements: dict[str, list[int]] = defaultdict(list)
    asyncio.run(_calls(asgi, 0, WARMUP_CALLS, defaultdict(list), defaultdict(list), defaultdict(list), counter))
    asyncio.run(_calls(asgi, WARMUP_CALLS, CALLS, cpu, postgres, statements, counter))
    from django.db import connection

    print("# Where a CTI event's server time goes\n")
    print(f"## CPU per event, in process ({connection.vendor}, {TECHNICIANS} technicians, {CALLS} calls)\n")
    rows = []
    for kind in KINDS:
        values = cpu[kind]
        rows.append([kind, f"{1e3 * sum(values) / len(values):.2f}", f"{1e3 * sum(postgres[kind]) / len(values):.2f}",
                     f"{sum(statements[kind]) / len(values):.1f}"])
    every = [v for kind in KINDS for v in cpu[kind]]
    mean = sum(every) / len(every)
    postgres_mean = sum(map(sum, postgres.values())) / len(every)
    rows.append(["mean", f"{1e3 * mean:.2f}", f"{1e3 * postgres_mean:.2f}",
                 f"{sum(map(sum, statements.values())) / len(every):.1f}"])
    print(table(["event", "Atiende CPU ms", "PostgreSQL CPU ms", "SQL statements"], rows))
    print("\nThrough the ASGI application with no socket, live updates off (no console listens); the worker's "
          "share (wrap-up ends, timers) is left out. PostgreSQL CPU: the CPU time of the PostgreSQL backends "
          "serving this process over the event (not the WAL writer's or checkpointer's), read from /proc in clock "
          "ticks: coarse for one event, fair as a mean over many.\n")
    figure(f"CTI event CPU in process, mean of the five kinds ({connection.vendor})", round(1e3 * mean, 2), "ms",
           note=f"PostgreSQL {1e3 * postgres_mean:.2f} ms")
    print("## The layers under an event, each against a baseline in the same run\n")
    print(table(["measured", "CPU µs", "baseline", "baseline CPU µs", "ratio"], _layers(asgi, mean)))
    print("\nCPU of this process's side only (the Python work), per call of each.\n")


if __name__ == "__main__":
    main()
