"""Contact center: live contacts and the actions on them, technicians' state, alerts, queues.

Refusals cite the practice: a hold without consent is a 409 with rule HO-3, a
transfer without purpose a 409 with TR-2, and so on (see docs/cti.md).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from atiende.api.errors import ApiError
from atiende.api.ids import Id
from atiende.api.permissions import require_role
from atiende.contact import clock, selectors
from atiende.contact import selectors as contact_selectors
from atiende.contact.models import Contact, TechnicianState
from atiende.contact.services import alerts as contact_alerts
from atiende.contact.services import availability, routing
from atiende.contact.services import calls as contact_calls
from atiende.contact.services import queues as contact_queues
from atiende.contact.services import technicians as contact_technicians
from atiende.people.roles import ADMINS, MANAGERS, STAFF, is_manager
from atiende.telephony import callbacks

PREFIX = "contacts"
router = Router(tags=["contact center"])


def _lang() -> str:
    return get_language() or "es"


def _visible(request: HttpRequest, contact_id: Id) -> Contact:
    user = require_role(request, STAFF)
    row = Contact.objects.select_related("queue").filter(pk=contact_id).first()
    # ET-4: a supervisor outside the contact's queue team gets the same 404 as for a missing id.
    if row is None or (is_manager(user) and not selectors.manager_may_see(user, contact_id)):
        raise ApiError(404, "not_found", _("There is no contact %(id)s.") % {"id": contact_id})
    if not is_manager(user):
        transfer = (row.data or {}).get("transfer") or {}
        involved = {row.assignee_id, row.offered_to_id, transfer.get("to_technician")}
        if user.pk not in involved and not transfer.get("to_queue"):
            # ET-4: another technician's call answers as a missing one, so ids cannot be probed.
            raise ApiError(404, "not_found", _("There is no contact %(id)s.") % {"id": contact_id})
    return row


def _view(outcome_or_row: Any) -> dict[str, Any]:
    row = getattr(outcome_or_row, "contact", outcome_or_row)
    row = Contact.objects.select_related("queue").get(pk=row.pk)
    return selectors.contact_view(row, language=_lang())


class HoldIn(Schema):
    reason: str = Field("", max_length=500, description="HO-2: why the call goes on hold, as told to the customer")
    customer_consent: bool = Field(False, description="HO-3: the customer agreed")
    expected_minutes: float | None = Field(None, description="HO-4: minutes announced to the customer")


class TransferIn(Schema):
    purpose: str = Field("", max_length=500, description="TR-2: the purpose, as explained to the customer")
    customer_consent: bool = Field(False, description="TR-3: the customer agreed")
    to_technician: Id | None = Field(None, description="user id of the receiving technician")
    to_queue: str | None = Field(None, max_length=60, description="or a queue whose technicians may accept")


class ReasonIn(Schema):
    reason: str = Field("", max_length=500)


class SuperviseIn(Schema):
    mode: str = Field(..., description="join | take_over | coach")


class HangUpIn(Schema):
    cause: str = Field("normal", max_length=60)


class PolicyIn(Schema):
    policy: dict[str, float] = Field(default_factory=dict, description="PO overrides, e.g. max_call_seconds")


class QueueIn(Schema):
    label: str = Field("", max_length=120)
    tiers: list[int] = Field(default_factory=lambda: [1, 2], max_length=9)
    skills: list[str] = Field(default_factory=list, max_length=50)
    policy: dict[str, float] = Field(default_factory=dict, description="PO overrides, e.g. max_wait_seconds")
    team: Id | None = Field(None, description="ET-4: id of the team whose supervisors see it; none: shared")


# ---- lists (static paths first) -------------------------------------------------

@router.get("", summary="Live contacts (mine; my teams' queues and shared queues for supervisors; all for admins)")
def list_contacts(request: HttpRequest) -> list[dict[str, Any]]:
    user = require_role(request, STAFF)
    return [selectors.contact_view(c, language=_lang()) for c in selectors.visible_contacts(user)[:200]]


@router.get("/alerts", summary="Open alerts (mine; my teams' for supervisors; all for administrators)")
def list_alerts(request: HttpRequest, include_acknowledged: bool = False) -> list[dict[str, Any]]:
    user = require_role(request, STAFF)
    qs = selectors.visible_alerts(user, open_only=not include_acknowledged)[:200]
    return [selectors.alert_view(a, language=_lang()) for a in qs]


@router.post("/alerts/{alert_id}/acknowledge", summary="Acknowledge an alert")
def acknowledge(request: HttpRequest, alert_id: Id) -> dict[str, Any]:
    user = require_role(request, STAFF)
    return selectors.alert_view(contact_alerts.acknowledge_alert(alert_id=alert_id, user=user), language=_lang())


@router.get("/technicians", summary="Technicians' live state (supervisors)")
def list_technicians(request: HttpRequest) -> list[dict[str, Any]]:
    user = require_role(request, MANAGERS)
    return [selectors.technician_view(t) for t in selectors.visible_technician_states(user)]


@router.get("/technicians/me", summary="My state")
def my_state(request: HttpRequest) -> dict[str, Any]:
    user = require_role(request, STAFF)
    row = contact_technicians.technician_state(user)
    row = TechnicianState.objects.select_related("user").get(pk=row.pk)
    return selectors.technician_view(row)


@router.post("/technicians/me/pause", summary="Pause (en pausa), with a reason")
def pause(request: HttpRequest, payload: ReasonIn) -> dict[str, Any]:
    user = require_role(request, STAFF)
    availability.pause(user=user, reason=payload.reason)
    return my_state(request)


@router.post("/technicians/me/available", summary="Ready for calls (disponible)")
def available(request: HttpRequest) -> dict[str, Any]:
    user = require_role(request, STAFF)
    availability.make_available(user=user)
    return my_state(request)


@router.post("/claim", summary="Take the oldest waiting contact (pull mode)")
def claim(request: HttpRequest, queue: str | None = None) -> dict[str, Any]:
    """404 ``queue_empty``: nobody is waiting; 404 ``none_you_can_take``: calls are waiting, but none this
    technician may take now (their queues, the tiers open for the call, the skills it needs; PO-2)."""
    user = require_role(request, STAFF)
    row = routing.claim_next_contact(user=user, queue=queue)
    if row is None:
        raise ApiError(404, "queue_empty", _("Nobody is waiting."))
    return _view(row)


@router.get("/queues", summary="Queues with tiers, skills and policies (those of my scope: ET-4)")
def list_queues(request: HttpRequest) -> list[dict[str, Any]]:
    user = require_role(request, STAFF)  # ET-4: the queues of the user's scope, not another team's
    return [{"name": q.name, "label": q.label, "tiers": q.tiers, "skills": q.skills, "policy": q.policy,
             "team": q.team_id, "effective_policy": contact_selectors.policy_for(q).as_dict()}
            for q in contact_selectors.visible_queues(user).order_by("name")]


@router.put("/queues/{name}", summary="Create or change a queue (administrators)")
def put_queue(request: HttpRequest, name: str, payload: QueueIn) -> dict[str, Any]:
    require_role(request, ADMINS)
    q = contact_queues.save_queue(name=name, label=payload.label, tiers=payload.tiers, skills=payload.skills,
                            policy=dict(payload.policy), team_id=payload.team)
    return {"name": q.name, "label": q.label, "tiers": q.tiers, "skills": q.skills, "policy": q.policy,
            "team": q.team_id, "effective_policy": contact_selectors.policy_for(q).as_dict()}


@router.put("/organisations/{organisation_id}/policy", summary="An organisation's call policies (administrators)")
def put_organisation_policy(request: HttpRequest, organisation_id: Id, payload: PolicyIn) -> dict[str, Any]:
    require_role(request, ADMINS)
    from atiende.desk.models import Organisation

    if not Organisation.objects.filter(pk=organisation_id).exists():
        raise ApiError(404, "not_found", _("There is no such organisation."))
    row = contact_queues.set_organisation_policy(organisation_id=organisation_id, policy=dict(payload.policy))
    return {"organisation": organisation_id, "policy": row.policy}


@router.get("/stats", summary="Board figures for today: waits, abandonment, holds, transfer rate (supervisors)")
def board_stats(request: HttpRequest, hours: float = 24) -> dict[str, Any]:
    user = require_role(request, MANAGERS)
    if not 0 < hours <= 24 * 31:
        raise ApiError(400, "invalid_period", _("hours must be between 0 and 744."))
    return selectors.stats(since=clock.now() - timedelta(hours=hours), user=user)  # ET-4: their scope


# ---- one contact ---------------------------------------------------------------

@router.get("/{contact_id}", summary="A contact: state, timers, alerts")
def get_contact(request: HttpRequest, contact_id: Id) -> dict[str, Any]:
    return selectors.contact_view(_visible(request, contact_id), language=_lang())


@router.get("/{contact_id}/events", summary="A contact's history")
def contact_events(request: HttpRequest, contact_id: Id) -> list[dict[str, Any]]:
    row = _visible(request, contact_id)
    return [{"kind": e.kind, "at": e.at, "rule": e.rule or None, "actor": e.actor_id, "data": e.data}
            for e in selectors.events_of(row)]


@router.post("/{contact_id}/answer", summary="Answer the call ringing at me")
def answer(request: HttpRequest, contact_id: Id) -> dict[str, Any]:
    row = _visible(request, contact_id)
    return _view(contact_calls.answer(contact_id=row.pk, user=require_role(request, STAFF)))


@router.post("/{contact_id}/decline", summary="Let the ringing call go back to the queue")
def decline(request: HttpRequest, contact_id: Id) -> dict[str, Any]:
    row = _visible(request, contact_id)
    return _view(contact_calls.decline_offer(contact_id=row.pk, user=require_role(request, STAFF)))


@router.post("/{contact_id}/callback/answered",
             summary="A call-back I dial by hand (no phone system): the customer answered (CH-PRO, PT-2)")
def callback_answered(request: HttpRequest, contact_id: Id) -> dict[str, Any]:
    row = _visible(request, contact_id)
    answered = callbacks.answered_by_hand(contact_id=row.pk, user=require_role(request, STAFF))
    return selectors.contact_view(answered, language=_lang())


@router.post("/{contact_id}/callback/unanswered",
             summary="A call-back I dial by hand (no phone system): nobody answered; it waits for its retry (PT-2)")
def callback_unanswered(request: HttpRequest, contact_id: Id) -> dict[str, Any]:
    row = _visible(request, contact_id)
    callback = callbacks.unanswered_by_hand(contact_id=row.pk, user=require_role(request, STAFF))
    row.refresh_from_db()
    return {**selectors.contact_view(row, language=_lang()), "callback": callbacks.describe(callback)}


@router.post("/{contact_id}/hold", summary="Put on hold (HO-2 reason, HO-3 consent, HO-4 minutes)")
def hold(request: HttpRequest, contact_id: Id, payload: HoldIn) -> dict[str, Any]:
    row = _visible(request, contact_id)
    return _view(contact_calls.put_on_hold(
        contact_id=row.pk, user=require_role(request, STAFF), reason=payload.reason,
        customer_consent=payload.customer_consent, expected_minutes=payload.expected_minutes))


@router.post("/{contact_id}/resume", summary="Back with the customer (records any HO-5 overrun)")
def resume(request: HttpRequest, contact_id: Id) -> dict[str, Any]:
    row = _visible(request, contact_id)
    return _view(contact_calls.resume(contact_id=row.pk, user=require_role(request, STAFF)))


@router.post("/{contact_id}/transfer", summary="Request a warm transfer (TR-2 purpose, TR-3 consent)")
def transfer(request: HttpRequest, contact_id: Id, payload: TransferIn) -> dict[str, Any]:
    row = _visible(request, contact_id)
    return _view(contact_calls.request_transfer(
        contact_id=row.pk, user=require_role(request, STAFF), purpose=payload.purpose,
        customer_consent=payload.customer_consent, to_technician=payload.to_technician, to_queue=payload.to_queue))


@router.post("/{contact_id}/transfer/accept", summary="Accept a transfer (TR-4)")
def accept(request: HttpRequest, contact_id: Id) -> dict[str, Any]:
    row = _visible(request, contact_id)
    return _view(contact_calls.accept_transfer(contact_id=row.pk, user=require_role(request, STAFF)))


@router.post("/{contact_id}/transfer/decline", summary="Decline a transfer: the call returns (TR-5)")
def decline_transfer(request: HttpRequest, contact_id: Id) -> dict[str, Any]:
    row = _visible(request, contact_id)
    return _view(contact_calls.decline_transfer(contact_id=row.pk, user=require_role(request, STAFF)))


@router.post("/{contact_id}/escalate", summary="Ask a supervisor for help (PO-5)")
def escalate(request: HttpRequest, contact_id: Id, payload: ReasonIn) -> dict[str, Any]:
    row = _visible(request, contact_id)
    return _view(contact_calls.escalate(contact_id=row.pk, user=require_role(request, STAFF), reason=payload.reason))


@router.post("/{contact_id}/supervise", summary="Supervisor joins, takes over or coaches (PO-5)")
def supervise(request: HttpRequest, contact_id: Id, payload: SuperviseIn) -> dict[str, Any]:
    require_role(request, MANAGERS)
    row = _visible(request, contact_id)
    return _view(contact_calls.supervise(contact_id=row.pk, user=require_role(request, MANAGERS), mode=payload.mode))


@router.post("/{contact_id}/hangup", summary="End the call (wrap-up follows)")
def hang_up(request: HttpRequest, contact_id: Id, payload: HangUpIn) -> dict[str, Any]:
    row = _visible(request, contact_id)
    return _view(contact_calls.hang_up(contact_id=row.pk, user=require_role(request, STAFF), cause=payload.cause))


@router.post("/{contact_id}/wrap-up", summary="Wrap-up done: ready for the next call")
def wrap_up(request: HttpRequest, contact_id: Id) -> dict[str, Any]:
    row = _visible(request, contact_id)
    return _view(contact_calls.finish_wrap_up(contact_id=row.pk, user=require_role(request, STAFF)))
