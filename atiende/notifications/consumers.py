"""Websocket of the bell: ``/ws/avisos/``.

A signed-in staff member's socket joins ``notifications-<user id>`` and receives
``{"type": "notification.new", "unread", "notification": {...}}`` for each new
notification shown in the app and ``{"type": "notification.count", "unread"}`` when
they read some. Customers and anonymous connections are refused (4403).
"""

from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from atiende.notifications.live import group
from atiende.people.roles import is_staff


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    group_name = ""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if not is_staff(user):
            await self.close(code=4403)
            return
        self.group_name = group(user.pk)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group_name:
            await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def notification_new(self, message: dict[str, Any]) -> None:
        await self.send_json(message)

    async def notification_count(self, message: dict[str, Any]) -> None:
        await self.send_json(message)
