"""The generic CTI protocol (Zammad-compatible) on top of the contact center's own services.

A PBX connector posts ``newCall``, ``answer`` and ``hangup`` for a ``callId``.
Each one becomes the contact center's own action (:mod:`atiende.contact.services`):
``newCall`` creates and routes the contact exactly as the native CTI API does,
``answer`` answers it as the technician the PBX names, ``hangup`` hangs it up,
so the same state machine, policies (PO-1, PO-2...), timers and routing apply.

Replies (see docs/cti.md, "Connecting an existing PBX integration"):

* the protocol's own body: ``{}``, or ``{"action": "reject", "reason": "busy"}``
  for a ``newCall`` from a blocked caller;
* Atiende's additions (the routing decision, the contact and its state), kept
  apart so that clients of the protocol never see what they do not expect.

Each event is handled in one transaction; a refused one changes nothing. The
reply to each event of a call is stored: the same event repeated for the same
``callId`` gets the very same reply and changes nothing.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from atiende.contact import selectors
from atiende.contact.models import IN_CONVERSATION, UNANSWERED, Contact
from atiende.contact.services import calls as contact_calls
from atiende.contact.services import locking
from atiende.contact.services import routing as contact_routing
from atiende.db import single_writer
from atiende.errors import InputError, error_body
from atiende.people.models import ApiToken, User
from atiende.telephony import directory
from atiende.telephony.models import CallOutcome, GenericCall

log = logging.getLogger(__name__)

EVENTS = ("newCall", "answer", "hangup")
DIRECTIONS = ("in", "out")

# The protocol's hang-up causes and the cause the engine records for each.
CAUSES: dict[str, str] = {
    "normalClearing": "normal",
    "cancel": "caller_hangup",
    "busy": "busy",
    "noAnswer": "no_answer",
    "congestion": "congestion",
    "notFound": "not_found",
    "forwarded": "forwarded",
}
# Before the answer these mean the caller gave up waiting: an abandoned call (PO-2).
# The other causes mean nobody could take it (busy, rejected, unreachable...): missed.
CALLER_GAVE_UP = frozenset({"cancel", "normalClearing"})

MAX_CALL_ID = 250  # the protocol's limit
MAX_CONTACT_EXTERNAL_ID = 120  # atiende.contact.models.Contact.external_id
LIMITS = {"from": 80, "to": 80, "queue": 60, "answeringNumber": 150, "user": 150}


# ---- parsing ----------------------------------------------------------------------

@dataclass(frozen=True)
class GenericEvent:
    """One event of the protocol, validated."""

    event: str
    call_id: str
    direction: str = "in"
    from_: str = ""
    to: str = ""
    users: tuple[str, ...] = ()
    queue: str = ""
    cause: str = ""
    answering_number: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"event": self.event, "callId": self.call_id, "direction": self.direction, "from": self.from_,
                "to": self.to, "user": list(self.users), "queue": self.queue, "cause": self.cause,
                "answeringNumber": self.answering_number}


def _bad(code: str, message: str, field: str | None = None) -> InputError:
    return InputError(code, message, status=400, field=field, rule="CH-TEL")


def _text(fields: Mapping[str, Any], name: str) -> str:
    value = fields.get(name)
    if isinstance(value, list):
        if len(value) > 1:
            raise _bad("repeated_field", _("The field %(field)s is sent more than once.") % {"field": name}, name)
        value = value[0] if value else None
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _bad("invalid_field", _("The field %(field)s must be text.") % {"field": name}, name)
    text = str(value).strip()
    limit = LIMITS.get(name, MAX_CALL_ID)
    if len(text) > limit:
        raise _bad("field_too_long", _("The field %(field)s is longer than %(limit)s characters.")
                   % {"field": name, "limit": limit}, name)
    return text


def _users(fields: Mapping[str, Any]) -> tuple[str, ...]:
    """``user[]`` repeated (form), ``user`` repeated or a list (JSON), or one ``user``: all the same here."""
    found: list[str] = []
    for name in ("user[]", "user"):
        value = fields.get(name)
        if value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            if item is None:
                continue
            if isinstance(item, bool) or not isinstance(item, str | int):
                raise _bad("invalid_field", _("Each user must be a name."), "user")
            text = str(item).strip()
            if len(text) > LIMITS["user"]:
                raise _bad("field_too_long", _("The field %(field)s is longer than %(limit)s characters.")
                           % {"field": "user", "limit": LIMITS["user"]}, "user")
            if text and text not in found:
                found.append(text)
    if len(found) > 50:
        raise _bad("too_many_users", _("At most 50 users per event."), "user")
    return tuple(found)


def parse_event(fields: Mapping[str, Any]) -> GenericEvent:
    """Validate an event's fields (form fields as lists, or a JSON object); a clear 400 when wrong."""
    event = _text(fields, "event")
    if not event:
        raise _bad("event_required", _("The field event is required: newCall, answer or hangup."), "event")
    if event not in EVENTS:
        raise _bad("unknown_event", _("Unknown event %(event)s: only newCall, answer and hangup are accepted.")
                   % {"event": event}, "event")
    call_id = _text(fields, "callId")
    if not call_id:
        raise _bad("call_id_required", _("The field callId is required."), "callId")
    direction = _text(fields, "direction") or "in"
    if direction not in DIRECTIONS:
        raise _bad("invalid_direction", _("The field direction must be in or out."), "direction")
    cause = _text(fields, "cause")
    if event == "hangup":
        cause = cause or "normalClearing"
        if cause not in CAUSES:
            raise _bad("unknown_cause", _("Unknown hang-up cause %(cause)s; use one of: %(causes)s.")
                       % {"cause": cause, "causes": ", ".join(CAUSES)}, "cause")
    return GenericEvent(
        event=event, call_id=call_id, direction=direction, from_=_text(fields, "from"), to=_text(fields, "to"),
        users=_users(fields), queue=_text(fields, "queue"), cause=cause,
        answering_number=_text(fields, "answeringNumber"),
    )



# ---- technicians and call ids ------------------------------------------------------

def _technician_from(answering_number: str, users: Iterable[str]) -> User | None:
    """``answeringNumber`` first, then the ``user[]`` names; a given answeringNumber that matches no one
    (and no name does either) is a 404: the PBX's configuration and Atiende's users disagree."""
    if answering_number:
        found = directory.find_technician(answering_number)
        if found is not None:
            return found
    for name in users:
        found = directory.find_technician(name)
        if found is not None:
            return found
    if answering_number:
        raise InputError(
            "unknown_technician",
            _("No technician has the extension, username, email or name %(ref)s.") % {"ref": answering_number},
            status=404, field="answeringNumber", rule="CH-TEL")
    return None


def _external_id(call_id: str) -> str:
    if len(call_id) <= MAX_CONTACT_EXTERNAL_ID:
        return call_id
    return "cti-" + hashlib.sha256(call_id.encode()).hexdigest()[:64]


# ---- handling an event ------------------------------------------------------------------

@dataclass
class Reply:
    """What the endpoint answers: the protocol's body, Atiende's additions, and whether it is a repeat."""

    body: dict[str, Any]
    atiende: dict[str, Any] = field(default_factory=dict)
    repeat: bool = False


def _who(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.username, "extension": user.extension, "name": user.display_name}


def _contact_part(row: Contact | None) -> dict[str, Any]:
    if row is None:
        return {"contact": None, "state": None}
    return {"contact": row.pk, "state": row.state}



@single_writer
def handle_event(*, event: GenericEvent, token: ApiToken | None = None) -> Reply:
    """Carry out one event (one transaction), or give back the stored reply if it was handled already."""
    try:
        return _handle_once(event, token)
    except (IntegrityError, InputError) as exc:
        # The same newCall raced in twice: the other request committed first, so this
        # one hit either the unique callId or the contact it had just created.
        # Answer as the first one did.
        if isinstance(exc, InputError) and exc.code != "duplicate_call":
            raise
        stored = _stored(GenericCall.objects.filter(call_id=event.call_id).first(), event.event)
        if stored is None:
            raise
        return stored


def _stored(call: GenericCall | None, event: str) -> Reply | None:
    if call is None or event not in call.replies:
        return None
    kept = call.replies[event]
    return Reply(body=kept["body"], atiende=kept["atiende"], repeat=True)


def _handle_once(event: GenericEvent, token: ApiToken | None) -> Reply:
    with transaction.atomic(), locking.without_savepoints():
        call = GenericCall.objects.select_for_update().filter(call_id=event.call_id).first()
        stored = _stored(call, event.event)
        if stored is not None:
            return stored  # idempotent: a repeat changes nothing and gets the same reply
        if event.event == "newCall":
            if call is not None:  # cannot happen: the newCall reply is stored with the row
                raise InputError("duplicate_call", _("A call with this callId already exists."), status=409)
            call, reply = _new_call(event, token)
        else:
            if call is None:
                raise InputError("unknown_call", _("No call has the callId %(id)s; send newCall first.")
                                 % {"id": event.call_id}, status=404, field="callId", rule="CH-TEL")
            handler = _answer if event.event == "answer" else _hangup
            reply = handler(call, event)
        call.last_event = event.event
        call.replies = {**call.replies, event.event: {"body": reply.body, "atiende": reply.atiende}}
        call.save()
        return reply


def _new_call(event: GenericEvent, token: ApiToken | None) -> tuple[GenericCall, Reply]:
    call = GenericCall(call_id=event.call_id, token=token, direction=event.direction, caller=event.from_,
                       callee=event.to, queue=event.queue, users=list(event.users), last_event="newCall")
    if event.direction == "out":
        # A technician dials from their desk phone: the outbound contact is theirs from the dial (busy, offered
        # nothing else, never routed to anyone: contact.services.calls.desk_dial). Nobody waits (no PO-2), and
        # one nobody answers ends not reached, never an abandoned call. A dial no technician can be named for
        # (no user[], a from that is no one's extension) stays a record of the protocol until its answer names one.
        call.technician = _technician_from("", event.users) or directory.find_technician(event.from_)
        row = None
        if call.technician is not None:
            directory.require_new_call(_external_id(event.call_id), field="callId")
            row = contact_calls.desk_dial(
                queue=directory.queue_for(event.queue, unknown_is_first=True), technician=call.technician,
                caller=event.from_, callee=event.to, external_id=_external_id(event.call_id),
                customer_id=selectors.customer_for_caller(event.to))
            call.contact = row
        call.save()
        if row is None:
            return call, _no_technician_named(call, event)
        return call, Reply(body={}, atiende={"action": "dial", "technician": _who(call.technician),
                                             **_contact_part(row)})
    block = directory.blocked_by(event.from_)
    if block is not None:
        # The protocol's answer for a blocked caller; the PBX still sends the hangup.
        call.outcome = CallOutcome.REJECTED
        call.save()
        return call, Reply(body={"action": "reject", "reason": "busy"},
                           atiende=directory.rejection(block))
    queue = directory.queue_for(event.queue, unknown_is_first=True)
    directory.require_new_call(_external_id(event.call_id), field="callId")
    routed = contact_routing.create_contact(
        queue=queue, direction="inbound", caller=event.from_, callee=event.to,
        external_id=_external_id(event.call_id),
        customer_id=selectors.customer_for_caller(event.from_))  # their organisation's policy applies
    call.contact = routed.contact
    call.save()
    decision = routed.decision
    reason = None
    if decision is not None:
        reason = decision.reason_en if (get_language() or "es").startswith("en") else decision.reason_es
    return call, Reply(body={}, atiende={
        "action": "ring" if routed.technician else "queue", "technician": _who(routed.technician),
        "reason": reason, "queue": queue.name, **_contact_part(routed.contact)})


def _no_technician_named(call: GenericCall, event: GenericEvent) -> Reply:
    """An outgoing call whose dialler Atiende cannot name: kept (its answer may name them), never a silent
    nothing. The protocol's body stays ``{}`` (a PBX connector expects it), Atiende's part and the
    ``X-Atiende-Error`` header say why, and the log keeps it for whoever configures the PBX."""
    named = ", ".join(event.users) or "-"
    message = _("No technician is known for this outgoing call: neither user[] (%(users)s) nor the extension in "
                "from (%(from)s) is anyone's. It is kept, with no contact, until its answer names the technician "
                "(answeringNumber or user[]).") % {"users": named, "from": event.from_ or "-"}
    log.warning("generic CTI newCall out %s: no technician known (user[] %s, from %s); kept without a contact",
                call.call_id, named, event.from_ or "-")
    return Reply(body={}, atiende={"action": "none", "technician": None,
                                   **error_body("unknown_technician", message, "CH-TEL"), **_contact_part(None)})


def _answer(call: GenericCall, event: GenericEvent) -> Reply:
    if call.outcome == CallOutcome.REJECTED:
        raise InputError("rejected_call", _("This call was rejected (blocked caller); it cannot be answered."),
                         status=409, rule="CH-TEL")
    if call.last_event == "hangup":
        raise InputError("call_over", _("This call has already hung up."), status=409, rule="CH-TEL")
    technician = _technician_from(event.answering_number, event.users)
    if call.direction == "out" and call.contact is None:
        technician = technician or call.technician
        if technician is None:
            raise InputError("technician_required", _("Name the technician who placed the call "
                                                      "(answeringNumber or user)."),
                             field="answeringNumber", rule="CH-TEL")
        directory.require_new_call(_external_id(call.call_id), field="callId")
        routed = contact_routing.create_contact(
            queue=directory.queue_for(call.queue, unknown_is_first=True), direction="outbound", caller=call.caller,
            callee=call.callee,
            external_id=_external_id(call.call_id), route=False,
            customer_id=selectors.customer_for_caller(call.callee))
        call.contact = routed.contact
    row = call.contact
    assert row is not None  # inbound calls that were not rejected always have their contact
    row.refresh_from_db()
    if row.state in UNANSWERED:
        # With group ringing another phone may pick up than the one Atiende rang: the contact
        # service ends that offer (and rings the freed technician with a waiting call).
        outcome = contact_calls.answer(contact_id=row.pk, technician_id=technician.pk if technician else None,
                                          from_pbx=True)
        row = outcome.contact
    elif row.state in IN_CONVERSATION:
        # Answered already (in the console, or the PBX reports the answer late): fine if it is the same person.
        if technician is not None and technician.pk != row.assignee_id:
            raise InputError("answered_by_someone_else", _("Another technician has already answered this call."),
                             status=409, rule="CH-TEL")
    else:
        raise InputError("call_over", _("This call has already ended."), status=409, rule="CH-TEL")
    assignee = User.objects.filter(pk=row.assignee_id).first() if row.assignee_id is not None else None
    call.technician = assignee
    return Reply(body={}, atiende={"action": "connect", "technician": _who(assignee), **_contact_part(row)})


def _hangup(call: GenericCall, event: GenericEvent) -> Reply:
    call.cause = event.cause
    row = call.contact
    if call.outcome == CallOutcome.REJECTED:
        return Reply(body={}, atiende={"action": "none", "outcome": call.outcome, **_contact_part(None)})
    if row is None:  # an outgoing call nobody answered
        call.outcome = CallOutcome.MISSED
        return Reply(body={}, atiende={"action": "none", "outcome": call.outcome, **_contact_part(None)})
    row.refresh_from_db()
    if row.state in UNANSWERED and event.cause == "normalClearing" and event.answering_number:
        # A normal end that names who answered: the PBX sent no answer event (some skip it), but the
        # call was taken. Record the answer now, so it counts as answered (talking time unknown: 0).
        technician = directory.find_technician(event.answering_number)
        if technician is not None:
            row = contact_calls.answer(contact_id=row.pk, technician_id=technician.pk, from_pbx=True).contact
    if row.state in UNANSWERED or row.state in IN_CONVERSATION:
        answered = row.state in IN_CONVERSATION
        cause = CAUSES[event.cause]
        if not answered and call.direction == "out":
            # The technician's own dial ended before anyone answered: not reached, whoever hung up.
            cause = "no_answer" if event.cause in CALLER_GAVE_UP else cause
        outcome = contact_calls.hang_up(contact_id=row.pk, cause=cause)
        row = outcome.contact
        if answered:
            call.outcome = CallOutcome.ENDED
        elif call.direction == "out":
            call.outcome = CallOutcome.MISSED  # an outgoing call nobody answered: not an abandoned one
        elif event.cause in CALLER_GAVE_UP:
            call.outcome = CallOutcome.ABANDONED  # PO-2: the caller gave up waiting
        else:
            call.outcome = CallOutcome.MISSED
    else:
        # Hung up from the console already (the PBX reports it after), or a dial that timed out: nothing to do.
        call.outcome = (CallOutcome.ENDED if row.answered_at
                        else CallOutcome.MISSED if call.direction == "out" else CallOutcome.ABANDONED)
    assignee = User.objects.filter(pk=row.assignee_id).first() if row.assignee_id else None
    return Reply(body={}, atiende={"action": "none", "outcome": call.outcome, "technician": _who(assignee),
                                   **_contact_part(row)})

