"""TR-3 in a chat: the customer's answer to the transfer their technician proposed (technician.propose_transfer)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from atiende.chat import live
from atiende.chat.models import ChatSession
from atiende.contact.services import calls
from atiende.desk.services.history import record_event
from atiende.errors import InputError
from atiende.people.models import User


def on_chat(user: User, session: ChatSession) -> bool:
    """Whether ``user`` is on the chat: its assignee, or a supervisor who joined or coaches it (PO-5)."""
    contact = session.contact
    return user.pk == contact.assignee_id or user.pk in ((contact.data or {}).get("supervisors") or [])


def reload(session: ChatSession) -> ChatSession:
    session.refresh_from_db()
    session.contact.refresh_from_db()
    return session


def answer_transfer_question(session: ChatSession, *, consent: bool) -> ChatSession:
    """The customer's answer (called by ``customer.customer_answers_transfer``): yes requests the transfer
    with their consent recorded (TR-3, written in the chat); no keeps the chat where it is. The question is
    read under the session's lock: a second answer (a double click, two tabs) finds none."""
    with transaction.atomic():
        pending = dict(ChatSession.objects.select_for_update().values_list("pending_transfer", flat=True)
                       .get(pk=session.pk) or {})
        if not pending:
            raise InputError("no_transfer_question", _("Nobody asked you about a transfer."), status=409,
                             rule="TR-3")
        by = pending.get("by")
        proposer = User.objects.filter(pk=by).first() if isinstance(by, int) else None
        ChatSession.objects.filter(pk=session.pk).update(pending_transfer={})
        session.pending_transfer = {}
        if not consent:
            # TR-3: no consent, no transfer: the chat stays; the technician's console is told, the history keeps it.
            record_event(session.work_order, None, "transfer_refused", {"to": (None, pending.get("to_technician")
                                                                                or pending.get("to_queue"))},
                         note=f"chat {session.pk}")
            live.state_after_commit(session, transfer_question=None, transfer_refused=True)
            return session
        if proposer is None or not on_chat(proposer, reload(session)):
            raise InputError("transfer_stale", _("The chat changed hands meanwhile; the transfer was called off."),
                             status=409, rule="TR-4")
        calls.request_transfer(contact_id=session.contact_id, user=proposer, purpose=pending["purpose"],
                               customer_consent=True, to_technician=pending.get("to_technician"),
                               to_queue=pending.get("to_queue"), consent_method="written")  # TR-3, in the chat
        live.state_after_commit(reload(session), transfer_question=None)
    return session
