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
