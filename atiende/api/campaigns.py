"""Outbound campaigns (CH-PRO): build a campaign and its list, work it in preview mode, the do-not-call list.

Supervisors and administrators create campaigns, import CSV lists, add customers by a filter
and change them; technicians (and supervisors) take the next person, dial and record the
outcome. A campaign is seen by the users who may know of its queue (ET-4); another team's
campaign, person or list answers as a missing one. Refusals name their rule: CH-PRO for the
campaign's own (do not call, calling hours, a call-back time), ET-4 for who may act.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile

from atiende.api.errors import ApiError
from atiende.api.ids import Id
from atiende.api.permissions import require_role
from atiende.campaigns import selectors
from atiende.campaigns.models import Attempt, Campaign, RejectedRow, Target
from atiende.campaigns.services import campaigns, do_not_call, lists, preview
from atiende.campaigns.services.checks import seen_campaign
from atiende.people.roles import MANAGERS, STAFF

PREFIX = "campaigns"
router = Router(tags=["campaigns"])


def _language() -> str:
    return (get_language() or "es")[:2]


def campaign_view(campaign: Campaign, *, with_progress: bool = True) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": campaign.pk, "name": campaign.name, "queue": campaign.queue.name, "purpose": campaign.purpose,
        "status": campaign.status, "script": campaign.script, "script_findings": campaign.script_findings,
        "calling_from": campaign.calling_from.isoformat(timespec="minutes"),
        "calling_until": campaign.calling_until.isoformat(timespec="minutes"),
        "calling_days": campaign.calling_days, "max_attempts": campaign.max_attempts,
        "retry_minutes": campaign.retry_minutes, "technicians": sorted(campaign.technicians.values_list("pk", flat=True)),
        "created_at": campaign.created_at.isoformat(),
    }
    if with_progress:
        view["progress"] = selectors.progress(campaign)
    return view


def person_view(target: Target) -> dict[str, Any]:
    return {"id": target.pk, "campaign": target.campaign_id, "line": target.line, "name": target.name,
            "address_as": target.address_as, "phone": target.phone, "number": target.number,
            "customer": target.customer_id, "zones": target.zone_list, "zone_source": target.zone_source,
            "note": target.note, "status": target.status, "attempts": target.attempts,
            "next_attempt_at": target.next_attempt_at.isoformat() if target.next_attempt_at else None,
            "last_outcome": target.last_outcome or None,
            "work_order": target.work_order.number if target.work_order_id and target.work_order else None,
            "held_by": target.held_by_id}


def attempt_view(attempt: Attempt) -> dict[str, Any]:
    return {"id": attempt.pk, "person": attempt.target_id, "technician": attempt.technician_id,
            "dialled_at": attempt.dialled_at.isoformat(), "outcome": attempt.outcome or None,
            "outcome_at": attempt.outcome_at.isoformat() if attempt.outcome_at else None,
            "call_back_at": attempt.call_back_at.isoformat() if attempt.call_back_at else None,
            "note": attempt.note, "contact": attempt.contact_id}


class CampaignIn(Schema):
    name: str = Field(..., max_length=200)
    queue: str = Field(..., max_length=60, description="The queue whose team runs the campaign (ET-4)")
    purpose: str = Field("", max_length=600)
    script: str = Field("", max_length=10_000, description="Checked by the language assistant (findings returned)")
    calling_from: time | None = Field(None, description="Earliest local time of the person called (default 09:00)")
    calling_until: time | None = Field(None, description="Latest local time, excluded (default 20:00)")
    calling_days: list[int] | None = Field(None, description="Weekdays 0 (Monday) to 6 (default Monday-Friday)")
    max_attempts: int | None = Field(None, description="Tries when nobody answers (default 3)")
    retry_minutes: int | None = Field(None, description="Minutes between tries (default 120)")
    technicians: list[int] | None = Field(None, description="User ids who work the list; none: the queue's")


class CampaignChange(Schema):
    name: str | None = Field(None, max_length=200)
    purpose: str | None = Field(None, max_length=600)
    script: str | None = Field(None, max_length=10_000)
    status: Literal["draft", "active", "paused", "finished"] | None = None
    calling_from: time | None = None
    calling_until: time | None = None
    calling_days: list[int] | None = None
    max_attempts: int | None = None
    retry_minutes: int | None = None
    technicians: list[int] | None = None


@router.post("", response={201: dict[str, Any]}, summary="Create a campaign (a draft until started)")
def create(request: HttpRequest, body: CampaignIn) -> Status:
    user = require_role(request, MANAGERS)
    settings = {k: v for k, v in body.dict().items() if k not in ("name", "queue", "purpose", "script")
                and v is not None}
    made = campaigns.create_campaign(actor=user, name=body.name, queue=body.queue, purpose=body.purpose,
                                     script=body.script, **settings)
    return Status(201, campaign_view(made))


@router.get("", summary="The campaigns you may see, newest first")
def list_campaigns(request: HttpRequest) -> list[dict[str, Any]]:
    user = require_role(request, STAFF)
    return [campaign_view(c) for c in selectors.visible_campaigns(user)[:200]]


@router.post("/{campaign_id}/import", summary="Add the people of a CSV file to the list, row by row")
def import_csv(request: HttpRequest, campaign_id: Id, file: File[UploadedFile]) -> dict[str, Any]:
    """Columns (header row, Spanish or English): ``nombre``, ``telefono`` (required), ``tratamiento``, ``pais``,
    ``zona_horaria``, ``cliente``, ``nota``; separated by ``;``, ``,`` or a tab; UTF-8 or Windows-1252.
    Every line that is not imported comes back in ``rejected`` with its problems (and is kept)."""
    user = require_role(request, STAFF)
    data = file.read(lists.MAX_FILE_BYTES + 1)
    result = lists.import_csv(actor=user, campaign_id=campaign_id, data=data, file_name=file.name or "")
    return result.as_dict(_language())


class CampaignFilterIn(Schema):
    kind: Literal["closed_last_week", "organisation"]
    organisation: int | None = Field(None, description="For kind=organisation: the organisation's id")
    days: int = Field(7, description="For kind=closed_last_week: how many days back")


@router.post("/{campaign_id}/filter", summary="Add the desk's customers a filter finds")
def add_by_filter(request: HttpRequest, campaign_id: Id, body: CampaignFilterIn) -> dict[str, Any]:
    user = require_role(request, STAFF)
    return lists.add_from_filter(actor=user, campaign_id=campaign_id, kind=body.kind,
                                 organisation=body.organisation, days=body.days).as_dict(_language())


@router.get("/{campaign_id}/contacts", summary="The people on the list, with where each stands")
def contacts(request: HttpRequest, campaign_id: Id, status: str | None = None, offset: int = 0,
             limit: int = 100) -> dict[str, Any]:
    campaign = seen_campaign(require_role(request, STAFF), campaign_id)
    rows = Target.objects.filter(campaign=campaign).select_related("work_order").order_by("id")
    if status:
        rows = rows.filter(status=status)
    limit, offset = max(1, min(limit, 1000)), max(0, offset)
    return {"count": rows.count(), "offset": offset, "contacts": [person_view(t) for t in rows[offset:offset + limit]]}


@router.get("/{campaign_id}/rejected", summary="The CSV lines that were not imported, with their problems")
def rejected(request: HttpRequest, campaign_id: Id) -> list[dict[str, Any]]:
    campaign = seen_campaign(require_role(request, STAFF), campaign_id)
    language = _language()
    return [{"line": r.line, "raw": r.raw, "file": r.file_name,
             "problems": [{"field": p["field"], "code": p["code"], "message": p["en" if language == "en" else "es"]}
                          for p in r.problems]}
            for r in RejectedRow.objects.filter(campaign=campaign).order_by("id")[:5000]]


def _card_view(target: Target, request: HttpRequest) -> dict[str, Any]:
    user = require_role(request, STAFF)
    card = preview.card(target, user=user, language=_language())
    return {"person": person_view(target), "opening": card.opening, "local_time": card.local_time,
            "zones": card.zones, "script": target.campaign.script,
            "history": [{**h, "created_at": h["created_at"].isoformat(),
                         "closed_at": h["closed_at"].isoformat() if h["closed_at"] else None} for h in card.history],
            "tries": [{**t, "at": t["at"].isoformat()} for t in card.tries]}


class NextPersonIn(Schema):
    campaign: int | None = Field(None, description="Only this campaign's people; none: any you work")


@router.post("/next", summary="Preview mode: the next person to call, held for you, with their card (PH-5)")
def next_person(request: HttpRequest, body: NextPersonIn) -> dict[str, Any]:
    """404 ``nobody_to_call``: nobody is due now (the rest wait for their hours, a retry or a call-back)."""
    user = require_role(request, STAFF)
    target = preview.next_person(user=user, campaign_id=body.campaign)
    if target is None:
        raise ApiError(404, "nobody_to_call", _("Nobody is due to be called now."), rule="CH-PRO")
    return _card_view(target, request)


@router.post("/contacts/{person_id}/dial", summary="Dial the person on your screen (through the PBX)")
def dial(request: HttpRequest, person_id: Id) -> dict[str, Any]:
    """409 ``do_not_call``, ``outside_calling_hours``, ``not_yours_to_call``, ``campaign_not_active`` (CH-PRO)."""
    return attempt_view(preview.dial(user=require_role(request, STAFF), target_id=person_id))


class CampaignOutcomeIn(Schema):
    outcome: Literal["reached", "no_answer", "call_back", "refused", "wrong_number"]
    note: str = Field("", max_length=5000)
    call_back_at: datetime | None = Field(None, description="For call_back: when (ISO 8601 with its zone)")
    work_order: int | None = Field(None, description="For reached: the work order the call is about; none: a new one")
    do_not_call: bool = Field(False, description="The person asked not to be called again")


@router.post("/contacts/{person_id}/outcome", summary="Record what came of the call")
def outcome(request: HttpRequest, person_id: Id, body: CampaignOutcomeIn) -> dict[str, Any]:
    attempt = preview.record_outcome(user=require_role(request, STAFF), target_id=person_id, outcome=body.outcome,
                                     note=body.note, call_back_at=body.call_back_at, work_order=body.work_order,
                                     add_to_do_not_call=body.do_not_call)
    return attempt_view(attempt)


@router.post("/contacts/{person_id}/release", summary="Let the person on your screen go without calling")
def release(request: HttpRequest, person_id: Id) -> dict[str, Any]:
    return person_view(preview.release(user=require_role(request, STAFF), target_id=person_id))


class DoNotCallIn(Schema):
    number: str = Field(..., max_length=60)
    reason: str = Field("", max_length=300)


@router.post("/do-not-call", response={201: dict[str, Any]}, summary="Put a number on the do-not-call list")
def add_do_not_call(request: HttpRequest, body: DoNotCallIn) -> Status:
    entry = do_not_call.add_number(actor=require_role(request, STAFF), number=body.number, reason=body.reason)
    return Status(201, {"number": entry.number, "reason": entry.reason, "added_at": entry.added_at.isoformat()})


@router.delete("/do-not-call/{phone}", response={204: None}, summary="Take a number off the do-not-call list")
def remove_do_not_call(request: HttpRequest, phone: str) -> Status:
    do_not_call.remove_number(actor=require_role(request, STAFF), number=phone)
    return Status(204, None)


# Last: /{campaign_id} would otherwise take /next, /contacts/... and /do-not-call for a campaign's id.
@router.get("/{campaign_id}", summary="A campaign, with its progress")
def get_campaign(request: HttpRequest, campaign_id: Id) -> dict[str, Any]:
    return campaign_view(seen_campaign(require_role(request, STAFF), campaign_id))


@router.patch("/{campaign_id}", summary="Change a campaign: script, hours, tries, technicians, status")
def change(request: HttpRequest, campaign_id: Id, body: CampaignChange) -> dict[str, Any]:
    user = require_role(request, STAFF)
    return campaign_view(campaigns.update_campaign(actor=user, campaign_id=campaign_id, **body.dict()))
