"""Console fan-out: how long an engine event takes to reach every connected console.

Issue 7's target: with 200 consoles connected, an engine event reaches every
console in under 100 ms at the 99th percentile.

Set-up: a fresh SQLite database under a temporary ATIENDE_HOME (migrated and
seeded in a subprocess: N console users with sessions, one technician with a
bearer token and a call she is talking on); ``atiende serve`` (uvicorn, one
process, the in-memory channel layer) on a free loopback port; N websocket
clients (the ``websockets`` package) spread over a few client processes (4 by
default: browsers are separate machines, and one Python loop reading all N
sockets adds its own queueing, about 5x the latency at 200), signed in with
those sessions on ``/ws/consolas/``, the consoles' socket. ``--baseline``
measures the contact center's own ``/ws/contacts/`` instead, where the channel
layer carries one copy of each update per console.

Every ``--gap`` seconds (0.25) the technician puts the call on hold or resumes
it through the REST API (``POST /api/v1/contacts/<id>/hold|resume``), one
engine event each, matched to the arrivals by the contact's version. Two
latencies per console and event:

* from the event: arrival time minus the event's own timestamp (the engine's
  clock, taken inside the action, before the commit; same machine, same clock);
* from the click: arrival time minus the moment the API request was sent, which
  adds the HTTP request, the lock and the commit.

Both include the client processes' own handling of the arrivals, on the same
shared cores as the server.

Run: ``.venv/bin/python bench/bench_console_fanout.py [--consoles 200] [--events 100] [--baseline]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._benchlib import ServerFailed, figure, percentile, served, table  # noqa: E402

TARGET_MS = 100.0


def seed(consoles: int, all_supervisors: bool = False) -> None:
    """Subprocess: users, sessions, a token and a talking call; prints them as JSON."""
    from atiende.cli.django_setup import setup_django

    setup_django()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from atiende.contact.services import availability, calls, queues, routing
    from atiende.people.models import ApiToken, User

    queues.save_queue(name="soporte", label="Soporte", tiers=[1, 2])
    operator = User.objects.create_user("operadora", role="tecnico", tier=1)
    availability.make_available(user=operator)
    routed = routing.create_contact(queue="soporte", caller="+34600000000")
    calls.answer(contact_id=routed.contact.pk, user=operator)
    _token, raw = ApiToken.issue(operator, name="bench")
    sessions = []
    for i in range(consoles):
        # A few wallboards among the consoles; the baseline socket sends the board to supervisors only.
        role = "supervisor" if all_supervisors or i % 20 == 0 else "tecnico"
        user = User(username=f"consola{i:04d}", role=role, tier=1)
        user.set_unusable_password()
        user.save()
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0] if getattr(
            settings, "AUTHENTICATION_BACKENDS", None) else "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        sessions.append(store.session_key)
    print(json.dumps({"token": raw, "contact": routed.contact.pk, "sessions": sessions}))


def post(url: str, token: str, body: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def client_process(port: int, path: str, sessions: list[str], first_slot: int, ready: Any, results: Any,
                   stop: Any) -> None:
    """One client process: its share of the consoles; returns {version: {slot: arrival time}}."""
    asyncio.run(_clients(port, path, sessions, first_slot, ready, results, stop))


async def _clients(port: int, path: str, sessions: list[str], first_slot: int, ready: Any, results: Any,
                   stop: Any) -> None:
    import websockets

    arrivals: dict[int, dict[int, float]] = {}
    connected = [0]

    async def console(slot: int, session: str) -> None:
        async with websockets.connect(f"ws://127.0.0.1:{port}{path}", origin=f"http://127.0.0.1:{port}",
                                      max_queue=None, additional_headers={"Cookie": f"sessionid={session}"},
                                      open_timeout=120) as ws:
            hello = json.loads(await ws.recv())
            assert hello.get("type") == "hello", hello
            connected[0] += 1
            if connected[0] == len(sessions):
                ready.put(len(sessions))
            async for raw in ws:
                now = time.time()
                message = json.loads(raw)
                if message.get("type") == "contact.update":
                    arrivals.setdefault(message["contact"]["version"], {}).setdefault(slot, now)

    tasks = []
    for offset, session in enumerate(sessions):
        tasks.append(asyncio.create_task(console(first_slot + offset, session)))
        if offset % 25 == 24:
            await asyncio.sleep(0.05)  # a gentle ramp: hundreds of handshakes at once only measure the ramp
    while not stop.is_set():
        await asyncio.sleep(0.1)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    results.put(arrivals)


def measure(port: int, path: str, setup: dict, events: int, processes: int, gap: float) -> dict:
    """Consoles spread over client processes (browsers are separate machines: one Python loop for all
    would add its own queueing); one engine event every ``gap`` seconds."""
    context = multiprocessing.get_context("fork")
    ready, results, stop = context.Queue(), context.Queue(), context.Event()
    sessions = setup["sessions"]
    share = -(-len(sessions) // processes)
    workers = []
    for first in range(0, len(sessions), share):
        worker = context.Process(target=client_process,
                                 args=(port, path, sessions[first:first + share], first, ready, results, stop))
        worker.start()
        workers.append(worker)
    connected = 0
    while connected < len(sessions):
        connected += ready.get(timeout=180)
    base = f"http://127.0.0.1:{port}/api/v1/contacts/{setup['contact']}"
    sent: list[tuple[int, float]] = []  # (contact version after the event, moment the request was sent)
    for index in range(events):
        if index % 2 == 0:
            action, body = "hold", {"reason": "Consulto el registro", "customer_consent": True,
                                    "expected_minutes": 5}
        else:
            action, body = "resume", {}
        start = time.time()
        view = post(f"{base}/{action}", setup["token"], body)
        sent.append((view["version"], start))
        time.sleep(gap)
    time.sleep(1.0)  # the last deliveries
    stop.set()
    arrivals: dict[int, dict[int, float]] = {}
    for _worker in workers:
        for version, by_slot in results.get(timeout=60).items():
            arrivals.setdefault(version, {}).update(by_slot)
    for worker in workers:
        worker.join(timeout=30)
    missing = sum(len(sessions) - len(arrivals.get(version, {})) for version, _start in sent)
    return {"arrivals": [arrivals.get(version, {}) for version, _start in sent],
            "sent": [start for _version, start in sent], "missing": missing}


def event_times(port: int, setup: dict, token: str) -> list[float]:
    """The engine timestamps of the hold/resume events, read back from the contact's history."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/contacts/{setup['contact']}/events",
                                     headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        history = json.loads(response.read())
    return [datetime.fromisoformat(e["at"].replace("Z", "+00:00")).timestamp()
            for e in history if e["kind"] in ("hold", "resumed")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consoles", type=int, default=200)
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--client-processes", type=int, default=4)
    parser.add_argument("--gap", type=float, default=0.25, help="seconds between engine events")
    parser.add_argument("--baseline", action="store_true",
                        help="measure the contact center's own socket /ws/contacts/ (one channel-layer message "
                             "per console) instead of the consoles' /ws/consolas/ (one per process)")
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        seed(args.seed, all_supervisors=args.baseline)
        return 0

    path = "/ws/contacts/" if args.baseline else "/ws/consolas/"
    with tempfile.TemporaryDirectory(prefix="atiende-fanout-") as tmp:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update({"ATIENDE_HOME": tmp, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "atiende.settings",
                    # the sessions seeded below are checked by the server with the same key
                    "ATIENDE_SECRET_KEY": secrets.token_urlsafe(50)})
        python = sys.executable
        subprocess.run([python, "-m", "atiende.cli", "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
        seeded = subprocess.run([python, __file__, "--seed", str(args.consoles)] + (["--baseline"] if args.baseline else []), env=env, cwd=ROOT, check=True,
                                capture_output=True, text=True)
        setup = json.loads(seeded.stdout.strip().splitlines()[-1])
        try:
            with served(env, Path(tmp), "/entrar/") as port:
                result = measure(port, path, setup, args.events, args.client_processes, args.gap)
                engine_at = event_times(port, setup, setup["token"])
        except ServerFailed as failed:
            print(failed)
            return 1

    from_event: list[float] = []
    from_click: list[float] = []
    slowest_console: list[float] = []
    for index, arrivals in enumerate(result["arrivals"]):
        if not arrivals:
            continue
        at = engine_at[index] if index < len(engine_at) else result["sent"][index]
        from_event += [(t - at) * 1000 for t in arrivals.values()]
        from_click += [(t - result["sent"][index]) * 1000 for t in arrivals.values()]
        slowest_console.append((max(arrivals.values()) - at) * 1000)
    p50, p99 = percentile(from_event, 0.5), percentile(from_event, 0.99)
    c50, c99 = percentile(from_click, 0.5), percentile(from_click, 0.99)
    print(f"## Console fan-out over {path}: {args.consoles} consoles, {args.events} engine events, "
          f"{args.client_processes} client processes\n")
    load = os.getloadavg()
    print(f"Deliveries measured: {len(from_event)} (missing: {result['missing']}). "
          f"One uvicorn process, in-memory channel layer, SQLite, loopback; {os.cpu_count()} CPUs, "
          f"load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1 / 5 / 15 min).\n")
    print(table(["latency (ms)", "p50", "p90", "p99", "max"], [
        ["engine event → console", f"{p50:.1f}", f"{percentile(from_event, 0.9):.1f}", f"{p99:.1f}",
         f"{max(from_event):.1f}"],
        ["API request sent → console", f"{c50:.1f}", f"{percentile(from_click, 0.9):.1f}", f"{c99:.1f}",
         f"{max(from_click):.1f}"],
        ["event → last of all consoles", f"{percentile(slowest_console, 0.5):.1f}",
         f"{percentile(slowest_console, 0.9):.1f}", f"{percentile(slowest_console, 0.99):.1f}",
         f"{max(slowest_console):.1f}"],
    ]))
    print(f"\nTarget: p99 under {TARGET_MS:.0f} ms from the engine event; ratio p99 / target = {p99 / TARGET_MS:.2f}")
    if args.baseline:
        return 0
    figure(f"Console fan-out p99, {args.consoles} consoles (engine event → every console)", round(p99, 1), "ms",
           target=f"< {TARGET_MS:.0f} ms", met=p99 < TARGET_MS and result["missing"] == 0)
    figure(f"Console fan-out p99, {args.consoles} consoles (API request → every console)", round(c99, 1), "ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
