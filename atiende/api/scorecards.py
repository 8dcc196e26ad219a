"""Quality scorecards: cards of finished contacts, transcripts from telephony, calibration, trends.

ET-4: technicians see their own cards, supervisors their teams', administrators
all; a card someone may not see is a 404, the same as one that does not exist.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import WithJsonSchema

from atiende.api.auth import telephony_or_session_auth
from atiende.api.errors import ApiError
from atiende.api.ids import Id
from atiende.api.permissions import require_role
from atiende.people.models import User
from atiende.people.roles import STAFF
from atiende.scorecards import selectors, services

PREFIX = "scorecards"
router = Router(tags=["quality scorecards"])


def _lang() -> str:
    return get_language() or "es"


class UploadIn(Schema):
    transcript: dict[str, Any] = Field(..., description="A SPEC transcript: chat, email thread or walk-in notes")
    technician: Id | None = Field(None, description="user id of the technician (default: you)")
    work_order: Id | None = Field(None, description="number of the work order the contact belongs to")


# Documented shapes only: the service checks each turn itself, after the call (so another team's call answers as
# missing whatever was sent, issue 22 item 28), with an error naming the turn and the field.
class TranscriptTurn(Schema):
    """One turn of a call's transcript."""

    t: float = Field(..., ge=0, description="seconds since the call was answered")
    speaker: Literal["tecnico", "cliente"] = Field(..., description="who spoke")
    text: str = Field(..., min_length=1, max_length=services.MAX_TEXT, description="what was said (not blank)")
    end: float | None = Field(None, ge=0, description="seconds since the answer when the turn ended (not before t)")


class TranscriptCustomer(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    address_as: str | None = Field(None, max_length=60, description="how the customer asked to be addressed")


def _documented_as(schema: dict[str, Any]) -> WithJsonSchema:
    """The OpenAPI shape of a field whose value the service validates (pydantic's stays loose: the same input is
    accepted and refused as before, with the service's errors)."""
    return WithJsonSchema(schema)


class TurnsIn(Schema):
    turns: Annotated[list[dict[str, Any]], _documented_as({
        "type": "array", "minItems": 1, "maxItems": services.MAX_EVENTS,
        "items": TranscriptTurn.model_json_schema(),
    })] = Field(..., description="the turns, in time order (appended to those already stored)")
    customer: Annotated[dict[str, Any] | None, _documented_as({
        "anyOf": [TranscriptCustomer.model_json_schema(), {"type": "null"}],
    })] = Field(None, description="the customer, when known")


class OverrideIn(Schema):
    rule: str = Field(..., max_length=12)
    status: str = Field(..., max_length=8, description="met | missed | n/a")
    comment: str = Field(..., max_length=2000, description="why the supervisor corrects the scorer (required)")


class ScorecardAnswerIn(Schema):
    comment: str = Field("", max_length=2000)


def _summary(row: Any) -> dict[str, Any]:
    return {
        "id": row.pk, "contact": row.contact_id, "technician": row.technician_id,
        "technician_name": row.technician.display_name if row.technician else None,
        "channel": row.channel, "source": row.source, "scorer_score": row.score, "score": row.final_score,
        "scored_at": row.scored_at,
    }


@router.get("", summary="Scorecards I may see (mine; my teams' for supervisors; all for administrators)")
def list_scorecards(request: HttpRequest, technician: Id | None = None) -> list[dict[str, Any]]:
    user = require_role(request, STAFF)
    qs = selectors.visible_scorecards(user)
    if technician is not None:
        qs = qs.filter(technician_id=technician)
    return [_summary(row) for row in qs[:200]]


@router.post("", response={201: dict[str, Any]},
             summary="Score a chat, email thread or walk-in notes posted as a SPEC transcript")
def upload(request: HttpRequest, payload: UploadIn) -> Status:
    user = require_role(request, STAFF)
    row = services.score_transcript_upload(user=user, transcript=payload.transcript,
                                           technician_id=payload.technician, work_order_number=payload.work_order)
    return Status(201, selectors.scorecard_view(row, language=_lang()))


@router.post("/contacts/{contact_id}/transcript", auth=telephony_or_session_auth,
             summary="Attach transcript turns to a call (telephony or the technician); an ended call is scored")
def attach_transcript(request: HttpRequest, contact_id: Id, payload: TurnsIn) -> dict[str, Any]:
    user = require_role(request, STAFF)
    token = getattr(request, "auth_token", None)
    stored, card = services.attach_transcript(contact_id=contact_id, user=user, turns=payload.turns,
                                              customer=payload.customer, token_kind=getattr(token, "kind", None))
    return {"contact": contact_id, "turns": len(stored.turns), "scorecard": card.pk if card else None}


@router.get("/contacts/{contact_id}", summary="The scorecard of a call")
def contact_scorecard(request: HttpRequest, contact_id: Id) -> dict[str, Any]:
    user = require_role(request, STAFF)
    row = selectors.visible_scorecards(user).filter(contact_id=contact_id).first()
    if row is None:
        raise ApiError(404, "unknown_scorecard", _("This contact has no scorecard you may see."))
    return selectors.scorecard_view(row, language=_lang())


@router.get("/technicians/{user_id}/trend",
            summary="A technician's mean score per week or day and, per rule, how often it was met")
def trend(request: HttpRequest, user_id: Id, period: str = "week", days: int = 84) -> dict[str, Any]:
    user = require_role(request, STAFF)
    technician = selectors.team_technicians(user).filter(pk=user_id).first()
    if technician is None:
        raise ApiError(404, "unknown_technician", _("There is no such technician in your teams."), "ET-4")
    if not 1 <= days <= 3660:
        raise ApiError(400, "invalid_days", _("days must be between 1 and 3660."))
    data = selectors.technician_trend(technician, period=period, since=timezone.now() - timedelta(days=days))
    return _trend_view(technician, data)


def _trend_view(technician: User, data: selectors.Trend) -> dict[str, Any]:
    return {
        "technician": {"id": technician.pk, "name": technician.display_name}, "period": data.period,
        "cards": data.cards,
        "periods": [{"start": p.start, "cards": p.cards, "mean_score": p.mean_score} for p in data.periods],
        "rules": [{"rule": r.rule, "met": r.met, "missed": r.missed,
                   "rate": None if r.rate is None else round(r.rate, 3)} for r in data.rules],
    }


@router.get("/{scorecard_id}", summary="A scorecard with its transcript, overrides and the technician's answer")
def get_scorecard(request: HttpRequest, scorecard_id: Id) -> dict[str, Any]:
    user = require_role(request, STAFF)
    return selectors.scorecard_view(selectors.get_scorecard(user, scorecard_id), language=_lang())


@router.post("/{scorecard_id}/overrides", summary="Override an item with a comment (supervisors)")
def override(request: HttpRequest, scorecard_id: Id, payload: OverrideIn) -> dict[str, Any]:
    user = require_role(request, STAFF)
    services.override_item(scorecard_id=scorecard_id, user=user, rule=payload.rule, status=payload.status,
                           comment=payload.comment)
    return selectors.scorecard_view(selectors.get_scorecard(user, scorecard_id), language=_lang())


@router.post("/{scorecard_id}/acknowledge", summary="The technician acknowledges their scorecard")
def acknowledge(request: HttpRequest, scorecard_id: Id, payload: ScorecardAnswerIn) -> dict[str, Any]:
    user = require_role(request, STAFF)
    services.answer_scorecard(scorecard_id=scorecard_id, user=user, answer="acknowledged",
                              comment=payload.comment)
    return selectors.scorecard_view(selectors.get_scorecard(user, scorecard_id), language=_lang())


@router.post("/{scorecard_id}/dispute", summary="The technician disputes their scorecard, saying why")
def dispute(request: HttpRequest, scorecard_id: Id, payload: ScorecardAnswerIn) -> dict[str, Any]:
    user = require_role(request, STAFF)
    services.answer_scorecard(scorecard_id=scorecard_id, user=user, answer="disputed",
                              comment=payload.comment)
    return selectors.scorecard_view(selectors.get_scorecard(user, scorecard_id), language=_lang())
