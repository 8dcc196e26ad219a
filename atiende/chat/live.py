"""Live updates of chats, after the commit: the technicians' consoles and the customer's widget.

The engine's changes of a chat's contact (offered, accepted, transferred, ended...) reach the
consoles as any contact's do (``atiende.contact.live``, ``contact.update``). What only a chat has
goes out here, once the transaction that stored it commits (never a message that was rolled back):

- ``chat.message``: a new message. The consoles of whoever is on the chat (the assignee, the
  technician it is offered to, supervisors who joined or coach) and the board get every message,
  internal ones included; the customer's group gets public messages only, as the widget shows them
  (``selectors.customer_view``).
- ``chat.read``: a read mark moved (``side``: customer or technician, ``up_to``: a message id).
- ``chat.state``: the session changed state (waiting, active, ended, abandoned), or a transfer awaits
  the customer's answer (``transfer_question``), for the widget.

Groups: ``technician-<id>`` and ``contacts`` (the consoles' own, see contact/live.py: they hear that a
chat changed), ``chat-<session id>-staff`` for the consoles subscribed to the chat on its socket
(``/ws/chat/tecnico/``: the words) and ``chat-<session id>`` for the customer's widget (``/ws/chat/``).
A message carries the number of the chat's message before it (``prev``; ``prev_public`` for the
widget), so each socket knows at once whether it missed one (atiende/chat/core/sequence.py).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from django.db import transaction

from atiende.chat.models import ChatSession
from atiende.chat.selectors import customer_view, staff_message_view
from atiende.contact.live import (
    BOARD_GROUP,
    _listening_layer,
    _logged,
    _server_loop,
    _tell,
    technician_group,
)
from atiende.desk.models import Message, Visibility

log = logging.getLogger(__name__)


def customer_group(session_id: int) -> str:
    return f"chat-{session_id}"


def staff_group(session_id: int) -> str:
    """The consoles subscribed to this chat on the chat's own socket (``/ws/chat/tecnico/``)."""
    return f"chat-{session_id}-staff"


def people_on(session: ChatSession) -> list[int]:
    """The staff on the chat: the assignee, the technician it is offered or being transferred to, supervisors who
    joined or coach."""
    contact = session.contact
    people = {contact.assignee_id, contact.offered_to_id, *((contact.data or {}).get("supervisors") or [])}
    transfer = (contact.data or {}).get("transfer") or {}
    people.add(transfer.get("to_technician"))
    return sorted(p for p in people if isinstance(p, int))


def staff_groups(session: ChatSession) -> list[str]:
    return [BOARD_GROUP, staff_group(session.pk), *(technician_group(p) for p in people_on(session))]


PREVIOUS_LOOKED_AT = 20  # messages read back to find the previous public one (internal notes come in short runs)


def _previous(session: ChatSession, message: Message) -> tuple[int | None, int | None]:
    """The chat's message before this one, and its public one before it: each socket delivers a live message at
    once when it follows the last one it delivered, else reads the stored ones (atiende.chat.core.Replay). Read
    inside the write's transaction, under the work order's row lock, so nothing can come between."""
    earlier = list(Message.objects.filter(work_order_id=session.work_order_id, created_at__gte=session.created_at,
                                          pk__lt=message.pk)
                   .order_by("-pk").values_list("pk", "visibility")[:PREVIOUS_LOOKED_AT])
    if not earlier:
        return 0, 0  # the chat's first message (0: the number a socket that has nothing starts from)
    public = next((pk for pk, visibility in earlier if visibility == Visibility.PUBLIC), None)
    if public is None and len(earlier) < PREVIOUS_LOOKED_AT:
        public = 0
    return earlier[0][0], public


def message_after_commit(session: ChatSession, message: Message, *, files: bool = True) -> None:
    """``files=False``: the message was written without files (none to read for its view)."""
    public = message.visibility == Visibility.PUBLIC
    prev, prev_public = _previous(session, message)
    view = staff_message_view(message, files=files)
    staff = {"type": "chat.message", "chat": session.pk, "contact": session.contact_id, "people": people_on(session),
             "message": view, "prev": prev, "update": uuid.uuid4().hex}
    groups = staff_groups(session)
    customer = {"type": "chat.message", "chat": session.pk, "message": customer_view(view) if public else {},
                "prev_public": prev_public, "update": uuid.uuid4().hex}
    transaction.on_commit(lambda: _both(groups, staff, session.pk if public else None, customer))


def read_after_commit(session: ChatSession, *, side: str, up_to: int) -> None:
    message = {"type": "chat.read", "chat": session.pk, "side": side, "up_to": up_to, "people": people_on(session),
               "update": uuid.uuid4().hex}
    groups = staff_groups(session)
    transaction.on_commit(lambda: _both(groups, message, session.pk, message))


def state_after_commit(session: ChatSession, **extra: Any) -> None:
    """The session's state for the widget (and the consoles): ``extra`` adds what the widget needs
    (the technician's name, a transfer question, the survey link at the end)."""
    message = {"type": "chat.state", "chat": session.pk, "state": session.state, **extra,
               "people": people_on(session), "update": uuid.uuid4().hex}
    groups = staff_groups(session)
    transaction.on_commit(lambda: _both(groups, message, session.pk, message))


def _both(groups: list[str], staff: dict[str, Any], session_id: int | None, customer: dict[str, Any]) -> None:
    layer = _listening_layer()
    if layer is None:
        return
    loop = _server_loop()
    if loop is None:  # a thread of its own (the worker, a test): the sends are done when this returns
        _tell(layer, groups, staff)
        if session_id is not None:
            _tell(layer, [customer_group(session_id)], customer)
        return
    # Called from a socket's or a request's database thread (one for the whole process: Channels' and Django's
    # sync_to_async): the sends are handed to the server's loop and the thread goes on to the next write, instead
    # of waiting for a loop busy with a thousand sockets (each socket's Replay puts late or crossed frames in order).
    targets = [(group, staff) for group in groups]
    if session_id is not None:
        targets.append((customer_group(session_id), customer))
    asyncio.run_coroutine_threadsafe(_send_each(layer, targets), loop).add_done_callback(_logged)


async def _send_each(layer: Any, targets: list[tuple[str, dict[str, Any]]]) -> None:
    joined = getattr(layer, "groups", None)  # an in-process layer: only the groups someone is in
    wanted = [(group, message) for group, message in targets if joined is None or joined.get(group)]
    results = await asyncio.gather(*(layer.group_send(g, m) for g, m in wanted), return_exceptions=True)
    for (group, _message), result in zip(wanted, results, strict=True):
        if isinstance(result, BaseException):  # a live update never breaks the action that caused it
            log.error("live update to %s failed", group, exc_info=result)
