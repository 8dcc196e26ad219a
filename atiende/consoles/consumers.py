"""Websocket for the consoles: ``/ws/consolas/``.

The contact center's own socket (``/ws/contacts/``) tells a technician only
about calls already assigned to them, but a console must also hear of a call
ringing at it and of a transfer offered to it (TR-4), which the update message
does not name. So every staff console here hears every board update; a
technician receives only the contact's id, state, version and assignee and
the event kinds (no alert texts about other people's calls, ET-4) and
re-reads its own snapshot, which the server filters, when the update may
concern it.

Fan-out: one hub per process listens to the board group once and writes each
update, encoded once, to every console connected to that process. The channel
layer then carries one message per process instead of one per console (no
per-console copy, dispatch and JSON encoding), which is what keeps an event
under 100 ms to 200 consoles (bench/bench_console_fanout.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer

from atiende.contact.live import BOARD_GROUP
from atiende.contact.selectors import live_update_scope, may_receive_update
from atiende.people.roles import is_manager, is_staff

log = logging.getLogger(__name__)

REJOIN_SECONDS = 1800  # group memberships expire (channels' group_expiry, a day by default): renew well before
CHAT_EVENTS = ("chat.message", "chat.read", "chat.state")  # told to the consoles as a bare "chat.update"
RETRY_SECONDS = 0.2  # after the channel layer failed to deliver (Redis timed out): listen again this soon


def encode(message: dict[str, Any]) -> tuple[str, str]:
    """The update as managers see it (with alerts) and as technicians see it (ids, states, event kinds)."""
    contact = message.get("contact") or {}
    brief: dict[str, Any] = {
        "type": "contact.update",
        "contact": {"id": contact.get("id"), "state": contact.get("state"), "version": contact.get("version"),
                    "assignee": contact.get("assignee")},
        "events": [{"kind": e.get("kind"), "at": e.get("at")} for e in message.get("events") or []],
    }
    full = {**brief, "alerts": message.get("alerts") or []}
    return json.dumps(full, ensure_ascii=False), json.dumps(brief, ensure_ascii=False)


class Hub:
    """The consoles connected to this process, and the one board subscription that feeds them."""

    def __init__(self) -> None:
        self.consoles: set[ConsoleConsumer] = set()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.tasks: list[asyncio.Task[None]] = []
        self.channel = ""

    async def join(self, console: ConsoleConsumer) -> None:
        loop = asyncio.get_running_loop()
        if self.loop is not loop or not self.tasks or any(t.done() for t in self.tasks):
            await self._start(loop)
        self.consoles.add(console)

    def leave(self, console: ConsoleConsumer) -> None:
        self.consoles.discard(console)

    async def _start(self, loop: asyncio.AbstractEventLoop) -> None:
        for task in self.tasks:
            with contextlib.suppress(RuntimeError):  # its loop is already closed (a test's): nothing to stop
                task.cancel()
        layer = get_channel_layer()
        self.loop = loop
        self.consoles = {c for c in self.consoles if c.loop is loop}
        # The layer's default kind of name: channels_redis reads a process's own channels from one key, one
        # coroutine at a time; a name of another kind lands on another key, which nobody reads while any other
        # socket of the process is waiting (the wallboards went deaf behind Redis, issue 24).
        self.channel = await layer.new_channel()
        await layer.group_add(BOARD_GROUP, self.channel)
        self.tasks = [loop.create_task(self._pump(layer)), loop.create_task(self._rejoin(layer))]

    async def _rejoin(self, layer: Any) -> None:
        while True:
            await asyncio.sleep(REJOIN_SECONDS)
            try:
                await layer.group_add(BOARD_GROUP, self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # tried again at the next round, well before the membership runs out
                log.warning("console hub: renewing the board subscription failed", exc_info=True)

    async def _pump(self, layer: Any) -> None:
        while True:
            try:
                message = await layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                # Redis timed out or went away a moment (it did under load in the topology test, issue 24):
                # listen again. Dying here would leave every console of this process open and deaf.
                log.warning("console hub: receiving from the channel layer failed; listening again", exc_info=True)
                await asyncio.sleep(RETRY_SECONDS)
                continue
            if message.get("type") == "technician.update":
                await self._technician(message)
                continue
            if message.get("type") in CHAT_EVENTS:
                await self._chat(message)
                continue
            if message.get("type") == "campaign.update":
                await self._campaign(message)
                continue
            if message.get("type") != "contact.update":
                continue
            try:
                full, brief = encode(message)
            except (TypeError, ValueError):
                log.exception("console update could not be encoded")
                continue
            contact = message.get("contact") or {}
            for console in list(self.consoles):
                # ET-4: a supervisor gets the alerts only of calls they may see; others as a technician does.
                in_scope = console.manager and may_receive_update(console.board_scope, contact)
                try:
                    await console.send(text_data=full if in_scope else brief)
                except Exception:  # a console that went away must not stop the others
                    self.consoles.discard(console)


    async def _technician(self, message: dict[str, Any]) -> None:
        """A technician paused or became available: the wallboards re-read, and so does their own console."""
        technician = message.get("technician") or {}
        text = json.dumps({"type": "technician.update",
                           "technician": {"id": technician.get("id"), "status": technician.get("status")}})
        for console in list(self.consoles):
            if console.manager or console.user_id == technician.get("id"):
                try:
                    await console.send(text_data=text)
                except Exception:  # a console that went away must not stop the others
                    self.consoles.discard(console)


    async def _chat(self, message: dict[str, Any]) -> None:
        """A chat's message, read mark or state changed (atiende/chat/live.py): the consoles of the staff on the
        chat and the supervisors' hear which chat, never what was written (ET-4: an internal note or another
        team's customer stays on the server); the chats card of a console showing that chat re-reads it through
        its own, scoped, page."""
        chat, contact = message.get("chat"), message.get("contact")
        if not isinstance(chat, int):
            return
        text = json.dumps({"type": "chat.update", "chat": chat,
                           "contact": contact if isinstance(contact, int) else None,
                           "kind": str(message.get("type", ""))[5:]})
        # Only the consoles that may show the chat: the staff on it (``people``, atiende/chat/live.py) and the
        # supervisors' and administrators'. Every line to every technician's console was a frame per console per
        # line (500 chats, 167 consoles: 5,500 frames a second for 33 lines a second, issue 17).
        people = message.get("people")
        named = {p for p in people if isinstance(p, int)} if isinstance(people, list) else None
        for console in list(self.consoles):
            if named is not None and not console.manager and console.user_id not in named:
                continue
            try:
                await console.send(text_data=text)
            except Exception:  # a console that went away must not stop the others
                self.consoles.discard(console)

    async def _campaign(self, message: dict[str, Any]) -> None:
        """A campaign's list or status changed (atiende/campaigns/live.py): every console hears which campaign,
        nothing of its people; the «Campañas salientes» panel reads itself again through its own, scoped page."""
        campaign = message.get("campaign")
        if not isinstance(campaign, int):
            return
        text = json.dumps({"type": "campaign.update", "campaign": campaign})
        for console in list(self.consoles):
            try:
                await console.send(text_data=text)
            except Exception:  # a console that went away must not stop the others
                self.consoles.discard(console)


HUB = Hub()


class ConsoleConsumer(AsyncJsonWebsocketConsumer):
    manager: bool
    user_id: int
    board_scope: tuple[frozenset[int] | None, int] = (frozenset(), 0)
    loop: asyncio.AbstractEventLoop

    async def connect(self) -> None:
        user = self.scope.get("user")
        if not is_staff(user):
            await self.close(code=4403)
            return
        self.manager = is_manager(user)
        self.user_id = user.pk
        if self.manager:  # ET-4: the queues read at connect time (a reconnect picks up a change)
            self.board_scope = await database_sync_to_async(live_update_scope)(user)
        self.loop = asyncio.get_running_loop()
        await self.accept()
        await self.send_json({"type": "hello", "user": user.pk})
        await HUB.join(self)

    async def disconnect(self, code: int) -> None:
        HUB.leave(self)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # Read-only: actions go through the API so the same rules and locks apply.
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong", "t": content.get("t")})
