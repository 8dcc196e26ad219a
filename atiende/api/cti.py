"""CTI: a PBX or telephony platform posts call events; Atiende answers with its decision.

Every event carries an idempotency ``id``: the first time it is processed and
the answer stored; a repeat (a retry after a timeout, a duplicate) changes
nothing and gets the very same answer, status included. See docs/cti.md.
"""

from __future__ import annotations

import time
from typing import Any, Literal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from atiende.api.errors import ApiError, error_body
from atiende.contact import selectors
from atiende.contact.models import HUNG_UP, IN_CONVERSATION, Contact
from atiende.contact.services import calls, locking, routing
from atiende.db import single_writer
from atiende.errors import InputError
from atiende.people.models import ApiToken, User
from atiende.people.roles import STAFF, is_admin, role_filter
from atiende.practices import Refusal
from atiende.telephony.models import CtiEvent

PREFIX = "cti"
router = Router(tags=["telephony (CTI)"])

EventType = Literal["new_call", "answered", "hold", "resumed", "transfer", "hangup"]


class CtiEventIn(Schema):
    id: str = Field(..., min_length=1, max_length=120, description="Idempotency id, unique per event")
    type: EventType
    call_id: str = Field(..., min_length=1, max_length=120, description="The PBX's id for the call")
    direction: Literal["inbound", "outbound"] = "inbound"
    from_: str = Field("", alias="from", max_length=80)
    to: str = Field("", max_length=80)
    queue: str | None = Field(None, max_length=60, description="new_call: the queue (default: the first)")
    level2_requested: bool = Field(False, description="new_call: the caller asked for level 2 (CT-ENT)")
    skills: list[str] = Field(default_factory=list, max_length=20)
    technician: str | None = Field(None, max_length=150, description="extension or username")
    reason: str = Field("", max_length=500)
    customer_consent: bool = False
    expected_minutes: float | None = None
    purpose: str = Field("", max_length=500)
    to_technician: str | None = Field(None, max_length=150, description="transfer: extension or username")
    to_queue: str | None = Field(None, max_length=60)
    cause: str = Field("normal", max_length=60)


def _require_telephony(request: HttpRequest) -> User:
    token: ApiToken | None = getattr(request, "auth_token", None)
    user: User = request.user  # type: ignore[assignment]
    if token is None:
        raise ApiError(403, "token_required", _("Telephony events need a bearer token."), "CH-TEL")
    if token.kind != ApiToken.Kind.CTI and not is_admin(user):
        raise ApiError(403, "forbidden", _("This token may not send telephony events."), "CH-TEL")
    return user


def _technician(ref: str | None, field: str) -> User:
    if not ref:
        raise InputError("technician_required", _("Name the technician (extension or username)."), field=field)
    user = (User.objects.filter(role_filter(STAFF), is_active=True)
            .filter(Q(extension=ref) | Q(username=ref)).first())
    if user is None:
        raise InputError("unknown_technician", _("No technician has the extension or username %(ref)s.")
                         % {"ref": ref}, status=404, field=field)
    return user


def _who(user: User | int | None) -> dict[str, Any] | None:
    """How the PBX knows a technician. Ids are looked up at most once a minute per process."""
    if user is None:
        return None
    if isinstance(user, User):
        return {"id": user.pk, "username": user.username, "extension": user.extension}
    cached = _WHO.get(user)
    if cached is None or cached[0] < time.monotonic():
        found = User.objects.filter(pk=user).values("id", "username", "extension").first()
        cached = (time.monotonic() + 60, dict(found) if found is not None else None)
        _WHO[user] = cached
    return cached[1]


_WHO: dict[int, tuple[float, dict[str, Any] | None]] = {}


def _handle(event: CtiEventIn) -> dict[str, Any]:
    language = get_language() or "es"
    if event.type == "new_call":
        if Contact.objects.filter(external_id=event.call_id).exists():
            raise InputError("duplicate_call", _("A call with this id already exists."), status=409,
                             field="call_id")
        queue = event.queue
        if not queue:
            from atiende.contact.models import Queue

            first = Queue.objects.order_by("pk").first()
            if first is None:
                raise InputError("no_queue", _("Create a queue first."), status=409, rule="CH-TEL")
            queue = first.name
        # The customer on the line (the caller; the callee of an outbound call), for their organisation's policy.
        customer = selectors.customer_for_caller(event.from_ if event.direction == "inbound" else event.to)
        routed = routing.create_contact(
            queue=queue, direction=event.direction, caller=event.from_, callee=event.to, external_id=event.call_id,
            level2_requested=event.level2_requested, required_skills=event.skills, customer_id=customer)
        decision = routed.decision
        reason = None
        if decision is not None:
            reason = decision.reason_en if language.startswith("en") else decision.reason_es
        row = routed.contact
        return {"action": "ring" if routed.technician else "queue", "technician": _who(routed.technician),
                "reason": reason, **_state(row)}
    with locking.call_locked(event.call_id) as row:  # one query locks the call for the action below
        return _act_on(row, event)


def _act_on(row: Contact, event: CtiEventIn) -> dict[str, Any]:
    if event.type == "answered":
        who = _technician(event.technician, "technician") if event.technician else None
        if row.state in IN_CONVERSATION and (who is None or who.pk == row.assignee_id):
            # Answered already (in the console first): the PBX confirms what Atiende knows.
            return {"action": "connect", "technician": _who(row.assignee_id), **_state(row)}
        # The PBX is the source of truth: a ring group or call pickup may let another phone answer.
        outcome = calls.answer(contact_id=row.pk, technician_id=who.pk if who else None, from_pbx=True)
        return {"action": "connect", "technician": _who(outcome.contact.assignee_id), **_state(outcome.contact)}
    if event.type == "hold":
        outcome = calls.put_on_hold(contact_id=row.pk, user=None, reason=event.reason,
                                       customer_consent=event.customer_consent,
                                       expected_minutes=event.expected_minutes)
        return {"action": "hold", "technician": _who(outcome.contact.assignee_id), **_state(outcome.contact)}
    if event.type == "resumed":
        outcome = calls.resume(contact_id=row.pk, user=None)
        return {"action": "resume", "technician": _who(outcome.contact.assignee_id), **_state(outcome.contact)}
    if event.type == "transfer":
        target = _technician(event.to_technician, "to_technician") if event.to_technician else None
        outcome = calls.request_transfer(
            contact_id=row.pk, user=None, purpose=event.purpose, customer_consent=event.customer_consent,
            to_technician=target.pk if target else None, to_queue=event.to_queue)
        # TR-4: consult the receiver; the call stays where it is until they accept.
        return {"action": "consult", "technician": _who(outcome.contact.assignee_id), "consult": _who(target),
                **_state(outcome.contact)}
    if row.state in HUNG_UP:
        # Hung up already (in the console first, or a repeat under a new id): nothing left to do.
        return {"action": "none", "technician": _who(row.assignee_id), **_state(row)}
    outcome = calls.hang_up(contact_id=row.pk, cause=event.cause)
    return {"action": "none", "technician": _who(outcome.contact.assignee_id), **_state(outcome.contact)}


def _state(row: Contact) -> dict[str, Any]:
    return {"contact": row.pk, "state": row.state}


@router.post("/events", summary="Post a call event (idempotent by id); the answer is Atiende's decision")
def post_event(request: HttpRequest, event: CtiEventIn) -> HttpResponse:
    from atiende.api import api

    _require_telephony(request)
    stored = CtiEvent.objects.filter(event_id=event.id).only("status", "response").first()
    if stored is None:
        try:
            stored = _process(event)
        except IntegrityError:
            # The same id raced in twice (a twin got there first, committed or not: the unique
            # index made this one wait): the twin's answer is stored; answer as it did.
            stored = CtiEvent.objects.filter(event_id=event.id).only("status", "response").first()
            if stored is None:
                # Another event (its own id) created the same call meanwhile: once more, now seeing
                # that call, this one gets its own stored answer (409 duplicate_call).
                stored = _process(event)
    return api.create_response(request, stored.response, status=stored.status)


@single_writer
def _process(event: CtiEventIn) -> CtiEvent:
    """Process the event and store its answer in one transaction: acknowledged means stored.

    A twin of the same id that slipped past the lookup in ``post_event`` runs
    here too, then fails on the unique event id when storing its answer, and its
    whole transaction (whatever it changed) rolls back.
    """
    try:
        with transaction.atomic(), locking.without_savepoints():
            body = {"id": event.id, "call_id": event.call_id, **_handle(event)}
            return _store(event, 200, body)
    except Refusal as exc:
        status, body = exc.status, error_body(exc.code, exc.message(get_language() or "es"), exc.rule)
    except InputError as exc:
        status, body = exc.status, error_body(exc.code, str(exc.message), exc.rule)
    # The refused event changed nothing (its transaction rolled back); remember the refusal itself.
    with transaction.atomic():
        return _store(event, status, {"id": event.id, "call_id": event.call_id, **body})


def _store(event: CtiEventIn, status: int, body: dict[str, Any]) -> CtiEvent:
    return CtiEvent.objects.create(event_id=event.id, kind=event.type, payload=event.model_dump(by_alias=True),
                                   status=status, response=body, contact_id=body.get("contact"))
