"""Helpers of the chat socket tests: a customer's widget socket (with the page's Origin) and a technician's."""

from __future__ import annotations

import json
from typing import Any

from asgiref.sync import sync_to_async

from atiende.chat.consumers import CustomerChatConsumer, TechnicianChatConsumer
from tests.websocket import Socket

SITE = "https://cliente.example"


async def customer_socket(*, origin: str | None = SITE, address: str = "203.0.113.7") -> tuple[Socket, bool]:
    """A widget's socket from a page of ``origin``: the socket and whether it was accepted."""
    headers = [(b"host", b"desk.example")] + ([(b"origin", origin.encode())] if origin else [])
    socket = Socket(CustomerChatConsumer.as_asgi(), {"type": "websocket", "path": "/ws/chat/", "headers": headers,
                                                     "subprotocols": [], "client": (address, 50000)})
    await socket.send_input({"type": "websocket.connect"})
    first = await socket.receive_output(5)
    return socket, first["type"] == "websocket.accept"


async def technician_socket(user: Any) -> Socket:
    socket = Socket(TechnicianChatConsumer.as_asgi(), {"type": "websocket", "path": "/ws/chat/tecnico/",
                                                       "headers": [], "subprotocols": [], "user": user})
    await socket.send_input({"type": "websocket.connect"})
    assert (await socket.receive_output(5))["type"] == "websocket.accept"
    assert (await socket.receive_json_from())["type"] == "hello"
    return socket


async def send(socket: Socket, frame: dict[str, Any] | str) -> None:
    await socket.send_input({"type": "websocket.receive",
                             "text": frame if isinstance(frame, str) else json.dumps(frame)})


async def join(token: str, *, last_seq: int = 0, origin: str | None = SITE) -> tuple[Socket, dict[str, Any]]:
    """A widget socket joined to the chat of ``token``: the socket and its ``joined`` frame."""
    socket, accepted = await customer_socket(origin=origin)
    assert accepted
    await send(socket, {"type": "join", "token": token, "last_seq": last_seq})
    joined = await socket.receive_json_from()
    assert joined["type"] == "joined", joined
    return socket, joined


async def frames_until(socket: Socket, kind: str, *, timeout: float = 5) -> list[dict[str, Any]]:
    """Every frame up to and including the first of type ``kind``."""
    seen = []
    while True:
        frame = await socket.receive_json_from(timeout=timeout)
        seen.append(frame)
        if frame["type"] == kind:
            return seen


async def closed_with(socket: Socket) -> int:
    """The close code the server sent (after any frames before it)."""
    while True:
        output = await socket.receive_output(5)
        if output["type"] == "websocket.close":
            return int(output.get("code", 1000))


def run(function: Any, **kwargs: Any) -> Any:
    """A service call from the test's event loop."""
    return sync_to_async(function)(**kwargs)
