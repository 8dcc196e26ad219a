"""The practice room over HTTP (SPEC "Practice room"): practice calls, assignments, pass marks, progress.

A technician practises for themselves: ``POST /training/sessions`` starts a call, ``POST
/training/sessions/{id}/turns`` sends one line (something said, a ``/command`` such as ``/espera 2
motivo``, or an empty text that ends the call) and answers with the new lines; the finished call
carries its ``result`` (the ``atiende train --format json`` shape). Supervisors see their teams'
sessions, assign scenarios and set pass marks; another team's session is a 404 (ET-4).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from atiende.api.errors import ApiError
from atiende.api.ids import Id
from atiende.api.permissions import require_role
from atiende.people.roles import MANAGERS, STAFF
from atiende.practice import selectors, services
from atiende.practice.scenarios import scenario_list
from atiende.training.session import MAX_LINE

PREFIX = "training"
router = Router(tags=["practice room"])

CustomerType = Literal["locuaz", "descortes", "enfadado", "entendido", "inexperto"]


def _lang() -> str:
    return get_language() or "es"


class SessionIn(Schema):
    type: CustomerType | None = Field(None, description="the type of customer (or give scenario or assignment)")
    scenario: str | None = Field(None, max_length=80, description="a scenario ID (GET /training/scenarios)")
    seed: int | None = Field(None, ge=0, le=services.MAX_SEED, description="the customer's variety (default: random)")
    assignment: Id | None = Field(None, description="practise an assignment of yours")
    channel: Literal["telefonico", "chat"] = Field(
        "telefonico", description="a practice call (telefonico) or a practice chat, scored as a written contact")


class TurnIn(Schema):
    text: str = Field(..., max_length=MAX_LINE, description="what the trainee says, a /command, or \"\" to end")


class PassMarkIn(Schema):
    pass_mark: int = Field(..., ge=0, le=100)


class AssignmentIn(Schema):
    technician: Id = Field(..., description="user id of a technician of your teams")
    scenario: str = Field(..., max_length=80)
    note: str = Field("", max_length=300)


@router.get("/scenarios", summary="The scenarios: type, problem, customer, pass mark in force")
def list_scenarios(request: HttpRequest) -> list[dict[str, Any]]:
    require_role(request, STAFF)
    return scenario_list(_lang())


@router.put("/scenarios/{scenario_id}/pass-mark", summary="Set a scenario's pass mark (supervisors)")
def set_pass_mark(request: HttpRequest, scenario_id: str, payload: PassMarkIn) -> dict[str, Any]:
    user = require_role(request, MANAGERS)
    mark = services.set_pass_mark(user=user, scenario_id=scenario_id, pass_mark=payload.pass_mark)
    return {"scenario": mark.scenario_id, "pass_mark": mark.pass_mark}


@router.get("/sessions", summary="Practice sessions I may see (mine; my teams' for supervisors)")
def list_sessions(request: HttpRequest, trainee: Id | None = None) -> list[dict[str, Any]]:
    user = require_role(request, STAFF)
    qs = selectors.visible_sessions(user)
    if trainee is not None:
        qs = qs.filter(trainee_id=trainee)
    return [{"id": s.pk, "trainee": {"id": s.trainee_id, "name": s.trainee.display_name}, "scenario": s.scenario_id,
             "customer_type": s.customer_type, "status": s.status, "score": s.score, "passed": s.passed,
             "pass_mark": s.pass_mark, "started_at": s.started_at, "finished_at": s.finished_at} for s in qs[:200]]


@router.post("/sessions", response={201: dict[str, Any]}, summary="Start a practice call")
def start_session(request: HttpRequest, payload: SessionIn) -> Status:
    user = require_role(request, STAFF)
    row = services.start_session(user=user, customer_type=payload.type, scenario_id=payload.scenario,
                                 seed=payload.seed, assignment_id=payload.assignment,
                                 channel=payload.channel)
    return Status(201, selectors.session_view(row, _lang()))


@router.get("/sessions/{session_id}", summary="A practice call: its lines and, once finished, its result")
def get_session(request: HttpRequest, session_id: Id) -> dict[str, Any]:
    user = require_role(request, STAFF)
    return selectors.session_view(selectors.get_session(user, session_id), _lang())


@router.post("/sessions/{session_id}/turns", summary="Say one line in a practice call (the trainee only)")
def take_turn(request: HttpRequest, session_id: Id, payload: TurnIn) -> dict[str, Any]:
    user = require_role(request, STAFF)
    row, new = services.take_turn(user=user, session_id=session_id, text=payload.text)
    language = _lang()
    return {**selectors.session_view(row, language), "new_turns": [selectors.turn_view(t, language) for t in new]}


@router.get("/assignments", summary="Assignments I may see (mine; my teams' for supervisors)")
def list_assignments(request: HttpRequest) -> list[dict[str, Any]]:
    user = require_role(request, STAFF)
    return [selectors.assignment_view(a, _lang()) for a in selectors.visible_assignments(user)[:200]]


@router.post("/assignments", response={201: dict[str, Any]},
             summary="Assign a scenario to a technician of your teams (supervisors)")
def assign(request: HttpRequest, payload: AssignmentIn) -> Status:
    user = require_role(request, MANAGERS)
    row = services.assign_scenario(user=user, technician_id=payload.technician, scenario_id=payload.scenario,
                                   note=payload.note)
    return Status(201, selectors.assignment_view(row, _lang()))


@router.get("/technicians/{user_id}/progress",
            summary="A trainee's practice week by week: mean score and, per rule, the share met")
def progress(request: HttpRequest, user_id: Id, days: int = 84) -> dict[str, Any]:
    user = require_role(request, STAFF)
    technician = selectors.team_members(user).filter(pk=user_id).first()
    if technician is None:
        raise ApiError(404, "unknown_technician", _("There is no such technician in your teams."), "ET-4")
    if not 1 <= days <= 3660:
        raise ApiError(400, "invalid_days", _("days must be between 1 and 3660."))
    data = selectors.progress(technician, since=timezone.now() - timedelta(days=days), language=_lang())
    return selectors.progress_view(technician, data)
