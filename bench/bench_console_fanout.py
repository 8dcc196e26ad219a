"""Console fan-out: how long an engine event takes to reach every connected console.

Issue 7's target: with 200 consoles connected, an engine event reaches every
console in under 100 ms at the 99th percentile.

Set-up: a fresh SQLite database under a temporary ATIENDE_HOME (migrated and
seeded in a subprocess: N console users with sessions, one technician with a
bearer token and a call she is talking on); ``atiende serve`` (uvicorn, one
process, the in-memory channel layer) on a free loopback port; N websocket
clients (the ``websockets`` package, one asyncio loop in this process) signed
in with those sessions on ``/ws/consolas/``, the consoles' socket.

Each round the technician puts the call on hold or resumes it through the REST
API (``POST /api/v1/contacts/<id>/hold|resume``), one engine event per round,
and the script waits until every console has the update. Two latencies per
console and event:

* from the event: arrival time minus the event's own timestamp (the engine's
  clock, taken inside the action, before the commit; same machine, same clock);
* from the click: arrival time minus the moment the API request was sent, which
  adds the HTTP request, the lock and the commit.

Both include this script's own handling of N arrivals in one Python loop on
the same 2 shared cores as the server, so they overstate what a browser sees.

Run: ``.venv/bin/python bench/bench_console_fanout.py [--consoles 200] [--events 100]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._benchlib import figure, percentile, table  # noqa: E402

TARGET_MS = 100.0


def seed(consoles: int) -> None:
    """Subprocess: users, sessions, a token and a talking call; prints them as JSON."""
    from atiende.cli.django_setup import setup_django

    setup_django()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from atiende.contact import services
    from atiende.people.models import ApiToken, User

    services.save_queue(name="soporte", label="Soporte", tiers=[1, 2])
    operator = User.objects.create_user("operadora", role="tecnico", tier=1)
    services.make_available(user=operator)
    routed = services.create_contact(queue="soporte", caller="+34600000000")
    services.answer(contact_id=routed.contact.pk, user=operator)
    _token, raw = ApiToken.issue(operator, name="bench")
    sessions = []
    for i in range(consoles):
        role = "supervisor" if i % 20 == 0 else "tecnico"  # a few wallboards among the consoles
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(url: str, token: str, body: dict) -> int:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status


async def measure(port: int, setup: dict, events: int) -> dict:
    import websockets

    origin = f"http://127.0.0.1:{port}"
    arrivals: list[dict[int, float]] = [dict() for _ in range(events)]  # event index -> console -> time
    pending: dict[int, asyncio.Event] = {}
    expected = len(setup["sessions"])
    current = {"index": -1}

    async def console(slot: int, session: str, ready: asyncio.Event, counter: list[int]) -> None:
        async with websockets.connect(f"ws://127.0.0.1:{port}/ws/consolas/", origin=origin, max_queue=None,
                                      additional_headers={"Cookie": f"sessionid={session}"},
                                      open_timeout=60) as ws:
            hello = json.loads(await ws.recv())
            assert hello.get("type") == "hello", hello
            counter[0] += 1
            if counter[0] == expected:
                ready.set()
            async for raw in ws:
                now = time.time()
                message = json.loads(raw)
                if message.get("type") != "contact.update":
                    continue
                index = current["index"]
                if index < 0:
                    continue
                arrivals[index].setdefault(slot, now)
                if len(arrivals[index]) == expected:
                    pending[index].set()

    ready = asyncio.Event()
    counter = [0]
    tasks = []
    for slot, session in enumerate(setup["sessions"]):
        tasks.append(asyncio.create_task(console(slot, session, ready, counter)))
        if slot % 25 == 24:
            await asyncio.sleep(0.05)  # a gentle ramp: 200 handshakes at once only measure the ramp
    await asyncio.wait_for(ready.wait(), timeout=120)

    base = f"http://127.0.0.1:{port}/api/v1/contacts/{setup['contact']}"
    loop = asyncio.get_running_loop()
    executor = ThreadPoolExecutor(max_workers=1)
    sent: list[float] = []
    missing = 0
    for index in range(events):
        pending[index] = asyncio.Event()
        current["index"] = index
        if index % 2 == 0:
            action, body = "hold", {"reason": "Consulto el registro", "customer_consent": True,
                                    "expected_minutes": 5}
        else:
            action, body = "resume", {}
        start = time.time()
        sent.append(start)
        status = await loop.run_in_executor(executor, post, f"{base}/{action}", setup["token"], body)
        assert status == 200, status
        try:
            await asyncio.wait_for(pending[index].wait(), timeout=10)
        except TimeoutError:
            missing += expected - len(arrivals[index])
        await asyncio.sleep(0.02)
    current["index"] = -1
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    executor.shutdown()
    return {"arrivals": arrivals, "sent": sent, "missing": missing}


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
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        seed(args.seed)
        return 0

    with tempfile.TemporaryDirectory(prefix="atiende-fanout-") as tmp:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update({"ATIENDE_HOME": tmp, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "atiende.settings"})
        python = sys.executable
        subprocess.run([python, "-m", "atiende.cli", "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
        seeded = subprocess.run([python, __file__, "--seed", str(args.consoles)], env=env, cwd=ROOT, check=True,
                                capture_output=True, text=True)
        setup = json.loads(seeded.stdout.strip().splitlines()[-1])
        port = free_port()
        log = Path(tmp) / "server.log"
        with log.open("w") as out:
            server = subprocess.Popen([python, "-m", "atiende.cli", "serve", "--port", str(port)], env=env, cwd=ROOT,
                                      stdout=out, stderr=subprocess.STDOUT)
            try:
                deadline = time.monotonic() + 60
                while True:
                    try:
                        with urllib.request.urlopen(f"http://127.0.0.1:{port}/entrar/", timeout=5):
                            break
                    except OSError:
                        if server.poll() is not None or time.monotonic() > deadline:
                            print(log.read_text()[-3000:])
                            return 1
                        time.sleep(0.2)
                result = asyncio.run(measure(port, setup, args.events))
                engine_at = event_times(port, setup, setup["token"])
            finally:
                server.terminate()
                server.wait(timeout=15)

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
    print(f"## Console fan-out: {args.consoles} consoles, {args.events} engine events\n")
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
    figure(f"Console fan-out p99, {args.consoles} consoles (engine event → every console)", round(p99, 1), "ms",
           target=f"< {TARGET_MS:.0f} ms", met=p99 < TARGET_MS and result["missing"] == 0)
    figure(f"Console fan-out p99, {args.consoles} consoles (API request → every console)", round(c99, 1), "ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
