"""Live updates of chats, after the commit: the technicians' consoles and the customer's widget.

The engine's changes of a chat's contact (offered, accepted, transferred, ended...) reach the
consoles as any contact's do (``atiende.contact.live``, ``contact.update``). What only a chat has
goes out here, once the transaction that stored it commits (never a message that was rolled back):

- ``chat.message``: a new message. The consoles of whoever is on the chat (the assignee, the
  technician it is offered to, supervisors who joined or coach) and the board get every message,
  internal ones included; the customer's group gets public messages only, as the widget shows them
  (``selectors.customer_message_view``).
- ``chat.read``: a read mark moved (``side``: customer or technician, ``up_to``: a message id).
- ``chat.state``: the session changed state (waiting, active, ended, abandoned), or a transfer awaits
  the customer's answer (``transfer_question``), for the widget.

Groups: ``technician-<id>`` and ``contacts`` (the consoles' own, see contact/live.py), and
``chat-<session id>`` for the customer's widget (chatlive's consumer joins it).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction

from atiende.chat.models import ChatSession
from atiende.chat.selectors import customer_message_view
from atiende.contact.live import BOARD_GROUP, _listening_layer, _tell, technician_group
from atiende.desk.models import Message, Visibility


def customer_group(session_id: int) -> str:
    return f"chat-{session_id}"


def _staff_groups(session: ChatSession) -> list[str]:
    contact = session.contact
    people = {contact.assignee_id, contact.offered_to_id, *((contact.data or {}).get("supervisors") or [])}
    transfer = (contact.data or {}).get("transfer") or {}
    people.add(transfer.get("to_technician"))
    return [BOARD_GROUP, *(technician_group(p) for p in sorted(p for p in people if isinstance(p, int)))]


def message_after_commit(session: ChatSession, message: Message) -> None:
    public = message.visibility == Visibility.PUBLIC
    view = customer_message_view(message)
    staff = {"type": "chat.message", "chat": session.pk, "contact": session.contact_id,
             "message": {**view, "visibility": message.visibility,
                         "author": message.author_id, "name": message.sender_name},
             "update": uuid.uuid4().hex}
    groups = _staff_groups(session)
    customer = {"type": "chat.message", "chat": session.pk, "message": view, "update": uuid.uuid4().hex}
    transaction.on_commit(lambda: _both(groups, staff, session.pk if public else None, customer))


def read_after_commit(session: ChatSession, *, side: str, up_to: int) -> None:
    message = {"type": "chat.read", "chat": session.pk, "side": side, "up_to": up_to, "update": uuid.uuid4().hex}
    groups = _staff_groups(session)
    transaction.on_commit(lambda: _both(groups, message, session.pk, message))


def state_after_commit(session: ChatSession, **extra: Any) -> None:
    """The session's state for the widget (and the consoles): ``extra`` adds what the widget needs
    (the technician's name, a transfer question, the survey link at the end)."""
    message = {"type": "chat.state", "chat": session.pk, "state": session.state, **extra,
               "update": uuid.uuid4().hex}
    groups = _staff_groups(session)
    transaction.on_commit(lambda: _both(groups, message, session.pk, message))


def _both(groups: list[str], staff: dict[str, Any], session_id: int | None, customer: dict[str, Any]) -> None:
    layer = _listening_layer()
    if layer is None:
        return
    _tell(layer, groups, staff)
    if session_id is not None:
        _tell(layer, [customer_group(session_id)], customer)
