"""Websocket of the waiting-room display: ``/ws/sala/``.

Open to anyone, as the screen in the waiting room is: it carries ticket numbers and
desk names only, never a visitor's name or reason. On connect it sends the board;
then every change (atiende/walkin/live.py) arrives whole. Changes the desk's actions do
not announce (a visitor answered from the console's call controls, a called visitor back
in line after the engine's ring timeout) reach it with the board re-read every
``REFRESH_SECONDS``.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from atiende.walkin.live import DISPLAY_GROUP
from atiende.walkin.selectors import board_snapshot

REFRESH_SECONDS = 30


class DisplayConsumer(AsyncJsonWebsocketConsumer):
    refresher: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        await self.accept()
        await self.channel_layer.group_add(DISPLAY_GROUP, self.channel_name)
        await self.send_json(await database_sync_to_async(board_snapshot)())
        self.refresher = asyncio.get_running_loop().create_task(self._refresh())

    async def _refresh(self) -> None:
        while True:
            await asyncio.sleep(REFRESH_SECONDS)
            await self.send_json(await database_sync_to_async(board_snapshot)())

    async def disconnect(self, code: int) -> None:
        if self.refresher is not None:
            self.refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.refresher
        await self.channel_layer.group_discard(DISPLAY_GROUP, self.channel_name)

    async def sala_board(self, message: dict[str, Any]) -> None:
        await self.send_json({"type": "sala.board", "called": message.get("called", [])})

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":  # the display's keep-alive
            await self.send_json({"type": "pong", "t": content.get("t")})
