"""Websocket for the consoles: ``/ws/consolas/``.

The contact center's own socket (``/ws/contacts/``) tells a technician only
about calls already assigned to them, but a console must also hear of a call
ringing at it and of a transfer offered to it (TR-4), which the update message
does not name. So every staff console here listens to the board; a technician
receives only the contact's id, state and version (no alert texts of other
people's calls, ET-4) and re-reads its own snapshot, which the server filters.
"""

from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from atiende.contact.live import BOARD_GROUP


class ConsoleConsumer(AsyncJsonWebsocketConsumer):
    groups_joined: list[str]
    manager: bool

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active or user.role == "cliente":
            await self.close(code=4403)
            return
        self.manager = bool(user.is_superuser or user.role in ("supervisor", "administrador"))
        # Every update goes to the board group (atiende.contact.live), so one group is enough for all.
        self.groups_joined = [BOARD_GROUP]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello", "user": user.pk})

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def contact_update(self, message: dict[str, Any]) -> None:
        contact = message.get("contact") or {}
        events = [{"kind": e.get("kind"), "at": e.get("at")} for e in message.get("events") or []]
        out: dict[str, Any] = {"type": "contact.update", "contact": {
            "id": contact.get("id"), "state": contact.get("state"), "version": contact.get("version")},
            "events": events}
        if self.manager:
            out["alerts"] = message.get("alerts") or []
        await self.send_json(out)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # Read-only: actions go through the API so the same rules and locks apply.
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong", "t": content.get("t")})
