"""A tiny websocket client for the Channels consumers in tests (channels.testing needs daphne, which we do not ship)."""

from __future__ import annotations

import json

from asgiref.testing import ApplicationCommunicator


class Socket(ApplicationCommunicator):
    async def receive_json_from(self, timeout: float = 5) -> dict:
        message = await self.receive_output(timeout)
        assert message["type"] == "websocket.send", message
        return json.loads(message["text"])

    async def update(self) -> dict:
        """The next message, which must be a contact update."""
        message = await self.receive_json_from()
        assert message["type"] == "contact.update", message
        return message

    async def close(self) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": 1000})
        await self.wait(1)


async def connect(app, path: str, user) -> tuple[Socket, bool]:
    """``user`` opens a websocket to ``app`` at ``path``: the socket, and whether it was accepted."""
    socket = Socket(app, {"type": "websocket", "path": path, "headers": [], "subprotocols": [], "user": user})
    await socket.send_input({"type": "websocket.connect"})
    first = await socket.receive_output(5)
    return socket, first["type"] == "websocket.accept"


async def open_socket(app, path: str, user) -> Socket:
    """The socket, accepted and past its greeting (``hello``)."""
    socket, accepted = await connect(app, path, user)
    assert accepted
    assert (await socket.receive_json_from())["type"] == "hello"
    return socket


def kinds(update: dict) -> list[str]:
    """The event kinds of a contact update, in order."""
    return [e["kind"] for e in update["events"]]
