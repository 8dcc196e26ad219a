"""The native CTI protocol (``POST /api/v1/cti/events``): a PBX posts call events, Atiende answers with its
decision.

Every event carries an idempotency ``id``: the first time it is processed and
its answer stored (:class:`~atiende.telephony.models.CtiEvent`), refusals
included; a repeat (a retry after a timeout, a duplicate) changes nothing and
gets the very same answer, status included. Ids belong to the integration that
sent them (the token's user): another integration's event with the same id is
its own event, and never reads the first one's answer. Each event becomes the contact
center's own action (:mod:`atiende.contact.services`), so the same engine,
policies, timers and routing apply as in the console. The technician, the
queue and the block list are looked up in :mod:`atiende.telephony.directory`,
as for the generic protocol. See docs/cti.md, "The event endpoint".
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import IntegrityError
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from atiende.contact import selectors
from atiende.contact.models import HUNG_UP, IN_CONVERSATION, Contact, ContactState
from atiende.contact.services import calls, locking, routing
from atiende.contact.services.apply import insert_rows
from atiende.db import sent_together, single_writer
from atiende.errors import InputError, error_body
from atiende.people.models import User
from atiende.practices import Refusal
from atiende.telephony import callbacks, dial, directory
from atiende.telephony.models import Callback, CtiEvent

EVENT_TYPES = ("new_call", "answered", "hold", "resumed", "transfer", "hangup", "callback")


@dataclass(frozen=True)
class NativeEvent:
    """One event of the native protocol, validated by the API's schema."""

    id: str
    type: str
    call_id: str
    direction: str = "inbound"
    from_: str = ""
    to: str = ""
    queue: str | None = None
    level2_requested: bool = False
    skills: list[str] = field(default_factory=list)
    technician: str | None = None
    reason: str = ""
    customer_consent: bool = False
    expected_minutes: float | None = None
    purpose: str = ""
    to_technician: str | None = None
    to_queue: str | None = None
    cause: str = "normal"
    number: str = ""  # callback: the number to call back (empty: the caller's)

    def as_payload(self) -> dict[str, Any]:
        """The event as the PBX sent it (``from``, not ``from_``), kept with its answer."""
        payload = asdict(self)
        payload["from"] = payload.pop("from_")
        return payload


@dataclass(frozen=True)
class Answer:
    """The HTTP status and body of an event's answer (the stored one, for a repeat)."""

    status: int
    body: dict[str, Any]


def receive(event: NativeEvent, *, sender: User) -> Answer:
    """Process an event once and answer it; a repeat of its id by the same integration (``sender``, the
    token's user) gets the stored answer.

    Nothing is looked up first: the answer's row, written last in the event's transaction, is the check. Its
    unique index on (integration, id) refuses a repeat, and the repeat's transaction rolls back with whatever
    it changed; then the stored answer is read. Repeats are rare (a retry after a timeout), so every first
    event saves a query and a repeat pays one more (issue 25)."""
    try:
        return _process(event, sender)
    except IntegrityError:
        # A repeat, or a twin of the same id that raced in (committed or not: the unique index made this one
        # wait): the first one's answer is stored; answer as it did.
        found = _stored(event, sender)
        if found is None:
            # Another event (its own id) created the same call meanwhile: once more, now seeing
            # that call, this one gets its own stored answer (409 duplicate_call).
            return _process(event, sender)
        return found


def _stored(event: NativeEvent, sender: User) -> Answer | None:
    found = CtiEvent.objects.filter(sender=sender, event_id=event.id).only("status", "response").first()
    return Answer(found.status, found.response) if found is not None else None


@single_writer
def _process(event: NativeEvent, sender: User) -> Answer:
    """Process the event and store its answer in one transaction: acknowledged means stored.

    A repeat of an id (or a twin racing in) runs here too, then fails on the
    unique event id when storing its answer, and its whole transaction (whatever
    it changed) rolls back: :func:`receive` answers with the stored one.
    """
    try:
        with sent_together(), locking.without_savepoints():
            body = {"id": event.id, "call_id": event.call_id, **_handle(event, sender)}
            return _store(event, sender, 200, body)
    except Refusal as exc:
        status, body = exc.status, error_body(exc.code, exc.message(get_language() or "es"), exc.rule)
    except InputError as exc:
        status, body = exc.status, error_body(exc.code, str(exc.message), exc.rule)
    # The refused event changed nothing (its transaction rolled back); remember the refusal itself.
    with sent_together():
        return _store(event, sender, status, {"id": event.id, "call_id": event.call_id, **body})


def _store(event: NativeEvent, sender: User, status: int, body: dict[str, Any]) -> Answer:
    """The answer's row (one hand-written INSERT: every event writes one, issue 25); its unique index on
    (integration, id) refuses a repeat with IntegrityError."""
    insert_rows(CtiEvent, _STORED_FIELDS, [(sender.pk, event.id, event.type, event.as_payload(), status, body,
                                            body.get("contact"), timezone.now())])
    return Answer(status, body)


_STORED_FIELDS = ("sender", "event_id", "kind", "payload", "status", "response", "contact", "received_at")


# ---- the events ------------------------------------------------------------------------


def _handle(event: NativeEvent, sender: User) -> dict[str, Any]:
    if event.type == "new_call":
        return _new_call(event)
    try:
        with locking.call_locked(event.call_id) as row:  # one query locks the call for the action below
            return _act_on(row, event)
    except InputError as exc:
        # The end of a call Atiende rejected (a blocked caller): it never became a contact. Asked only when
        # no call has the id, so an ordinary hangup costs no query for it.
        if exc.code == "unknown_call" and event.type == "hangup" and _rejected(event.call_id, sender):
            return {"action": "none", "technician": None, "contact": None, "state": None}
        if exc.code == "unknown_call" and event.type == "hangup":
            # The caller's own line, after they accepted a call-back that is being dialled already.
            callback = Callback.objects.filter(phone_call_id=event.call_id).first()
            if callback is not None:
                return {"action": "none", "technician": None, "contact": callback.contact_id, "state": None,
                        "callback": callbacks.describe(callback)}
        raise


def _new_call(event: NativeEvent) -> dict[str, Any]:
    # The call's id checked and the settings' version read in one statement; the block list and the queue are
    # kept by the process under that version (issue 25: two statements fewer a call).
    version = directory.require_new_call(event.call_id, field="call_id")
    if event.direction == "inbound":
        block = directory.blocked_by(event.from_, version=version)
        if block is not None:
            # Rejected as on the generic endpoint: no contact, nobody rings; the PBX answers busy.
            return directory.rejection(block)
    queue = directory.queue_for(event.queue, version=version)
    if event.direction == "outbound":
        return _desk_dial(event, queue)
    routed = routing.create_contact(
        queue=queue, direction=event.direction, caller=event.from_, callee=event.to,
        external_id=event.call_id, level2_requested=event.level2_requested, required_skills=event.skills,
        # The customer on the line (the caller; the callee of an outbound call), for their organisation's policy.
        customer_id=selectors.customer_for_caller(event.from_ if event.direction == "inbound" else event.to))
    decision = routed.decision
    reason = None
    if decision is not None:
        reason = decision.reason_en if (get_language() or "es").startswith("en") else decision.reason_es
    answer = {"action": "ring" if routed.technician else "queue", "technician": _who(routed.technician),
              "reason": reason, **_state(routed.contact)}
    if routed.technician is None and event.direction == "inbound":
        # PO-2: when to offer the caller a call-back (the webhook also sends ``offer_callback`` then).
        answer["callback"] = callbacks.offer_terms(routed.contact)
    return answer


def _desk_dial(event: NativeEvent, queue: Any) -> dict[str, Any]:
    """An outbound ``new_call``: a technician dials from their desk phone (``technician``, else the ``from``
    extension). The contact is theirs from the dial (busy, never routed: calls.desk_dial); nobody is rung."""
    if event.technician:
        technician = directory.technician_named(event.technician, field="technician", rule="CH-TEL")
    else:
        technician = directory.find_technician(event.from_) if event.from_ else None
        if technician is None:
            raise InputError("technician_required",
                             _("An outbound call is dialled by a technician: name them (technician: extension or "
                               "username) or send their extension as from."), field="technician", rule="CH-TEL")
    row = calls.desk_dial(queue=queue, technician=technician, caller=event.from_, callee=event.to,
                          external_id=event.call_id, customer_id=selectors.customer_for_caller(event.to))
    return {"action": "dial", "technician": _who(technician), "reason": None, **_state(row)}


def _rejected(call_id: str, sender: User) -> bool:
    """Whether this integration's ``new_call`` of this call (which has no contact) was answered ``reject``."""
    return CtiEvent.objects.filter(sender=sender, kind="new_call", status=200, contact__isnull=True,
                                   response__call_id=call_id, response__action="reject").exists()


def _act_on(row: Contact, event: NativeEvent) -> dict[str, Any]:
    if event.type == "callback":
        accepted = callbacks.accept_on_phone(row, number=event.number)
        row.refresh_from_db()
        return {"action": "callback", "technician": _who(row.offered_to_id), **_state(row),
                "callback": callbacks.describe(accepted.callback),
                "dial": accepted.dial.native() if accepted.dial else None}
    if row.direction == "outbound" and event.type in ("answered", "hangup"):
        handled = _callback_event(row, event)
        if handled is not None:
            return handled
    if event.type == "answered":
        who = directory.technician_named(event.technician, field="technician") if event.technician else None
        if row.state in IN_CONVERSATION and (who is None or who.pk == row.assignee_id):
            # Answered already (in the console first): the PBX confirms what Atiende knows.
            return {"action": "connect", "technician": _who(row.assignee_id), **_state(row)}
        # The PBX is the source of truth: a ring group or call pickup may let another phone answer.
        # A campaign's dial names no technician: it is the one who dialled it (CH-PRO, atiende/campaigns/).
        who_id = who.pk if who is not None else _dialled_by(row)
        # Their state was read with them by extension (directory._by_extension): not read again.
        outcome = calls.answer(contact_id=row.pk, technician_id=who_id, from_pbx=True,
                               state_read=getattr(who, "phone_state", None))
        assignee = who if who is not None and who.pk == outcome.contact.assignee_id else outcome.contact.assignee_id
        return {"action": "connect", "technician": _who(assignee), **_state(outcome.contact)}
    if event.type == "hold":
        outcome = calls.put_on_hold(contact_id=row.pk, user=None, reason=event.reason,
                                    customer_consent=event.customer_consent,
                                    expected_minutes=event.expected_minutes)
        return {"action": "hold", "technician": _who(outcome.contact.assignee_id), **_state(outcome.contact)}
    if event.type == "resumed":
        outcome = calls.resume(contact_id=row.pk, user=None)
        return {"action": "resume", "technician": _who(outcome.contact.assignee_id), **_state(outcome.contact)}
    if event.type == "transfer":
        target = (directory.technician_named(event.to_technician, field="to_technician")
                  if event.to_technician else None)
        outcome = calls.request_transfer(
            contact_id=row.pk, user=None, purpose=event.purpose, customer_consent=event.customer_consent,
            to_technician=target, to_queue=event.to_queue)
        # TR-4: consult the receiver; the call stays where it is until they accept.
        return {"action": "consult", "technician": _who(outcome.contact.assignee_id), "consult": _who(target),
                **_state(outcome.contact)}
    if row.state in HUNG_UP:
        # Hung up already (in the console first, or a repeat under a new id): nothing left to do.
        return {"action": "none", "technician": _who(row.assignee_id), **_state(row)}
    outcome = calls.hang_up(contact_id=row.pk, cause=event.cause)
    return {"action": "none", "technician": _who(outcome.contact.assignee_id), **_state(outcome.contact)}


def _callback_event(row: Contact, event: NativeEvent) -> dict[str, Any] | None:
    """A call-back's events: the caller's own line ending after accepting leaves the call-back waiting; the
    dial's ``hangup`` before the answer is a dial the customer did not answer (retry, or fail); its
    ``answered`` connects the technician as any call, and keeps the commitment. None: not a call-back."""
    callback = callbacks.of_contact(row)
    if callback is None:
        return None
    if event.type == "answered":
        if row.state in IN_CONVERSATION:
            return {"action": "connect", "technician": _who(row.assignee_id), **_state(row)}
        who = directory.technician_named(event.technician, field="technician") if event.technician else None
        outcome = calls.answer(contact_id=row.pk, technician_id=who.pk if who else None, from_pbx=True)
        callbacks.answered(outcome.contact)
        return {"action": "connect", "technician": _who(outcome.contact.assignee_id), **_state(outcome.contact),
                "callback": callbacks.describe(callbacks.of_contact(row) or callback)}
    if row.state == ContactState.OFFERED and dial.is_dial(event.call_id):
        answer = callbacks.unanswered(row, callback, cause=event.cause)
        row.refresh_from_db()
        return {"action": "none", "technician": None, **_state(row), **answer}
    if row.state in (ContactState.WAITING, ContactState.OFFERED):
        # The caller hung up after accepting: their call-back keeps its place.
        return {"action": "none", "technician": None, **_state(row), "callback": callbacks.describe(callback)}
    return None


def _dialled_by(row: Contact) -> int | None:
    """Who dialled this outbound call from a campaign's preview (None: not such a call)."""
    if row.direction != "outbound" or not dial.is_dial(row.external_id):
        return None
    return row.campaign_attempts.values_list("technician_id", flat=True).first()


def _state(row: Contact) -> dict[str, Any]:
    return {"contact": row.pk, "state": row.state}


def _who(user: User | int | None) -> dict[str, Any] | None:
    """How the PBX knows a technician. Ids are looked up at most once a minute per process."""
    if user is None:
        return None
    if isinstance(user, User):
        found = {"id": user.pk, "username": user.username, "extension": user.extension}
        _WHO[user.pk] = (time.monotonic() + 60, found)  # read anyway: the next event of the call reuses it
        return found
    cached = _WHO.get(user)
    if cached is None or cached[0] < time.monotonic():
        found = User.objects.filter(pk=user).values("id", "username", "extension").first()
        cached = (time.monotonic() + 60, dict(found) if found is not None else None)
        _WHO[user] = cached
    return cached[1]


_WHO: dict[int, tuple[float, dict[str, Any] | None]] = {}


@receiver([post_save, post_delete], sender=User, dispatch_uid="telephony-forget-who")
def _forget_who(sender: type[User], instance: User, **kwargs: Any) -> None:
    """A technician saved or deleted in this process is read again at their next event: a new extension rings
    at once here (other processes see it within the minute), and a new user given a freed id is never taken for
    the one who had it."""
    _WHO.pop(instance.pk, None)
