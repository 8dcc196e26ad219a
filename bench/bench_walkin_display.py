"""Waiting-room display: how long after a technician's call-next the TV shows the ticket and the desk.

Issue 18's target: the waiting-room display updated under 500 ms at the 99th percentile after a call-next.

Set-up: a fresh SQLite database under a temporary ATIENDE_HOME (migrated, then seeded in a subprocess: one
walk-in service, «Reparaciones», letter A; ``--technicians`` technicians available, each with a bearer token;
``--events`` visitors checked in through the kiosk's service); ``atiende serve`` (uvicorn, one process, the
in-memory channel layer) on a free loopback port; ``--displays`` waiting-room displays (the ``websockets``
package) on ``/ws/sala/`` in a client process of their own (the TVs are other machines).

Every ``--gap`` seconds a technician calls the next visitor through the API (``POST /api/v1/walk-ins/next``,
the console's desk panel calls the same service), then marks the no-show so they may call again. The latency
of an event is the moment a display receives a board whose first line is that ticket (called once) minus the
moment the call-next request was sent: the HTTP request, the claim, the commit, the board's query and the
channel layer, all on the same shared cores as the displays.

Baseline, in the same run: the call-next request's own round trip (sent → answer received by the technician's
client). The ratio display / baseline says what the display adds over the technician seeing their own answer.

Run: ``.venv/bin/python bench/bench_walkin_display.py [--events 200] [--displays 3] [--technicians 4]
[--database sqlite|postgres]``; with ``postgres`` a fresh database is made (and dropped) on the server that
``DATABASE_URL`` names (default ``postgres://postgres@127.0.0.1:5432/postgres``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._benchlib import ServerFailed, figure, percentile, served, table  # noqa: E402

TARGET_MS = 500.0


def seed(technicians: int, visitors: int) -> None:
    """Subprocess: the service, available technicians with tokens, the visitors waiting; prints JSON."""
    from atiende.cli.django_setup import setup_django

    setup_django()
    from atiende.contact.services import availability
    from atiende.people.models import ApiToken, User
    from atiende.walkin.services.catalogue import save_service
    from atiende.walkin.services.checkin import check_in

    save_service(queue="mostrador", letter="A", label="Reparaciones")
    reception = User.objects.create_user("recepcion", role="tecnico")
    tokens = []
    for i in range(technicians):
        user = User.objects.create_user(f"tecnico{i}", role="tecnico", tier=1)
        availability.make_available(user=user)
        tokens.append(ApiToken.issue(user, name="bench")[1])
    for i in range(visitors):
        check_in(actor=reception, service="A", name=f"Visitante {i}", phone=f"+346{i:08d}")
    print(json.dumps({"tokens": tokens}))


def post(url: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def display_process(port: int, displays: int, ready: Any, results: Any, stop: Any) -> None:
    asyncio.run(_displays(port, displays, ready, results, stop))


async def _displays(port: int, displays: int, ready: Any, results: Any, stop: Any) -> None:
    import websockets

    arrivals: dict[str, dict[int, float]] = {}  # ticket -> {display: first time it led the board}
    connected = [0]

    async def tv(slot: int) -> None:
        async with websockets.connect(f"ws://127.0.0.1:{port}/ws/sala/", origin=f"http://127.0.0.1:{port}",
                                      open_timeout=60) as ws:
            first = json.loads(await ws.recv())
            assert first.get("type") == "sala.board", first
            connected[0] += 1
            if connected[0] == displays:
                ready.put(displays)
            async for raw in ws:
                moment = time.time()
                called = json.loads(raw).get("called") or []
                if called and called[0]["calls"] == 1 and called[0]["waiting"]:
                    arrivals.setdefault(called[0]["ticket"], {}).setdefault(slot, moment)

    tasks = [asyncio.create_task(tv(slot)) for slot in range(displays)]
    while not stop.is_set():
        await asyncio.sleep(0.1)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    results.put(arrivals)


def measure(port: int, tokens: list[str], events: int, displays: int, gap: float) -> dict[str, Any]:
    context = multiprocessing.get_context("fork")
    ready, results, stop = context.Queue(), context.Queue(), context.Event()
    worker = context.Process(target=display_process, args=(port, displays, ready, results, stop))
    worker.start()
    ready.get(timeout=120)
    base = f"http://127.0.0.1:{port}/api/v1/walk-ins"
    sent: list[tuple[str, float, float]] = []  # (ticket, request sent, answer received)
    for index in range(events):
        token = tokens[index % len(tokens)]
        start = time.time()
        visit = post(f"{base}/next", token, {"desk": f"Mesa {index % len(tokens) + 1}"})
        answered = time.time()
        sent.append((visit["ticket"], start, answered))
        time.sleep(gap / 2)
        post(f"{base}/{visit['id']}/no-show", token, {})
        time.sleep(gap / 2)
    time.sleep(1.0)  # the last deliveries
    stop.set()
    arrivals = results.get(timeout=60)
    worker.join(timeout=30)
    return {"sent": sent, "arrivals": arrivals}


@contextlib.contextmanager
def database(kind: str) -> Iterator[str | None]:
    """None for SQLite (a file under the run's ATIENDE_HOME); for PostgreSQL the URL of a fresh database, dropped
    afterwards."""
    if kind != "postgres":
        yield None
        return
    import urllib.parse

    import psycopg

    base = urllib.parse.urlsplit(os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres")
    admin = urllib.parse.urlunsplit(base._replace(path="/postgres"))
    name = f"bench_sala_{os.getpid()}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urllib.parse.urlunsplit(base._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--displays", type=int, default=3)
    parser.add_argument("--technicians", type=int, default=4)
    parser.add_argument("--gap", type=float, default=0.2, help="seconds between two call-nexts")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--seed", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        seed(*args.seed)
        return 0

    with tempfile.TemporaryDirectory(prefix="atiende-sala-") as tmp, database(args.database) as url:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update({"ATIENDE_HOME": tmp, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "atiende.settings"})
        if url:
            env["DATABASE_URL"] = url
        python = sys.executable
        subprocess.run([python, "-m", "atiende.cli", "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
        seeded = subprocess.run([python, __file__, "--seed", str(args.technicians), str(args.events)], env=env,
                                cwd=ROOT, check=True, capture_output=True, text=True)
        tokens = json.loads(seeded.stdout.strip().splitlines()[-1])["tokens"]
        try:
            with served(env, Path(tmp), "/sala/") as port:
                result = measure(port, tokens, args.events, args.displays, args.gap)
        except ServerFailed as failed:
            print(failed)
            return 1

    to_display: list[float] = []
    round_trip: list[float] = []
    missing = 0
    for ticket, start, answered in result["sent"]:
        round_trip.append((answered - start) * 1000)
        seen = result["arrivals"].get(ticket, {})
        missing += args.displays - len(seen)
        to_display += [(t - start) * 1000 for t in seen.values()]
    p99, b99 = percentile(to_display, 0.99), percentile(round_trip, 0.99)
    load = os.getloadavg()
    print(f"## Waiting-room display after a call-next: {args.events} call-nexts, {args.displays} displays, "
          f"{args.technicians} technicians, {args.database}\n")
    print(f"Display updates measured: {len(to_display)} (missing: {missing}). One uvicorn process, in-memory "
          f"channel layer, {'PostgreSQL' if args.database == 'postgres' else 'SQLite'}, loopback; {os.cpu_count()} CPUs, load average at the end "
          f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1 / 5 / 15 min).\n")
    print(table(["latency (ms)", "p50", "p90", "p99", "max"], [
        ["call-next sent → display shows the ticket", f"{percentile(to_display, 0.5):.1f}",
         f"{percentile(to_display, 0.9):.1f}", f"{p99:.1f}", f"{max(to_display):.1f}"],
        ["baseline: call-next sent → its answer", f"{percentile(round_trip, 0.5):.1f}",
         f"{percentile(round_trip, 0.9):.1f}", f"{b99:.1f}", f"{max(round_trip):.1f}"],
    ]))
    print(f"\nRatio display p99 / call-next answer p99 = {p99 / b99:.2f}; target p99 under {TARGET_MS:.0f} ms, "
          f"ratio p99 / target = {p99 / TARGET_MS:.2f}")
    figure("Waiting-room display p99 after a call-next (request sent → TV)", round(p99, 1), "ms",
           target=f"< {TARGET_MS:.0f} ms", met=p99 < TARGET_MS and missing == 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
