"""Websocket of the waiting-room display: ``/ws/sala/``.

Open to anyone, as the screen in the waiting room is: it carries ticket numbers and
desk names only, never a visitor's name or reason. On connect it sends the board;
then every change (atiende/walkin/live.py) arrives whole.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from atiende.walkin.live import DISPLAY_GROUP
from atiende.walkin.selectors import board_snapshot


class DisplayConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        await self.accept()
        await self.channel_layer.group_add(DISPLAY_GROUP, self.channel_name)
        await self.send_json(await database_sync_to_async(board_snapshot)())

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(DISPLAY_GROUP, self.channel_name)

    async def sala_board(self, message: dict[str, Any]) -> None:
        await self.send_json({"type": "sala.board", "called": message.get("called", [])})

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":  # the display's keep-alive
            await self.send_json({"type": "pong", "t": content.get("t")})
