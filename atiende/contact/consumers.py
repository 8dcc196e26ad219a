"""Websocket for live consoles: ``/ws/contacts/``.

A technician receives the updates of their own calls and alerts; a supervisor
or an administrator also receives the whole board (every contact, every
alert). Messages are JSON: ``{"type": "contact.update", "contact": {...},
"events": [...], "alerts": [...]}``. Customers and anonymous connections are
refused.
"""

from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from atiende.contact.live import BOARD_GROUP, technician_group


class ContactConsumer(AsyncJsonWebsocketConsumer):
    groups_joined: list[str]

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active or user.role == "cliente":
            await self.close(code=4403)
            return
        self.groups_joined = [technician_group(user.pk)]
        if user.is_superuser or user.role in ("supervisor", "administrador"):
            self.groups_joined.append(BOARD_GROUP)
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello", "user": user.pk, "groups": self.groups_joined})

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def contact_update(self, message: dict[str, Any]) -> None:
        await self.send_json({k: v for k, v in message.items()})

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # Read-only channel: actions go through the API so the same rules and locks apply.
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})
