"""The chat's websockets: the customer's widget (``/ws/chat/``) and the technician's console
(``/ws/chat/tecnico/``). The protocol is in docs/chat.md; the frames are checked by
:mod:`atiende.chat.core.frames` before anything reads them.

Customer: the widget opens the socket from the customer's site (so this route is outside the desk's
own origin check, see atiende/web/routing.py) and sends ``join`` with the chat's secret token and
the last message number it has. The page's ``Origin`` must be one of the widget's allowed origins.
The socket then gets ``joined`` (state, technician's name, wait, read mark, a transfer question),
the messages after that number, and everything live. What the customer sees is built field by field
from the chat's public messages: never an internal note, a coach message, a rule code or their
knowledge level. A message sent gets an ``ack`` with its number; the same ``client_id`` sent again
(after a reconnect) is stored once and acknowledged with the first number.

Technician: signed-in staff only. ``subscribe`` to a chat they may see (ET-4: the chat services'
scope) gives its messages, internal notes included, after a number, then everything live.
``message`` (``public`` or ``internal``), ``typing`` and ``read`` go through the chat services, so
the same rules apply as over the API.

Numbers are message ids, given under the work order's row lock, so a chat's numbers grow in the order
messages were stored; each socket delivers them once and in order (:class:`atiende.chat.core.Replay`),
reading the stored messages whenever a live one may have overtaken another.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from atiende.chat import guards, services
from atiende.chat.core import (
    Frame,
    FrameError,
    Replay,
    parse_customer_frame,
    parse_technician_frame,
)
from atiende.chat.live import customer_group, staff_group
from atiende.chat.models import ChatSession, ChatState
from atiende.chat.selectors import (
    availability,
    chat_view,
    customer_message_view,
    customer_messages,
    message_for_client_id,
    session_for_token,
    session_in_scope,
    staff_message_view,
    staff_messages,
)
from atiende.errors import InputError
from atiende.people.roles import is_staff
from atiende.practices import Refusal

log = logging.getLogger(__name__)

JOIN_SECONDS = 15  # a socket that has not joined by then is closed
FILL_SECONDS = 0.05  # a message that overtook another waits this long for it before the stored ones are read
CLOSE_UNKNOWN = 4401  # the token names no chat (the widget forgets it)
CLOSE_FORBIDDEN = 4403  # the page's origin, or the account, may not use this socket
CLOSE_FLOOD = 4429  # too many sockets from one address
CHAT_OVER = (ChatState.ENDED, ChatState.ABANDONED)  # a chat over: the transcript and the survey are offered


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def database_threads() -> int:
    """Threads the chat sockets' database calls run on in this process: ATIENDE_CHAT_DB_THREADS, by default 4 on
    PostgreSQL and 1 on SQLite (one writer at a time there: more threads would only queue for it)."""
    from django.db import connection

    default = "4" if connection.vendor == "postgresql" else "1"
    try:
        return max(1, int(os.environ.get("ATIENDE_CHAT_DB_THREADS", default)))
    except ValueError:
        return int(default)


def on_database[R](func: Callable[..., R]) -> Any:
    """``func`` run on a database thread, as Channels' ``database_sync_to_async`` (connections closed or kept as
    the settings say). With one thread, the process's own thread-sensitive one (as every socket). With more, a
    pool of the chat's own: a process storing 33 lines a second on PostgreSQL spends most of a line's ~40 ms
    waiting for round trips and the commit's flush, so one thread could not keep up (issue 17). Each socket still
    waits for its call before it reads its next frame, so a chat's lines are stored in the order they came; the
    numbers come from the database under the work order's row lock, whichever thread stores them."""
    threads = database_threads()
    if threads == 1:
        return database_sync_to_async(func)
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="atiende-chat-db")
    return database_sync_to_async(func, thread_sensitive=False, executor=_pool)


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers") or []:
        if key == name:
            return value.decode("latin-1")
    return None


def _error_frame(error: InputError | Refusal, language: str) -> dict[str, Any]:
    message = error.message(language) if isinstance(error, Refusal) else str(error.message)
    body: dict[str, Any] = {"code": error.code, "message": message, "rule": error.rule}
    retry_after = getattr(error, "retry_after", None)
    if retry_after:
        body["retry_after"] = retry_after
    return {"type": "error", "error": body}


def customer_message_frame(view: dict[str, Any]) -> dict[str, Any]:
    """A message as the widget gets it, field by field from the customer's view of it (public messages only)."""
    frame: dict[str, Any] = {"type": "message", "seq": int(view["id"]),
                             "author": "customer" if view.get("from") == "customer" else "technician",
                             "name": str(view.get("name") or ""), "text": str(view.get("text") or ""),
                             "at": view.get("at")}
    if view.get("client_id"):
        frame["client_id"] = str(view["client_id"])
    files = [{"id": a.get("id"), "name": str(a.get("filename") or ""), "size": a.get("size")}
             for a in view.get("attachments") or []]
    if files:
        frame["attachment"] = files[0]
        frame["attachments"] = files
    return frame


def staff_message_frame(chat_id: int, view: dict[str, Any]) -> dict[str, Any]:
    """A message as a console gets it (internal notes included, with their visibility)."""
    frame = customer_message_frame(view)
    frame.update({"chat": chat_id, "visibility": view.get("visibility", "public"), "author_id": view.get("author")})
    return frame


class ChatSocket(AsyncWebsocketConsumer):
    """What both sockets share: JSON frames out, errors as frames, reading the stored messages in order."""

    language = "es"

    async def send_frame(self, frame: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(frame, ensure_ascii=False))

    async def refuse(self, error: InputError | Refusal) -> None:
        await self.send_frame(_error_frame(error, self.language))

    async def deliver(self, replay: Replay[dict[str, Any]], seq: int, frame: dict[str, Any], *, follows: bool,
                      read_stored: Any) -> None:
        """A live message through ``replay``; when it overtook another, wait a moment for it, then read them."""
        for item in replay.live(seq, frame, follows=follows):
            await self.send_frame(item)
        if replay.missing:
            await asyncio.sleep(FILL_SECONDS)
            if replay.missing:
                replay.start(replay.delivered)
                for item in replay.stored(await read_stored(replay.delivered)):
                    await self.send_frame(item)


class CustomerChatConsumer(ChatSocket):
    """``/ws/chat/``: the customer's widget."""

    session: Any = None
    replay: Replay[dict[str, Any]]
    join_timer: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        self.replay = Replay()
        self.origin = _header(self.scope, b"origin")
        client = self.scope.get("client") or ("", 0)
        self.address = str(client[0] or "unknown")
        await self.accept()
        wait = await guards.LIMITS.atake("ATIENDE_CHAT_SOCKETS", self.address)
        if wait:
            await self.refuse(guards.too_many(wait))
            await self.close(code=CLOSE_FLOOD)
            return
        self.join_timer = asyncio.get_running_loop().create_task(self._join_deadline())

    async def _join_deadline(self) -> None:
        await asyncio.sleep(JOIN_SECONDS)
        if self.session is None:
            await self.close(code=CLOSE_UNKNOWN)

    async def disconnect(self, code: int) -> None:
        if self.join_timer is not None:
            self.join_timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.join_timer
        if self.session is not None:
            await self.channel_layer.group_discard(customer_group(self.session.pk), self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            frame = parse_customer_frame(text_data if text_data is not None else bytes_data)
            if frame.type == "ping":
                await self.send_frame({"type": "pong", "t": frame.t})
            elif frame.type == "join":
                await self.join(frame)
            elif self.session is None:
                raise FrameError("join_first", es="Primero «join» con el token de la conversación.",
                                 en="Send «join» with the chat's token first.")
            else:
                await self.act(frame)
        except (InputError, Refusal) as error:
            await self.refuse(error)

    async def join(self, frame: Frame) -> None:
        if self.session is not None:
            raise FrameError("already_joined", es="Esta conexión ya está en una conversación.",
                             en="This socket has already joined a chat.")
        try:
            session = await on_database(session_for_token)(frame.token)
        except InputError as error:
            await self.refuse(error)
            await self.close(code=CLOSE_UNKNOWN)
            return
        self.language = session.language or "es"
        try:
            guards.check_origin(session.widget.allowed_origins or [], self.origin, own=self._own_origins())
        except InputError as error:
            await self.refuse(error)
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.session = session
        if self.join_timer is not None:
            self.join_timer.cancel()
        await self.channel_layer.group_add(customer_group(session.pk), self.channel_name)
        self.replay.start(frame.last_seq)
        await self.send_frame({"type": "joined", "chat": await on_database(self._state)()})
        for item in self.replay.stored(await self._stored(frame.last_seq)):
            await self.send_frame(item)

    def _own_origins(self) -> list[str]:
        host = _header(self.scope, b"host")
        scheme = "https" if self.scope.get("scheme") in ("wss", "https") else "http"
        return guards.own_origins(f"{scheme}://{host}" if host else None)

    def _state(self) -> dict[str, Any]:
        """The chat as the customer may see it: state, the technician's name, the wait, the read mark, a question."""
        session = ChatSession.objects.select_related("widget", "widget__queue", "contact__assignee").get(
            pk=self.session.pk)
        self.session = session
        assignee = session.contact.assignee
        state: dict[str, Any] = {"id": session.pk, "state": session.state,
                                 "technician": str(getattr(assignee, "display_name", "") or "") if assignee else "",
                                 "read_by_technician": session.technician_read_id or 0}
        if session.state == ChatState.WAITING:
            state["wait_seconds"] = availability(session.widget).estimated_wait_seconds
        question = (session.pending_transfer or {}).get("question") or (session.pending_transfer or {}).get("purpose")
        if question:
            state["transfer_question"] = str(question)
        if session.state in CHAT_OVER and session.customer_email:
            state["transcript_to"] = session.customer_email
        return state

    async def _stored(self, after: int) -> list[tuple[int, dict[str, Any]]]:
        def read() -> list[tuple[int, dict[str, Any]]]:
            rows = customer_messages(self.session, after_id=after).prefetch_related("attachments").order_by("id")
            return [(m.pk, customer_message_frame(customer_message_view(m))) for m in rows]

        return await on_database(read)()

    async def act(self, frame: Frame) -> None:

        session = self.session
        if frame.type == "message":
            wait = guards.LIMITS.take("ATIENDE_CHAT_MESSAGES", f"session:{session.pk}")
            if wait:
                raise guards.too_many(wait)
            seq = await on_database(self._write)(frame)
            await self.send_frame({"type": "ack", "client_id": frame.client_id, "seq": seq})
        elif frame.type == "typing":
            if guards.LIMITS.take("typing", self.channel_name):
                return  # extra typing signals are dropped, not refused: nothing was lost
            await self.channel_layer.group_send(staff_group(session.pk), {
                "type": "chat.typing", "chat": session.pk, "side": "customer", "name": session.customer_name,
                "active": frame.active})
        elif frame.type == "read":
            await on_database(services.customer_reads)(session=session, up_to=frame.seq)
        elif frame.type == "resume":
            self.replay.start(frame.last_seq)
            for item in self.replay.stored(await self._stored(frame.last_seq)):
                await self.send_frame(item)
        elif frame.type == "consent":
            await on_database(services.customer_answers_transfer)(session=session, consent=frame.active)
        elif frame.type == "end":
            await on_database(services.customer_leaves)(session=session)

    def _write(self, frame: Frame) -> int:

        try:
            return int(services.customer_writes(session=self.session, body=frame.text, client_id=frame.client_id).pk)
        except InputError as error:
            if error.code != "duplicate_message":
                raise
            return int(message_for_client_id(self.session, frame.client_id).pk)

    # Live events from the chat services (atiende/chat/live.py), to this chat's customer group.

    async def chat_message(self, event: dict[str, Any]) -> None:
        view = event.get("message") or {}
        if view.get("visibility", "public") != "public" or "id" not in view:
            return  # never an internal note or a coach message, whatever was sent here
        prev = event.get("prev_public")
        await self.deliver(self.replay, int(view["id"]), customer_message_frame(view),
                           follows=prev is not None and prev == self.replay.delivered, read_stored=self._stored)

    async def chat_read(self, event: dict[str, Any]) -> None:
        if event.get("side") == "technician" and isinstance(event.get("up_to"), int):
            await self.send_frame({"type": "read", "seq": event["up_to"]})

    async def chat_state(self, event: dict[str, Any]) -> None:
        state = await on_database(self._state)()
        if event.get("survey_url") and state["state"] in CHAT_OVER:
            state["survey_url"] = str(event["survey_url"])
        await self.send_frame({"type": "state", "chat": state})

    async def chat_typing(self, event: dict[str, Any]) -> None:
        if event.get("side") == "technician":
            await self.send_frame({"type": "typing", "name": str(event.get("name") or ""),
                                   "active": bool(event.get("active"))})


class TechnicianChatConsumer(ChatSocket):
    """``/ws/chat/tecnico/``: a technician's (or supervisor's) console, for the chats it subscribes to."""

    user: Any
    chats: dict[int, Replay[dict[str, Any]]]

    async def connect(self) -> None:
        user = self.scope.get("user")
        if not is_staff(user):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.user = user
        self.language = (getattr(user, "language", "") or "es")[:2]
        self.chats = {}
        await self.accept()
        await self.send_frame({"type": "hello", "user": user.pk})

    async def disconnect(self, code: int) -> None:
        for chat_id in list(getattr(self, "chats", {})):
            await self.channel_layer.group_discard(staff_group(chat_id), self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            frame = parse_technician_frame(text_data if text_data is not None else bytes_data)
            if frame.type == "ping":
                await self.send_frame({"type": "pong", "t": frame.t})
            elif frame.type == "subscribe":
                await self.subscribe(frame)
            elif frame.type == "unsubscribe":
                await self.unsubscribe(int(frame.chat or 0))
            elif frame.chat not in self.chats:
                raise FrameError("subscribe_first", es="Primero «subscribe» a esa conversación.",
                                 en="Subscribe to that chat first.")
            else:
                await self.act(frame)
        except (InputError, Refusal) as error:
            frame_error = _error_frame(error, self.language)
            await self.send_frame(frame_error)

    async def subscribe(self, frame: Frame) -> None:
        chat_id = int(frame.chat or 0)
        session = await on_database(session_in_scope)(self.user, chat_id)
        replay = self.chats.get(chat_id) or Replay()
        self.chats[chat_id] = replay
        await self.channel_layer.group_add(staff_group(chat_id), self.channel_name)
        replay.start(frame.last_seq)
        view = await on_database(chat_view)(session)
        await self.send_frame({"type": "joined", "chat": view})
        for item in replay.stored(await self._stored(chat_id, frame.last_seq)):
            await self.send_frame(item)

    async def unsubscribe(self, chat_id: int) -> None:
        if self.chats.pop(chat_id, None) is not None:
            await self.channel_layer.group_discard(staff_group(chat_id), self.channel_name)

    async def _stored(self, chat_id: int, after: int) -> list[tuple[int, dict[str, Any]]]:
        def read() -> list[tuple[int, dict[str, Any]]]:
            session = session_in_scope(self.user, chat_id)
            rows = staff_messages(session, after_id=after).prefetch_related("attachments").order_by("id")
            return [(m.pk, staff_message_frame(chat_id, staff_message_view(m))) for m in rows]

        return await on_database(read)()

    async def act(self, frame: Frame) -> None:

        chat_id = int(frame.chat or 0)
        if frame.type == "message":
            wait = guards.LIMITS.take("ATIENDE_CHAT_MESSAGES", f"user:{self.user.pk}")
            if wait:
                raise guards.too_many(wait)
            seq = await on_database(self._write)(chat_id, frame)
            await self.send_frame({"type": "ack", "chat": chat_id, "client_id": frame.client_id, "seq": seq})
        elif frame.type == "typing":
            if guards.LIMITS.take("typing", self.channel_name):
                return
            if await on_database(self._assigned)(chat_id):  # a coaching supervisor's typing stays inside
                await self.channel_layer.group_send(customer_group(chat_id), {
                    "type": "chat.typing", "chat": chat_id, "side": "technician",
                    "name": str(getattr(self.user, "display_name", "") or ""), "active": frame.active})
        elif frame.type == "read":
            await on_database(services.technician_reads)(user=self.user, chat_id=chat_id, up_to=frame.seq)

    def _assigned(self, chat_id: int) -> bool:
        return ChatSession.objects.filter(pk=chat_id, contact__assignee=self.user).exists()

    def _write(self, chat_id: int, frame: Frame) -> int:
        try:
            return int(services.technician_writes(user=self.user, chat_id=chat_id, body=frame.text,
                                                  internal=frame.visibility == "internal",
                                                  client_id=frame.client_id).pk)
        except InputError as error:
            if error.code != "duplicate_message":
                raise
            return int(message_for_client_id(session_in_scope(self.user, chat_id), frame.client_id).pk)

    # Live events, to the chat's staff group.

    async def chat_message(self, event: dict[str, Any]) -> None:
        chat_id = event.get("chat")
        view = event.get("message") or {}
        if not isinstance(chat_id, int) or chat_id not in self.chats or "id" not in view:
            return
        replay = self.chats[chat_id]
        prev = event.get("prev")

        async def stored(after: int) -> list[tuple[int, dict[str, Any]]]:
            return await self._stored(chat_id, after)

        await self.deliver(replay, int(view["id"]), staff_message_frame(chat_id, view),
                           follows=prev is not None and prev == replay.delivered, read_stored=stored)

    async def chat_read(self, event: dict[str, Any]) -> None:
        if event.get("chat") in self.chats:
            await self.send_frame({"type": "read", "chat": event["chat"], "side": event.get("side"),
                                   "seq": event.get("up_to")})

    async def chat_state(self, event: dict[str, Any]) -> None:
        chat_id = event.get("chat")
        if chat_id not in self.chats:
            return
        try:
            view = await on_database(lambda: chat_view(session_in_scope(self.user, chat_id)))()
        except InputError:  # transferred away or out of scope now: no more of it here
            await self.unsubscribe(int(chat_id))
            await self.send_frame({"type": "left", "chat": chat_id})
            return
        await self.send_frame({"type": "state", "chat": view})

    async def chat_typing(self, event: dict[str, Any]) -> None:
        if event.get("side") == "customer" and event.get("chat") in self.chats:
            await self.send_frame({"type": "typing", "chat": event["chat"], "side": "customer",
                                   "name": str(event.get("name") or ""), "active": bool(event.get("active"))})
