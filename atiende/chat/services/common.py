"""What both sides of a chat share: a message's text checked, an open chat required, read marks."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.chat import live
from atiende.chat.models import ChatSession, ChatState
from atiende.desk.models import Message, WorkOrder
from atiende.errors import InputError

MAX_MESSAGE_CHARS = 4000  # one chat message; a longer text is refused, not cut


def clean_body(value: Any, *, required: bool = True) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InputError("invalid", _("The message must be text."), field="body")
    text = value.replace("\r\n", "\n").strip()
    if "\x00" in text:
        raise InputError("invalid", _("The message contains characters that are not allowed."), field="body")
    if required and not text:
        raise InputError("required", _("Write a message."), field="body")
    if len(text) > MAX_MESSAGE_CHARS:
        raise InputError("too_long", _("A chat message has at most %(n)s characters.") % {"n": MAX_MESSAGE_CHARS},
                         field="body")
    return text


def require_open(session: ChatSession) -> None:
    if session.state in (ChatState.ENDED, ChatState.ABANDONED):
        raise InputError("chat_ended", _("This chat has ended."), status=409, rule="CH-VIR")


def current_work_order(session: ChatSession) -> None:
    """Inside a chat write's transaction, before its message is posted: lock the session's row and take the
    work order the chat belongs to now (``linking.link_work_order`` may have moved it; it locks this row
    too), so a line never lands on the work order the chat just left."""
    work_order_id = (ChatSession.objects.select_for_update().values_list("work_order_id", flat=True)
                     .get(pk=session.pk))
    if work_order_id != session.work_order_id:
        session.work_order = WorkOrder.objects.get(pk=work_order_id)


def mark_read(session: ChatSession, side: str, up_to: Any) -> int:
    if isinstance(up_to, bool) or not isinstance(up_to, int):
        raise InputError("invalid", _("Give the id of the last message read."), field="up_to")
    column = f"{side}_read_id"
    with transaction.atomic():
        current, work_order_id = (ChatSession.objects.select_for_update().values_list(column, "work_order_id")
                                  .get(pk=session.pk))
        if not Message.objects.filter(pk=up_to, work_order_id=work_order_id).exists():
            raise InputError("unknown_message", _("There is no such message in this chat."), status=404,
                             field="up_to")
        if current is not None and current >= up_to:
            return int(current)
        changes: dict[str, Any] = {column: up_to}
        if side == "customer":
            changes["last_customer_activity"] = timezone.now()  # a sign they are there (ending.end_idle_chats)
        ChatSession.objects.filter(pk=session.pk).update(**changes)
        setattr(session, column, up_to)
        live.read_after_commit(session, side=side, up_to=up_to)
    return up_to
