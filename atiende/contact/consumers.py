"""Websocket for live consoles: ``/ws/contacts/``.

A technician receives the updates of the calls that concern them: their own
calls and alerts, a call ringing at them, a transfer offered to them by name
or to a queue whose calls may go to them (TR-4: they serve it, and it takes
their tier and skills; read when the transfer is sent) and its end (accepted,
declined, timed out: TR-5), a call a supervisor took from them. An
administrator also receives the whole board (every contact, every alert); a
supervisor the board updates of the calls they may see (ET-4: their teams' and
shared queues', and calls they handle) and those that name them. A
supervisor's scope is read when the socket connects, so a change counts from
the next connection. Messages are JSON: ``{"type": "contact.update",
"contact": {...}, "events": [...], "alerts": [...]}``, each once even when the
socket is in two of the groups it was sent to; and, when a technician pauses
or becomes available, ``{"type": "technician.update", "technician": {"id",
"status"}}`` to the boards and to that technician; that a chat changed
(``chat.message``, ``chat.read``, ``chat.state`` with the chat's and contact's ids only: the words go on
``/ws/chat/tecnico/``) to the people on that chat and the board (atiende/chat/live.py).
Customers and anonymous connections are refused.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from atiende.contact.live import BOARD_GROUP, technician_group
from atiende.people.roles import is_manager, is_staff

INTERNAL = ("notify", "update")  # routing keys of the update message, not sent to the console
SEEN = 64  # update ids remembered to drop a second copy (a socket in two groups gets both)


class ContactConsumer(AsyncJsonWebsocketConsumer):
    groups_joined: list[str]
    board_scope: tuple[frozenset[int] | None, int] | None = None
    seen: deque[str]

    async def connect(self) -> None:
        user = self.scope.get("user")
        if not is_staff(user):
            await self.close(code=4403)
            return
        self.seen = deque(maxlen=SEEN)
        self.groups_joined = [technician_group(user.pk)]
        if is_manager(user):
            from atiende.contact.selectors import live_update_scope

            self.board_scope = await database_sync_to_async(live_update_scope)(user)
            self.groups_joined.append(BOARD_GROUP)
        # TR-4: a transfer to a queue reaches, in their own group, each technician who may accept it (live.py)
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello", "user": user.pk, "groups": self.groups_joined})

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def contact_update(self, message: dict[str, Any]) -> None:
        from atiende.contact.selectors import may_receive_update

        update = message.get("update")
        if update:
            if update in self.seen:
                return  # the copy sent to another of this socket's groups
            self.seen.append(update)
        contact = message.get("contact") or {}
        me = self.scope["user"].pk
        mine = me in {contact.get("assignee"), *(message.get("notify") or ()),
                      *(a.get("technician") for a in message.get("alerts") or [])}
        if not mine and self.board_scope is not None and not may_receive_update(self.board_scope, contact):
            return  # ET-4: another team's call is not on this supervisor's board
        await self.send_json({k: v for k, v in message.items() if k not in INTERNAL})

    async def technician_update(self, message: dict[str, Any]) -> None:
        """A technician's own state changed: for the boards (supervisors, administrators) and that technician."""
        update = message.get("update")
        if update:
            if update in self.seen:
                return
            self.seen.append(update)
        if self.board_scope is None and (message.get("technician") or {}).get("id") != self.scope["user"].pk:
            return
        await self.send_json({k: v for k, v in message.items() if k not in INTERNAL})

    async def chat_message(self, message: dict[str, Any]) -> None:
        """A chat's message, read mark or state (atiende/chat/live.py, sent to the people on that chat and to the
        board): only that something changed, with the chat's and the contact's ids, once. The words travel on the
        chat's own socket (``/ws/chat/tecnico/``), to those the chat services let subscribe (ET-4): a board
        member of another team learns no more here than the console's brief update tells."""
        update = message.get("update")
        if update:
            if update in self.seen:
                return
            self.seen.append(update)
        await self.send_json({"type": message.get("type"), "chat": message.get("chat"),
                              "contact": message.get("contact")})

    chat_read = chat_state = chat_message

    async def chat_typing(self, message: dict[str, Any]) -> None:
        return None

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # Read-only channel: actions go through the API so the same rules and locks apply.
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})
