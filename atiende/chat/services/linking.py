"""A chat linked to an existing work order (CH-VIR: "a chat belongs to a work order, created or linked").

Every chat opens a work order of its own (``customer.open_chat``). When the technician learns that the
customer writes about a request the help desk already has, they link the chat to it by number: the
chat's messages move to that work order's conversation (keeping their ids, so both sockets go on
delivering in order), the chat's later lines land there, and its history says so.

The work order the chat opened is deleted when nothing but the chat ever happened on it (opened by this
chat, no message left, no change by hand, no commitment, no question): it was only the chat's envelope,
and a request nobody made must not wait in the queues. Anything else keeps it, with a line of history
saying where the chat went. Its vault secrets and consents (ET-3, TR-3: they came from the chat's lines)
go with the chat.

Whose work order (ET-4): a chat's lines show in its work order's portal, so a chat is linked only to a work
order of the chat's own customer. A chat opened without an email has a customer made from the name typed in
the widget, nobody the help desk knows: the technician who checked who is writing may confirm that they are
the work order's customer (``confirm_customer``); the chat (its session and its contact) then takes that
customer. A chat whose customer is known (found by the email given) is never linked to another customer's
work order (409 ``other_customer``).

Concurrency: every chat write first locks the chat's session row and reads its work order there
(``common.current_work_order``); linking locks the same row first, so a line written while the chat is
being linked lands entirely before (and is moved) or entirely after (on the new work order).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from atiende.chat import live
from atiende.chat.models import ChatSession
from atiende.chat.selectors import session_in_scope
from atiende.chat.services.common import require_open
from atiende.chat.services.transfers import on_chat, reload
from atiende.contact.models import IN_CONVERSATION, Contact, ContactState
from atiende.contact.services.technicians import require_staff
from atiende.db import single_writer
from atiende.desk.models import Attachment, Channel, Message, Phase, WorkOrder
from atiende.desk.selectors import visible_work_orders
from atiende.desk.services.history import record_event
from atiende.errors import InputError
from atiende.people.models import User
from atiende.privacy.models import Consent, VaultSecret

# History lines that the chat's own work order may carry and still be only the chat's envelope.
ENVELOPE_EVENTS = frozenset({"created", "message", "chat_linked"})


def _number(value: Any) -> int:
    raw = str(value if value is not None else "").strip().lstrip("#")
    if isinstance(value, bool) or not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        raise InputError("invalid_work_order", _("Give the number of the work order, e.g. 1234."),
                         field="work_order")
    return int(raw)


def _target(user: User, number: int) -> WorkOrder:
    """The work order with this number if ``user`` may see it (ET-4: one they may not is as missing)."""
    found = visible_work_orders(user).filter(number=number).first()
    if found is None:
        raise InputError("unknown_work_order", _("There is no work order #%(number)s that you may see.")
                         % {"number": number}, status=404, field="work_order", rule="ET-4")
    return found


def _envelope_only(work_order: WorkOrder, session: ChatSession) -> bool:
    """Whether the chat's own work order held nothing but this chat (then it goes away)."""
    return (work_order.created_by_id is None and work_order.channel == Channel.CHAT
            and not Message.objects.filter(work_order=work_order).exists()
            and not Attachment.objects.filter(work_order=work_order).exists()
            and not ChatSession.objects.filter(work_order=work_order).exclude(pk=session.pk).exists()
            and not work_order.commitments.exists() and not work_order.closed_questions.exists()
            and not work_order.events.exclude(kind__in=ENVELOPE_EVENTS).exists())


def _customer_check(session: ChatSession, target: WorkOrder, confirmed: bool) -> bool:
    """ET-4: whether the chat takes the work order's customer (True), is already theirs (False), or neither
    (refused: the chat's lines would show in another customer's portal)."""
    if target.customer_id == session.customer_id:
        return False
    name = target.customer.name
    if session.customer_email:
        raise InputError("other_customer", _("Work order #%(number)s is another customer's (%(name)s): a chat is "
                                             "linked only to its own customer's work orders.")
                         % {"number": target.number, "name": name}, status=409, field="work_order", rule="ET-4")
    if not confirmed:
        raise InputError("confirm_customer", _("Work order #%(number)s is %(name)s's and this chat gave no email: "
                                               "confirm that %(name)s is who is writing to link it.")
                         % {"number": target.number, "name": name}, status=409, field="confirm_customer",
                         rule="ET-4")
    return True


@single_writer
def link_work_order(*, user: User, chat_id: Any, work_order: Any, confirm_customer: Any = False) -> ChatSession:
    """Link the chat to the existing work order numbered ``work_order`` (the technician on the chat, or a
    supervisor who joined it). Refused: a number that is not one (400), a work order the user may not see
    or that does not exist (404 ``unknown_work_order``, ET-4), a closed one (409, SP-1: reopen it first),
    another customer's (409 ``other_customer``, ET-4; a chat without an email: 409 ``confirm_customer`` until
    ``confirm_customer`` is true), the one the chat already belongs to (409), a chat not in conversation or
    not theirs (as for writing)."""
    require_staff(user)
    number = _number(work_order)
    session = session_in_scope(user, chat_id)
    require_open(session)
    contact = session.contact
    if contact.state not in (*IN_CONVERSATION, ContactState.WRAP_UP) or not on_chat(user, session):
        raise InputError("not_your_chat", _("Only the technician on the chat links it to a work order."),
                         status=403, rule="CH-VIR")
    target = _target(user, number)
    if target.phase == Phase.CLOSURE:
        raise InputError("work_order_closed", _("Work order #%(number)s is closed: reopen it first (with a note) "
                                                "to link the chat to it.") % {"number": number},
                         status=409, field="work_order", rule="SP-1")
    adopt = _customer_check(session, target, confirm_customer is True)
    with transaction.atomic():
        old_id = ChatSession.objects.select_for_update().values_list("work_order_id", flat=True).get(pk=session.pk)
        if old_id == target.pk:
            raise InputError("already_linked", _("The chat already belongs to work order #%(number)s.")
                             % {"number": number}, status=409, field="work_order")
        # Both rows locked in the order of their ids (post_message locks a work order's row too).
        locked = {w.pk: w for w in WorkOrder.objects.select_for_update().filter(pk__in=(old_id, target.pk))
                  .order_by("pk")}
        old, target = locked[old_id], locked[target.pk]
        moved = list(Message.objects.filter(work_order=old, channel=Channel.CHAT, created_at__gte=session.created_at)
                     .values_list("pk", flat=True))
        Message.objects.filter(pk__in=moved).update(work_order=target)
        Attachment.objects.filter(message_id__in=moved).update(work_order=target)
        ChatSession.objects.filter(pk=session.pk).update(work_order=target)
        session.work_order = target
        if adopt:
            ChatSession.objects.filter(pk=session.pk).update(customer_id=target.customer_id)
            Contact.objects.filter(pk=session.contact_id).update(customer_id=target.customer_id)
        envelope = _envelope_only(old, session)
        if envelope:
            VaultSecret.objects.filter(work_order=old).update(work_order=target)
            Consent.objects.filter(work_order=old).update(work_order=target)
        record_event(target, user, "chat_linked", {"chat": (None, session.pk), "from": (old.number, target.number)},
                     note=_("chat %(chat)s with %(name)s, %(count)s messages") % {
                         "chat": session.pk, "name": session.customer_name, "count": len(moved)})
        if adopt:
            record_event(target, user, "chat_customer_confirmed", {"customer": (session.customer_id, target.customer_id)},
                         note=_("%(name)s, who wrote in chat %(chat)s, confirmed as this work order's customer")
                         % {"name": session.customer_name, "chat": session.pk})
        if envelope:
            old.delete()
        else:
            record_event(old, user, "chat_linked", {"work_order": (old.number, target.number)},
                         note=_("the chat moved to work order #%(number)s") % {"number": target.number})
        live.state_after_commit(session, work_order=target.number)
    return reload(session)
