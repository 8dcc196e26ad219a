"""A bare Channels relay: the ceiling for a chat message from a customer's socket to a technician's.

What any chat on this stack must do at the least: a websocket frame in, a message through the
channel layer to a group, a frame out on another socket. No Django apps, no database, no checks, no
ordering, no storage: ``bench_chat.py`` serves it with uvicorn beside Atiende and sends it the same
load, so their ratio is what Atiende's chat adds (checks, the stored message, the live fan-out).

``/ws/echo/?chat=N``: a customer's socket; each frame it sends goes to group ``chat-N``.
``/ws/echo/?chats=N,M,...``: a technician's socket in those chats' groups; gets every frame sent there.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

import django
from django.conf import settings

settings.configure(DEBUG=False, SECRET_KEY="ceiling", ALLOWED_HOSTS=["*"], INSTALLED_APPS=["channels"],
                   DATABASES={}, USE_I18N=False, USE_TZ=True,
                   CHANNEL_LAYERS={"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}})
django.setup(set_prefix=False)

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402


class Relay(AsyncWebsocketConsumer):
    groups_joined: list[str]

    async def connect(self) -> None:
        query = parse_qs(self.scope.get("query_string", b"").decode())
        self.chat = int(query["chat"][0]) if "chat" in query else None
        chats = [int(c) for c in query.get("chats", [""])[0].split(",") if c]
        self.groups_joined = [f"chat-{c}" for c in chats]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        self.seq = 0
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        frame = json.loads(text_data or "{}")
        if self.chat is None or frame.get("type") != "message":
            return
        self.seq += 1
        await self.send(text_data=json.dumps({"type": "ack", "client_id": frame.get("client_id"), "seq": self.seq}))
        await self.channel_layer.group_send(f"chat-{self.chat}", {
            "type": "relay", "frame": {"type": "message", "chat": self.chat, "seq": self.seq, "author": "customer",
                                       "text": frame.get("text")}})

    async def relay(self, event: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(event["frame"]))


async def ready(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """HTTP: 200 on any path (the bench's readiness probe)."""
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


application = ProtocolTypeRouter({"http": ready, "websocket": URLRouter([path("ws/echo/", Relay.as_asgi())])})
