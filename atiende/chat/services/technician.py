"""The help desk's side of a chat: accept, write, read, transfer with the customer's consent, escalate,
supervisors joining and coaching (PO-5), end.

The contact's moves go through the contact services (``atiende.contact.services.calls``): the same
engine, practices and refusals as a call (TR-4: a transfer stays with the first technician until the
receiver accepts; TR-5: a declined or unanswered transfer returns; PO-5: help is always open). What
only a chat has is here: its messages (the work order's conversation, channel ``chat``), the
customer's consent asked in the chat itself (TR), coach messages the customer never sees (internal).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from atiende.chat import live, selectors
from atiende.chat.models import ChatSession, ChatState, EndedBy
from atiende.chat.selectors import client_message_id, session_in_scope
from atiende.chat.services.common import clean_body, current_work_order, mark_read, require_open
from atiende.chat.services.ending import end_chat_as
from atiende.chat.services.search import lines_later
from atiende.chat.services.transfers import on_chat, reload
from atiende.contact.models import IN_CONVERSATION, ContactState, Queue, TechnicianState
from atiende.contact.selectors import policy_for, queue_named
from atiende.contact.services import calls
from atiende.contact.services.technicians import chats_held, require_staff
from atiende.db import single_writer
from atiende.desk.messages import post_message
from atiende.desk.models import Channel, Message, Visibility
from atiende.engine.channels import CONCURRENT
from atiende.errors import InputError
from atiende.people.models import User
from atiende.people.roles import STAFF, is_manager, role_filter
from atiende.practices import Refusal


def _session(user: User, chat_id: Any) -> ChatSession:
    require_staff(user)
    return session_in_scope(user, chat_id)


@single_writer
def accept_chat(*, user: User, chat_id: Any) -> ChatSession:
    """The technician the chat is offered to takes it (PO-3 counts it; it holds one of their chat slots)."""
    session = _session(user, chat_id)
    require_open(session)
    with transaction.atomic():
        calls.answer(contact_id=session.contact_id, user=user)
        # The idle clock starts at the acceptance: a customer who waited in the queue is not "gone".
        ChatSession.objects.filter(pk=session.pk).update(state=ChatState.ACTIVE, last_customer_activity=timezone.now())
        session = reload(session)
        live.state_after_commit(session, technician=user.display_name)
    return session


@single_writer
def decline_chat(*, user: User, chat_id: Any) -> ChatSession:
    """The technician turns the offered chat down: it goes back to the queue for someone else."""
    session = _session(user, chat_id)
    calls.decline_offer(contact_id=session.contact_id, user=user)
    return reload(session)


def _requireon_chat(user: User, session: ChatSession) -> None:
    contact = session.contact
    if contact.state not in IN_CONVERSATION:
        if contact.state == ContactState.OFFERED and contact.offered_to_id == user.pk:
            raise InputError("accept_first", _("Accept the chat before writing."), status=409, rule="CH-VIR")
        raise InputError("chat_not_live", _("This chat is not in conversation."), status=409, rule="CH-VIR")
    if not on_chat(user, session):
        transfer = (contact.data or {}).get("transfer") or {}
        if transfer.get("to_technician") == user.pk or transfer.get("to_queue"):
            raise InputError("transfer_not_accepted", _("Accept the transfer first: until then the chat stays "
                                                        "with the first technician."), status=409, rule="TR-4")
        raise InputError("not_your_chat", _("Another technician has this chat; a supervisor joins it first."),
                         status=403, rule="PO-5")


@single_writer
def technician_writes(*, user: User, chat_id: Any, body: Any, internal: bool = False,
                      attachments: Any = (), client_id: str | None = None) -> Message:
    """The technician (or a supervisor who joined or took it over) writes to the customer; ``internal``:
    a note for the help desk only. The language assistant's findings are kept with a public reply.
    ``client_id``: the console's own id for the message (stored once, as the customer's)."""
    session = _session(user, chat_id)
    require_open(session)
    _requireon_chat(user, session)
    text = clean_body(body, required=not attachments)
    with transaction.atomic(), lines_later():
        current_work_order(session)
        message = post_message(work_order=session.work_order, body=text,
                               visibility=Visibility.INTERNAL if internal else Visibility.PUBLIC,
                               channel=Channel.CHAT, direction="out", author=user, attachments=attachments,
                               message_id=client_message_id(session.pk, client_id), quiet=True)
        live.message_after_commit(session, message, files=bool(attachments))
    return message


@single_writer
def coach(*, user: User, chat_id: Any, body: Any) -> Message:
    """PO-5 coach: a supervisor's word to the technician, never shown to the customer (an internal message).

    Only a supervisor on the chat (joined in any mode: coaching is what "coach" mode is for, and one who
    joined may whisper too)."""
    session = _session(user, chat_id)
    if not is_manager(user):
        raise InputError("supervisors_only", _("Only a supervisor coaches a chat."), status=403, rule="PO-5")
    require_open(session)
    if user.pk not in ((session.contact.data or {}).get("supervisors") or []):
        raise InputError("join_first", _("Join the chat in coach mode before coaching."), status=409, rule="PO-5")
    text = clean_body(body)
    with transaction.atomic(), lines_later():
        current_work_order(session)
        message = post_message(work_order=session.work_order, body=text, visibility=Visibility.INTERNAL,
                               channel=Channel.CHAT, direction="out", author=user, quiet=True)
        live.message_after_commit(session, message, files=False)
    return message


def technician_reads(*, user: User, chat_id: Any, up_to: Any) -> int:
    session = _session(user, chat_id)
    _requireon_chat(user, session)
    return mark_read(session, "technician", up_to)


# ---- transfer (TR) -----------------------------------------------------------------------------------------

@single_writer
def propose_transfer(*, user: User, chat_id: Any, purpose: Any, to_technician: Any = None,
                     to_queue: Any = None) -> ChatSession:
    """TR-3: the technician proposes a transfer; the customer is asked in the chat (a public message and a
    question in the widget). Nothing moves until they say yes (:func:`answer_transfer_question`); then the
    transfer is requested and waits for the receiver's acceptance (TR-4)."""
    session = _session(user, chat_id)
    require_open(session)
    _requireon_chat(user, session)
    if not isinstance(purpose, str) or not purpose.strip() or len(purpose) > 500:
        raise InputError("transfer_purpose_required", _("Say why you transfer the chat (what the next person "
                                                        "should know)."), field="purpose", rule="TR-2")
    if (to_technician is None) == (to_queue is None):
        raise InputError("transfer_target", _("Name a technician or a queue to transfer to."), field="to_technician",
                         rule="TR-4")
    receiver_name = ""
    if to_technician is not None:
        receiver = (User.objects.filter(role_filter(STAFF), pk=to_technician, is_active=True).first()
                    if isinstance(to_technician, int) and not isinstance(to_technician, bool) else None)
        if receiver is None:
            raise InputError("unknown_technician", _("There is no such technician."), status=404,
                             field="to_technician")
        if receiver.pk == user.pk:
            raise InputError("transfer_to_self", _("Transfer to someone else."), field="to_technician", rule="TR-4")
        receiver_name = receiver.display_name
    else:
        if not isinstance(to_queue, str):
            raise InputError("unknown_queue", _("There is no such queue."), status=404, field="to_queue")
        queue = queue_named(to_queue)
        receiver_name = queue.label or queue.name
    if session.contact.state == ContactState.TRANSFER_PENDING:
        raise InputError("transfer_pending", _("A transfer of this chat is already waiting."), status=409,
                         rule="TR-4")
    pending = {"to_technician": to_technician, "to_queue": to_queue, "purpose": purpose.strip(), "by": user.pk,
               "at": timezone.now().isoformat()}
    with transaction.atomic():
        ChatSession.objects.filter(pk=session.pk).update(pending_transfer=pending)
        session.pending_transfer = pending
        current_work_order(session)
        with translation.override(session.language):
            question = _("I would like to pass you to %(who)s, who can help you better with this. Do you "
                         "agree?") % {"who": receiver_name}
        message = post_message(work_order=session.work_order, body=question, visibility=Visibility.PUBLIC,
                               channel=Channel.CHAT, direction="out", author=user)
        live.message_after_commit(session, message)
        live.state_after_commit(session, transfer_question={"to": receiver_name, "message": message.pk})
    return session


@single_writer
def accept_transfer(*, user: User, chat_id: Any) -> ChatSession:
    """TR-4: the receiver accepts: the chat is theirs now (one of their chat slots, CH-VIR), the first
    technician holds one chat fewer. A receiver on a call, or with every chat slot taken, is refused."""
    require_staff(user)
    session = _pending_for(user, chat_id, "contact__queue", "work_order", "widget")
    with transaction.atomic():
        require_chat_room(user, session)
        calls.accept_transfer(contact_id=session.contact_id, user=user)
        session = reload(session)
        live.state_after_commit(session, technician=user.display_name)
    return session


def _pending_for(user: User, chat_id: Any, *related: str) -> ChatSession:
    """A chat whose transfer ``user`` may act on: transferred to them or to a queue (whose acceptance checks
    that they serve it, TR-4), or requested by them. The receiver is not on the chat yet, so the transfer
    itself scopes it; a chat they may see with no such transfer is a 409, any other a missing one (ET-4)."""
    session = (ChatSession.objects.select_related("contact", *related).filter(pk=chat_id).first()
               if isinstance(chat_id, int) and not isinstance(chat_id, bool) else None)
    transfer = ((session.contact.data or {}).get("transfer") or {}) if session is not None else {}
    if session is not None and session.contact.state == ContactState.TRANSFER_PENDING and (
            user.pk in (transfer.get("to_technician"), transfer.get("requested_by")) or transfer.get("to_queue")):
        return session
    if session is not None and selectors.chats_in_scope(user).filter(pk=session.pk).exists():
        raise InputError("no_transfer_for_you", _("No transfer of this chat is waiting for you."), status=409,
                         rule="TR-4")
    raise InputError("unknown_chat", _("There is no chat %(id)s.") % {"id": chat_id}, status=404)


def require_chat_room(user: User, session: ChatSession) -> None:
    """CH-VIR: whether ``user`` may take one more chat now: not on a call, a chat slot free (their own
    capacity, else the chat's queue's policy). Locks their state row, so two chats accepted at once
    cannot both take the last slot."""
    state = TechnicianState.objects.select_for_update().filter(user=user).first()
    on_call = (session.contact.__class__.objects.filter(assignee=user, state__in=IN_CONVERSATION)
               .exclude(channel__in=CONCURRENT).exists())
    if on_call:
        raise Refusal("receiver_busy", rule="TR-4", es="Termine su llamada actual antes de aceptar un chat.",
                      en="Finish your current call before accepting a chat.")
    queue: Queue = session.contact.queue
    capacity = state.max_chats if state is not None and state.max_chats is not None else policy_for(queue).max_chats
    if chats_held(user.pk) >= capacity:
        raise Refusal("chat_capacity_full", rule="CH-VIR", es=f"Ya atiende {capacity} chats a la vez: termine uno "
                      "antes de aceptar otro.", en=f"You already hold {capacity} chats at once: finish one before "
                      "accepting another.")


@single_writer
def decline_transfer(*, user: User, chat_id: Any) -> ChatSession:
    """TR-5: the receiver (or the requester) declines: the chat stays with the first technician."""
    require_staff(user)
    session = _pending_for(user, chat_id)
    calls.decline_transfer(contact_id=session.contact_id, user=user)
    return reload(session)


# ---- escalation and supervisors (PO-5) -------------------------------------------------------------------

@single_writer
def escalate(*, user: User, chat_id: Any, reason: Any = "") -> ChatSession:
    """PO-5: ask a supervisor for help; always open while the chat is live."""
    session = _session(user, chat_id)
    calls.escalate(contact_id=session.contact_id, user=user, reason=reason if isinstance(reason, str) else "")
    return reload(session)


@single_writer
def supervisor_joins(*, user: User, chat_id: Any, mode: Any) -> ChatSession:
    """PO-5: a supervisor joins (writes to the customer beside the technician), takes over (the chat is
    theirs) or coaches (writes to the technician only: :func:`coach`). Following a chat does not make
    them busy: a supervisor may follow several."""
    session = _session(user, chat_id)
    calls.supervise(contact_id=session.contact_id, user=user, mode=mode if isinstance(mode, str) else "")
    return reload(session)


# ---- the end ---------------------------------------------------------------------------------------------

@single_writer
def end_chat(*, user: User, chat_id: Any) -> ChatSession:
    """The technician (or a supervisor on it) ends the chat: its wrap-up starts; the transcript is kept for
    the scorecard, the survey offered (SP-4) and the transcript mailed if the customer gave an address."""
    session = _session(user, chat_id)
    require_open(session)
    by_supervisor = is_manager(user) and session.contact.assignee_id != user.pk
    return end_chat_as(session, ended_by=EndedBy.SUPERVISOR if by_supervisor else EndedBy.TECHNICIAN, user=user)


@single_writer
def finish_wrap_up(*, user: User, chat_id: Any) -> ChatSession:
    """The chat's wrap-up is done: its slot is free, and the scorecard is made (the scoring job)."""
    session = _session(user, chat_id)
    calls.finish_wrap_up(contact_id=session.contact_id, user=user)
    return reload(session)
