"""Live chat at load: a customer's message to the technician's console, with 500 chats open at once.

Issue 17's target: 500 concurrent chats of simulated customers on this machine, customer → technician
delivery p99 under 150 ms at that load, 0 messages lost or out of order; compared in the same run with
a bare Channels relay as the ceiling (``bench/chat_ceiling.py``: a frame in, through the channel
layer, a frame out on another socket; no database, no checks).

Set-up: a fresh SQLite database under a temporary ATIENDE_HOME (or ``--database-url``, an empty
PostgreSQL database), migrated and seeded in a subprocess: the queue ``soporte``, its widget, enough
technicians for the chats (3 each, the default concurrency), signed in with sessions, and the chats
opened through the chat services and accepted by the technician each was routed to. ``atiende
serve`` (uvicorn, one process, the in-memory channel layer) on a free loopback port; the chat's rate
limits raised for the run (every simulated customer comes from 127.0.0.1).

Load: client processes (4 by default: browsers are other machines; one Python loop reading a
thousand sockets only measures itself) each take a share of the technicians with all their chats:
a technician's socket (``/ws/chat/tecnico/``, subscribed to their chats) and a customer's socket per
chat (``/ws/chat/``, joined with its token, from the widget's allowed origin). Every customer sends
``--messages`` messages, one every ``--gap`` seconds (first one at a random moment of the first gap,
so the load is even). Latency: the moment the technician's socket receives the message minus the
moment the customer's socket sent it (same machine, same clock). Lost: expected minus received;
out of order: a chat whose messages reached the technician in another order than they were written
(or with their sequence numbers not growing). Then the same clients, load and counts against the
ceiling.

Run: ``.venv/bin/python bench/bench_chat.py [--chats 500] [--messages 6] [--gap 10]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._benchlib import (  # noqa: E402
    SERVER_PIDS,
    ServerFailed,
    cpu_seconds,
    figure,
    free_port,
    percentile,
    served,
    table,
)

TARGET_MS = 150.0
SITE = "http://bench.example"
OPENING_AT_ONCE = 8  # sockets each client process opens at once during the ramp
DRAIN_SECONDS = 60.0  # after its last message a customer waits this long for receipts, a technician for messages


def seed(chats: int, per_technician: int) -> None:
    """Subprocess: the widget, technicians with sessions, the chats opened and accepted; prints them as JSON."""
    from atiende.cli.django_setup import setup_django

    setup_django()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from atiende.chat import services
    from atiende.chat.models import ChatSession, ChatWidget
    from atiende.contact.models import TechnicianState
    from atiende.contact.services import availability, queues
    from atiende.people.models import User

    queue = queues.save_queue(name="soporte", label="Soporte", tiers=[1, 2])
    ChatWidget.objects.create(key="soporte", name="Soporte", queue=queue, allowed_origins=[SITE])
    technicians = []
    for i in range(math.ceil(chats / per_technician)):
        user = User(username=f"tecnico{i:04d}", role="tecnico", tier=1, first_name=f"Técnico {i}")
        user.set_unusable_password()
        user.save()
        availability.make_available(user=user)
        TechnicianState.objects.filter(user=user).update(max_chats=per_technician)
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        technicians.append({"id": user.pk, "session": store.session_key, "chats": []})
    tokens = {}
    for n in range(chats):
        opened = services.open_chat(widget_key="soporte", name=f"Cliente {n}", origin=SITE)
        tokens[opened.session.pk] = opened.token
    by_id = {t["id"]: t for t in technicians}
    users = {u.pk: u for u in User.objects.filter(pk__in=by_id)}
    for _round in range(chats + 10):  # each acceptance may route the next waiting chat
        offered = list(ChatSession.objects.filter(contact__state="offered").values_list("pk", "contact__offered_to"))
        if not offered:
            break
        for chat_id, user_id in offered:
            services.accept_chat(user=users[user_id], chat_id=chat_id)
    for chat_id, user_id in ChatSession.objects.filter(state="active").values_list("pk", "contact__assignee"):
        by_id[user_id]["chats"].append({"id": chat_id, "token": tokens[chat_id]})
    active = sum(len(t["chats"]) for t in technicians)
    print(json.dumps({"technicians": [t for t in technicians if t["chats"]], "active": active}))


def client_process(mode: str, port: int, share: list[dict[str, Any]], messages: int, gap: float, ready: Any,
                   go: Any, results: Any) -> None:
    asyncio.run(_clients(mode, port, share, messages, gap, ready, go, results))


async def _clients(mode: str, port: int, share: list[dict[str, Any]], messages: int, gap: float, ready: Any,
                   go: Any, results: Any) -> None:
    import websockets

    base = f"ws://127.0.0.1:{port}"
    latencies: list[float] = []
    acks: list[float] = []
    received: dict[int, list[tuple[int, int]]] = {}
    errors: list[str] = []
    opened = [0]
    expected_sockets = sum(1 + len(t["chats"]) for t in share)
    sockets: list[Any] = []
    # Sockets opened (and joined) a few at a time: a loaded machine's server answering a thousand joins at once
    # would close the last ones at the join deadline (15 s), which measures the ramp, not the chat.
    opening = asyncio.Semaphore(OPENING_AT_ONCE)

    async def technician(tech: dict[str, Any]) -> None:
        chat_ids = [c["id"] for c in tech["chats"]]
        async with opening:
            if mode == "atiende":
                ws = await websockets.connect(f"{base}/ws/chat/tecnico/", origin=f"http://127.0.0.1:{port}",
                                              additional_headers={"Cookie": f"sessionid={tech['session']}"},
                                              max_queue=None, open_timeout=120)
                assert json.loads(await ws.recv())["type"] == "hello"
                for chat_id in chat_ids:
                    await ws.send(json.dumps({"type": "subscribe", "chat": chat_id}))
            else:
                ws = await websockets.connect(f"{base}/ws/echo/?chats={','.join(map(str, chat_ids))}",
                                              max_queue=None, open_timeout=120)
        sockets.append(ws)
        opened[0] += 1
        async for raw in ws:
            now = time.time()
            frame = json.loads(raw)
            if frame.get("type") == "error":
                errors.append(json.dumps(frame["error"]))
            if frame.get("type") != "message" or frame.get("author") != "customer":
                continue
            chat_id, n, sent = frame["text"].split(":")
            latencies.append((now - float(sent)) * 1000)
            received.setdefault(int(chat_id), []).append((int(n), int(frame["seq"])))

    async def customer(chat: dict[str, Any]) -> None:
        async with opening:
            if mode == "atiende":
                ws = await websockets.connect(f"{base}/ws/chat/", origin=SITE, max_queue=None, open_timeout=120)
                await ws.send(json.dumps({"type": "join", "token": chat["token"], "last_seq": 0}))
                joined = json.loads(await ws.recv())
                assert joined["type"] == "joined", joined
            else:
                ws = await websockets.connect(f"{base}/ws/echo/?chat={chat['id']}", max_queue=None,
                                              open_timeout=120)
        sockets.append(ws)
        opened[0] += 1
        sent_at: dict[str, float] = {}

        async def read() -> None:
            async for raw in ws:
                frame = json.loads(raw)
                if frame.get("type") == "ack" and frame.get("client_id") in sent_at:
                    acks.append((time.time() - sent_at.pop(frame["client_id"])) * 1000)
                elif frame.get("type") == "error":
                    errors.append(json.dumps(frame["error"]))

        reader = asyncio.create_task(read())
        while not go.is_set():
            await asyncio.sleep(0.05)
        await asyncio.sleep(random.uniform(0, gap))
        for n in range(messages):
            client_id = f"m{chat['id']}-{n}"
            now = time.time()
            sent_at[client_id] = now
            await ws.send(json.dumps({"type": "message", "client_id": client_id,
                                      "text": f"{chat['id']}:{n}:{now:.6f}"}))
            await asyncio.sleep(gap)
        deadline = time.monotonic() + DRAIN_SECONDS
        while sent_at and time.monotonic() < deadline:  # every receipt in (or given up on: counted as lost)
            await asyncio.sleep(0.1)
        reader.cancel()

    tasks = []
    customers = []
    for tech in share:
        tasks.append(asyncio.create_task(technician(tech)))
        for chat in tech["chats"]:
            customers.append(asyncio.create_task(customer(chat)))
        await asyncio.sleep(0.02)  # a gentle ramp: a thousand handshakes at once only measure the ramp
    tasks += customers
    while opened[0] < expected_sockets:
        await asyncio.sleep(0.05)
        if any(t.done() and t.exception() for t in tasks):
            failed = next(t for t in tasks if t.done() and t.exception())
            results.put({"failed": repr(failed.exception())})
            return
    await asyncio.sleep(1)  # the subscriptions' answers
    ready.put(expected_sockets)
    await asyncio.gather(*customers, return_exceptions=True)
    expected = messages * sum(len(t["chats"]) for t in share)
    deadline = time.monotonic() + DRAIN_SECONDS
    while len(latencies) < expected and time.monotonic() < deadline:  # the last deliveries' way through
        await asyncio.sleep(0.1)
    for ws in sockets:
        await ws.close()
    for task in tasks:
        task.cancel()
    results.put({"latencies": latencies, "acks": acks, "received": received, "errors": errors[:20]})


def measure(mode: str, port: int, technicians: list[dict[str, Any]], messages: int, gap: float,
            processes: int, server_pid: int | None = None) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    ready, results, go = context.Queue(), context.Queue(), context.Event()
    shares = [technicians[i::processes] for i in range(processes)]
    workers = [context.Process(target=client_process, args=(mode, port, share, messages, gap, ready, go, results))
               for share in shares if share]
    for worker in workers:
        worker.start()
    for _worker in workers:
        ready.get(timeout=600)
    start = time.time()
    cpu_at_go = cpu_seconds(server_pid) if server_pid else None
    go.set()
    outcomes = [results.get(timeout=messages * gap + 600) for _worker in workers]
    server_cpu = cpu_seconds(server_pid) - cpu_at_go if server_pid and cpu_at_go is not None else None
    for worker in workers:
        worker.join(timeout=30)
    failed = [o["failed"] for o in outcomes if "failed" in o]
    if failed:
        raise RuntimeError(f"a client failed: {failed[0]}")
    chats = [c["id"] for t in technicians for c in t["chats"]]
    received: dict[int, list[tuple[int, int]]] = {}
    for outcome in outcomes:
        for chat_id, items in outcome["received"].items():
            received.setdefault(int(chat_id), []).extend(items)
    lost = sum(messages - len({n for n, _seq in received.get(c, [])}) for c in chats)
    duplicated = sum(len(items) - len({n for n, _seq in items}) for items in received.values())
    disordered = sum(1 for items in received.values()
                     if [n for n, _s in items] != sorted(n for n, _s in items)
                     or [s for _n, s in items] != sorted(s for _n, s in items))
    return {"latencies": [x for o in outcomes for x in o["latencies"]], "acks": [x for o in outcomes for x in o["acks"]],
            "lost": lost, "duplicated": duplicated, "disordered": disordered, "seconds": time.time() - start,
            "errors": [e for o in outcomes for e in o["errors"]][:5], "server_cpu": server_cpu}


@contextmanager
def ceiling_server(home: Path) -> Any:
    port = free_port()
    log = (home / "ceiling.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "--app-dir", str(ROOT / "bench"), "--port", str(port),
                               "--log-level", "warning", "--lifespan", "off", "chat_ceiling:application"],
                              stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise ServerFailed((home / "ceiling.log").read_text()[-3000:]) from None
                time.sleep(0.2)
        yield port, server.pid
    finally:
        server.terminate()
        server.wait(timeout=15)
        log.close()


def row(name: str, result: dict[str, Any]) -> list[Any]:
    values = result["latencies"] or [float("nan")]
    return [name, len(result["latencies"]), f"{percentile(values, 0.5):.1f}", f"{percentile(values, 0.9):.1f}",
            f"{percentile(values, 0.99):.1f}", f"{max(values):.1f}", result["lost"], result["disordered"],
            result["duplicated"]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=500)
    parser.add_argument("--messages", type=int, default=6, help="messages each customer sends")
    parser.add_argument("--gap", type=float, default=10.0, help="seconds between a customer's messages")
    parser.add_argument("--per-technician", type=int, default=3, help="chats a technician holds at once")
    parser.add_argument("--client-processes", type=int, default=4)
    parser.add_argument("--database-url", default="", help="an empty PostgreSQL database (default: SQLite)")
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        seed(args.seed, args.per_technician)
        return 0

    with tempfile.TemporaryDirectory(prefix="atiende-chat-bench-") as tmp:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        env.update({"ATIENDE_HOME": tmp, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "atiende.settings",
                    "ATIENDE_SECRET_KEY": secrets.token_urlsafe(50),  # the seeded sessions are the server's
                    # every simulated customer is 127.0.0.1: the per-address limits would stop the bench, not a flood
                    "ATIENDE_CHAT_STARTS": "100000/100000", "ATIENDE_CHAT_SOCKETS": "100000/100000"})
        if args.database_url:
            env["DATABASE_URL"] = args.database_url
        python = sys.executable
        subprocess.run([python, "-m", "atiende.cli", "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
        seeded = subprocess.run([python, __file__, "--seed", str(args.chats), "--per-technician",
                                 str(args.per_technician)], env=env, cwd=ROOT, check=True, capture_output=True,
                                text=True)
        setup = json.loads(seeded.stdout.strip().splitlines()[-1])
        technicians = setup["technicians"]
        try:
            with served(env, Path(tmp), "/entrar/") as port:
                atiende = measure("atiende", port, technicians, args.messages, args.gap, args.client_processes,
                                  SERVER_PIDS.get(port))
            with ceiling_server(Path(tmp)) as (port, pid):
                ceiling = measure("ceiling", port, technicians, args.messages, args.gap, args.client_processes, pid)
        except ServerFailed as failed:
            print(failed)
            return 1

    load = os.getloadavg()
    database = "PostgreSQL" if args.database_url else "SQLite"
    sent = setup["active"] * args.messages
    print(f"## Live chat: {setup['active']} chats at once, {len(technicians)} technicians, {sent} messages "
          f"({sent / (args.messages * args.gap):.0f} a second), {args.client_processes} client processes\n")
    print(f"One uvicorn process, in-memory channel layer, {database}, loopback; {os.cpu_count()} CPUs, load average "
          f"at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1 / 5 / 15 min).\n")
    print(table(["customer → technician (ms)", "delivered", "p50", "p90", "p99", "max", "lost", "chats out of order",
                 "duplicated"], [row("Atiende (/ws/chat/ → /ws/chat/tecnico/)", atiende),
                                 row("bare Channels relay (ceiling)", ceiling)]))
    a99 = percentile(atiende["latencies"] or [math.inf], 0.99)
    c99 = percentile(ceiling["latencies"] or [math.inf], 0.99)
    acks = atiende["acks"] or [math.inf]
    print(f"\nCustomer's receipt (message sent → ack with its number, stored): p50 {percentile(acks, 0.5):.1f} ms, "
          f"p99 {percentile(acks, 0.99):.1f} ms.")
    print(f"Ratio p99 Atiende / ceiling = {a99 / c99:.1f}x; target p99 < {TARGET_MS:.0f} ms "
          f"(p99 / target = {a99 / TARGET_MS:.2f}).")
    for name, result in (("Atiende", atiende), ("ceiling", ceiling)):
        if result["server_cpu"] is not None:  # from the go to the last delivery (or the drain's end)
            print(f"{name} server process CPU during the load: {result['server_cpu']:.1f} s over "
                  f"{result['seconds']:.0f} s ({100 * result['server_cpu'] / result['seconds']:.0f} % of a core), "
                  f"{1000 * result['server_cpu'] / sent:.1f} ms a message.")
    if atiende["errors"]:
        print(f"Errors seen (first ones): {atiende['errors']}")
    clean = atiende["lost"] == 0 and atiende["disordered"] == 0 and atiende["duplicated"] == 0
    figure(f"Chat delivery p99, {setup['active']} chats (customer → technician, {database})", round(a99, 1), "ms",
           target=f"< {TARGET_MS:.0f} ms, 0 lost or out of order", met=a99 < TARGET_MS and clean,
           note=f"lost {atiende['lost']}, out of order {atiende['disordered']}; ceiling p99 {c99:.1f} ms "
                f"({a99 / c99:.1f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
