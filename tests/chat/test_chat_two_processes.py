"""A chat across two server processes behind Redis: the customer's widget socket on one, the technician's
console socket on the other, as a deployment behind a load balancer puts them. Every message reaches the
other side once and in order, typing and read marks too, and a customer who reconnects to the other process
resumes where they were. Real servers (uvicorn, channels_redis), on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import os

import pytest

from tests.chat.served import Console, add_widget, call, servers
from tests.consoles.browser import _database

REDIS_URL = os.environ.get("ATIENDE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0] + "/11"
SITE = "https://tienda.cliente.example"


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


pytestmark = [
    pytest.mark.django_db(transaction=True),  # selected on the PostgreSQL run too: the servers use its database
    pytest.mark.skipif(not _redis_up(), reason=f"Redis is not reachable at {REDIS_URL}"),
]


async def _frames(ws, kind: str, timeout: float = 20, **fields: object) -> list[dict]:
    """Every frame up to the first of type ``kind`` (with those ``fields``)."""
    seen = []
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        seen.append(frame)
        if frame["type"] == kind and all(frame.get(k) == v for k, v in fields.items()):
            return seen


def test_customer_on_one_process_and_technician_on_the_other(tmp_path, center_template):
    import redis
    import websockets

    redis.Redis.from_url(REDIS_URL).flushdb()
    with _database(tmp_path / "home", center_template) as (database_url, stored):
        add_widget(stored, SITE)
        with servers(tmp_path / "home", 2, database_url=database_url, extra={"REDIS_URL": REDIS_URL}) as (one, two):
            status, started = call(f"{one.url}/chat/w/soporte/start", "POST",
                                   {"name": "Carmen Ruiz", "text": "Hola, no me funciona el correo"}, origin=SITE)
            assert status == 200, started
            chat_id, token = started["chat"], started["token"]
            lucia = Console(two, "lucia")
            status, accepted = lucia.api("POST", f"/api/v1/chats/{chat_id}/accept")
            assert status == 200, accepted

            async def scenario() -> None:
                customer = await websockets.connect(f"ws://127.0.0.1:{one.port}/ws/chat/", origin=SITE)
                await customer.send(json.dumps({"type": "join", "token": token, "last_seq": 0}))
                joined = await _frames(customer, "joined")
                assert joined[-1]["chat"]["state"] == "active" and joined[-1]["chat"]["technician"]
                first = await _frames(customer, "message")
                assert first[-1]["text"] == "Hola, no me funciona el correo"

                console = await websockets.connect(f"ws://127.0.0.1:{two.port}/ws/chat/tecnico/", origin=two.url,
                                                   additional_headers=lucia.socket_headers())
                assert json.loads(await console.recv())["type"] == "hello"
                await console.send(json.dumps({"type": "subscribe", "chat": chat_id, "last_seq": first[-1]["seq"]}))
                assert (await _frames(console, "joined"))[-1]["chat"]["id"] == chat_id

                # A burst from the customer on process one reaches the console on process two once and in order.
                for n in range(10):  # the per-chat burst (ATIENDE_CHAT_MESSAGES: 10 at once)
                    await customer.send(json.dumps({"type": "message", "client_id": f"c{n}", "text": f"mensaje {n}"}))
                got: list[dict] = []
                while len(got) < 10:
                    frame = json.loads(await asyncio.wait_for(console.recv(), 20))
                    if frame["type"] == "message":
                        got.append(frame)
                assert [f["text"] for f in got] == [f"mensaje {n}" for n in range(10)]
                assert [f["seq"] for f in got] == sorted({f["seq"] for f in got})

                # Typing, an answer and a read mark go the other way, from process two to one.
                await console.send(json.dumps({"type": "typing", "chat": chat_id, "active": True}))
                assert (await _frames(customer, "typing"))[-1]["active"] is True
                await console.send(json.dumps({"type": "message", "chat": chat_id, "client_id": "t1",
                                               "text": "Entiendo. ¿Desde cuándo?"}))
                reply = await _frames(customer, "message", author="technician")
                assert reply[-1]["text"] == "Entiendo. ¿Desde cuándo?"
                assert not [f for f in reply if f["type"] == "error"]
                await console.send(json.dumps({"type": "read", "chat": chat_id, "seq": got[-1]["seq"]}))
                assert (await _frames(customer, "read"))[-1]["seq"] == got[-1]["seq"]

                # The customer's connection drops; while away the technician writes; the widget rejoins on the
                # other process with the last number it has and gets exactly what it missed.
                last = reply[-1]["seq"]
                await customer.close()
                await console.send(json.dumps({"type": "message", "chat": chat_id, "client_id": "t2",
                                               "text": "Pruebe a reiniciar el router."}))
                await _frames(console, "ack")
                again = await websockets.connect(f"ws://127.0.0.1:{two.port}/ws/chat/", origin=SITE)
                await again.send(json.dumps({"type": "join", "token": token, "last_seq": last}))
                await _frames(again, "joined")
                missed = await _frames(again, "message")
                assert [f["text"] for f in missed if f["type"] == "message"] == ["Pruebe a reiniciar el router."]
                await again.close()
                await console.close()

            asyncio.run(scenario())
