"""Work orders ("solicitudes de trabajo") under /api/v1/work-orders.

Who may do what (ET-4); the same rules as the web UI because both call
``atiende.desk.services`` and ``atiende.desk.selectors``:

- everyone signed in reads the work orders they can see (customers: only their
  own, as customer, requester or decision maker); anything else is a 404;
- customers open requests for themselves from the portal (``POST /requests``);
- only staff (técnico, supervisor, administrador) create and change work
  orders, move phases, record closing contacts, questions and commitments,
  and read the full history;
- only supervisors and administrators move a work order to another team;
  technicians assign within the work order's team.

Lists are paginated with ``page`` (from 1) and ``page_size`` (1 to 100,
default 25); the answer carries ``count`` (total matches) and ``pages``.
Work orders are addressed by their number (``/work-orders/123``). Every change
names the ``version`` it read: a stale one gets 409 ``stale_version``.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any, Literal

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.responses import NinjaJSONEncoder, codes_4xx

from atiende.api.permissions import current_user, require_role
from atiende.desk import selectors
from atiende.desk.models import (
    Channel,
    ClosedQuestion,
    Commitment,
    Direction,
    KnowledgeLevel,
    Phase,
    Priority,
    SatisfactionSurvey,
    WorkOrder,
    WorkOrderEvent,
)
from atiende.desk.services import commitments, questions, work_orders
from atiende.errors import InputError
from atiende.people.roles import CUSTOMERS, STAFF
from atiende.sla import selectors as sla_selectors

PREFIX = "work-orders"
router = Router(tags=["work orders"])

ID = Field(..., ge=1, le=2**62)
TEXT = 20_000


# --- schemas -------------------------------------------------------------------------------

class ErrorBody(Schema):
    code: str = Field(description="Machine code, e.g. stale_version, phase_order, not_found.")
    message: str = Field(description="In Spanish or English by Accept-Language.")
    rule: str | None = Field(description="The practice that applies, e.g. SP-1 (see /api/v1/practices).")
    field: str | None = None


class ErrorOut(Schema):
    error: ErrorBody


def answers(schema: Any, status: int = 200) -> dict[Any, Any]:
    """The success schema plus the one error format for every 4xx, for the OpenAPI document."""
    return {status: schema, codes_4xx: ErrorOut}


class Ref(Schema):
    id: int
    name: str


class CustomerRef(Schema):
    id: int
    name: str
    greeting_name: str = Field(description="Name with the form of address (PH-5), e.g. «Doña Carmen Ruiz».")


class QuestionOut(Schema):
    id: int
    question: str
    answer: str
    asked_at: datetime
    asked_by: Ref | None


class CommitmentOut(Schema):
    id: int
    description: str
    due_at: datetime
    status: str = Field(description="pendiente | cumplido | incumplido | cancelado")
    owner: Ref | None
    created_at: datetime
    resolved_at: datetime | None
    alerted_at: datetime | None
    overdue: bool


class SurveyOut(Schema):
    sent_at: datetime
    answered_at: datetime | None
    rating: int | None
    resolved: bool | None
    comment: str
    token: str | None = Field(None, description="Shown to staff only, to send the survey link.")


class WorkOrderOut(Schema):
    id: int
    number: int
    title: str
    customer: CustomerRef
    requester: CustomerRef | None
    decision_maker: CustomerRef | None
    is_indirect: bool = Field(description="CH-IND: the person asking is not the one who decides.")
    channel: Channel
    direction: Direction
    equipment_type: str
    os_name: str
    os_version: str
    knowledge_level: str
    problem_story: str
    paraphrase: str
    phase: Phase
    priority: Priority
    assignee: Ref | None
    team: Ref | None
    resolution: str
    closing_contact_at: datetime | None
    closing_contact_channel: str
    closing_contact_note: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    version: int
    first_response_due: datetime | None = Field(
        None, description="When the first-response target of the SLA is reached (null: none, or met without one).")
    resolution_due: datetime | None = Field(
        None, description="When the resolution target is reached; null while paused (waiting for the customer).")
    sla_paused: bool = Field(False, description="The resolution clock stands still: waiting for the customer.")
    sla_breached: bool = Field(False, description="A first-response or resolution target has passed.")
    sla_warning: bool = Field(False, description="80 % of a target used, not breached yet.")
    sla_first_response: str = Field("none", description="none, running, warning, paused, met or breached.")
    sla_resolution: str = Field("none", description="none, running, warning, paused, met or breached.")


class WorkOrderDetailOut(WorkOrderOut):
    closed_questions: list[QuestionOut]
    commitments: list[CommitmentOut]
    survey: SurveyOut | None


class WorkOrderPage(Schema):
    items: list[WorkOrderOut]
    count: int = Field(description="Total number of matching work orders.")
    page: int
    page_size: int
    pages: int


class WorkOrderIn(Schema):
    customer: int = ID
    title: str = Field(..., min_length=1, max_length=200)
    channel: Channel = Channel("telefonico")
    direction: Direction = Direction("reactivo")
    requester: int | None = Field(None, ge=1, le=2**62)
    decision_maker: int | None = Field(None, ge=1, le=2**62)
    equipment_type: str = Field("", max_length=100)
    os_name: str = Field("", max_length=100)
    os_version: str = Field("", max_length=50)
    knowledge_level: KnowledgeLevel | None = None
    problem_story: str = Field("", max_length=TEXT)
    paraphrase: str = Field("", max_length=TEXT)
    priority: Priority = Priority("normal")
    assignee: int | None = Field(None, ge=1, le=2**62)
    team: int | None = Field(None, ge=1, le=2**62)


class WorkOrderPatch(Schema):
    version: int = Field(..., ge=1, description="The version you read; a stale one gets 409.")
    title: str | None = Field(None, min_length=1, max_length=200)
    customer: int | None = Field(None, ge=1, le=2**62)
    requester: int | None = Field(None, ge=1, le=2**62)
    decision_maker: int | None = Field(None, ge=1, le=2**62)
    channel: Channel | None = None
    direction: Direction | None = None
    equipment_type: str | None = Field(None, max_length=100)
    os_name: str | None = Field(None, max_length=100)
    os_version: str | None = Field(None, max_length=50)
    knowledge_level: KnowledgeLevel | None = None
    problem_story: str | None = Field(None, max_length=TEXT)
    paraphrase: str | None = Field(None, max_length=TEXT)
    priority: Priority | None = None
    assignee: int | None = Field(None, ge=1, le=2**62)
    team: int | None = Field(None, ge=1, le=2**62)
    resolution: str | None = Field(None, max_length=TEXT)


class PortalRequestIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    problem_story: str = Field(..., min_length=1, max_length=TEXT, description="AL-1: the whole story, in your words.")
    equipment_type: str = Field("", max_length=100)
    os_name: str = Field("", max_length=100)
    os_version: str = Field("", max_length=50)


class PhaseIn(Schema):
    version: int = Field(..., ge=1)
    phase: Phase
    note: str = Field("", max_length=TEXT, description="Required when reopening a closed work order.")


class ClosingContactIn(Schema):
    version: int = Field(..., ge=1)
    channel: Channel
    note: str = Field(..., min_length=1, max_length=TEXT, description="What was summarised and confirmed (SP-4).")
    at: datetime | None = Field(None, description="When it happened; default now.")


class QuestionIn(Schema):
    question: str = Field(..., min_length=1, max_length=300)
    answer: str = Field("", max_length=300)


class QuestionAnswerIn(Schema):
    answer: str = Field(..., min_length=1, max_length=300)


class CommitmentIn(Schema):
    description: str = Field(..., min_length=1, max_length=300)
    due_at: datetime = Field(..., description="PT-2: when it is due; must be in the future.")
    owner: int | None = Field(None, ge=1, le=2**62, description="Staff member who keeps it; default you.")


class ResolveIn(Schema):
    kept: bool
    cancelled: bool = False


class EventOut(Schema):
    id: int
    kind: str
    actor: Ref | None
    changes: dict[str, Any] = Field(description='{"field": [old, new]}')
    note: str
    at: datetime


# --- shaping -------------------------------------------------------------------------------

def _user_ref(user: Any) -> dict[str, Any] | None:
    return None if user is None else {"id": user.pk, "name": user.display_name}


def _customer_ref(customer: Any) -> dict[str, Any] | None:
    if customer is None:
        return None
    return {"id": customer.pk, "name": customer.name, "greeting_name": customer.greeting_name}


def work_order_data(wo: WorkOrder) -> dict[str, Any]:
    data = {f: getattr(wo, f) for f in (
        "id", "number", "title", "channel", "direction", "equipment_type", "os_name", "os_version",
        "knowledge_level", "problem_story", "paraphrase", "phase", "priority", "resolution",
        "closing_contact_at", "closing_contact_channel", "closing_contact_note", "created_at", "updated_at",
        "closed_at", "version", "is_indirect",
    )}
    data.update(
        customer=_customer_ref(wo.customer), requester=_customer_ref(wo.requester),
        decision_maker=_customer_ref(wo.decision_maker), assignee=_user_ref(wo.assignee),
        team=None if wo.team is None else {"id": wo.team.pk, "name": wo.team.name},
    )
    data.update(sla_selectors.of_work_order(wo).to_json())
    return data


def _question_data(q: ClosedQuestion) -> dict[str, Any]:
    return {"id": q.pk, "question": q.question, "answer": q.answer, "asked_at": q.asked_at,
            "asked_by": _user_ref(q.asked_by)}


def _commitment_data(c: Commitment, now: datetime) -> dict[str, Any]:
    return {
        "id": c.pk, "description": c.description, "due_at": c.due_at, "status": c.status,
        "owner": _user_ref(c.owner), "created_at": c.created_at, "resolved_at": c.resolved_at,
        "alerted_at": c.alerted_at,
        "overdue": selectors.is_overdue(c, now),
    }


def _detail(request: HttpRequest, wo: WorkOrder) -> HttpResponse:
    survey = SatisfactionSurvey.objects.filter(work_order=wo).first()
    return detail_answer(_detail_data(current_user(request), wo, wo.closed_questions.select_related("asked_by"),
                                      wo.commitments.select_related("owner"), survey))


def _detail_data(user: Any, wo: WorkOrder, closed_questions: Any, commitments: Any,
                 survey: SatisfactionSurvey | None) -> dict[str, Any]:
    now = timezone.now()
    data = work_order_data(wo)
    data["closed_questions"] = [_question_data(q) for q in closed_questions]
    data["commitments"] = [_commitment_data(c, now) for c in commitments]
    data["survey"] = None if survey is None else {
        "sent_at": survey.sent_at, "answered_at": survey.answered_at, "rating": survey.rating,
        "resolved": survey.resolved, "comment": survey.comment,
        "token": survey.token if user.is_staff_member else None,
    }
    return data


def _new_detail(wo: WorkOrder) -> dict[str, Any]:
    """A work order just created has no questions, commitments or survey: no need to ask the database."""
    return {**work_order_data(wo), "closed_questions": [], "commitments": [], "survey": None}


# The fields of a work order's detail in the order django-ninja writes them (WorkOrderDetailOut's), read once.
DETAIL_FIELDS = tuple(WorkOrderDetailOut.model_fields)


def detail_answer(data: dict[str, Any], status: int = 200) -> HttpResponse:
    """A work order's detail as JSON, byte for byte what django-ninja writes after validating ``data`` against
    ``WorkOrderDetailOut`` (the fields in the schema's order, times as its encoder writes them), without the
    validation: the shaping functions above already give every field its schema type, and validating and dumping
    the 40-field answer again took half of the answer's CPU (issue 25: 0.11 -> 0.05 ms of a creation's 2.3 ms in
    process, 0.07 -> 0.04 ms of a read's 1 ms). tests/desk/test_api_detail_answer.py
    holds the two equal for every part of the answer; the OpenAPI document still declares the schema."""
    content = json.dumps({name: data[name] for name in DETAIL_FIELDS}, cls=NinjaJSONEncoder)
    return HttpResponse(content, status=status, content_type="application/json; charset=utf-8")


def _fresh(request: HttpRequest, number: str) -> WorkOrder:
    return selectors.get_work_order(current_user(request), number)


def paginate(qs: QuerySet, page: int, page_size: int) -> tuple[list, int, int]:
    count = qs.count()
    items = list(qs[(page - 1) * page_size: page * page_size])
    return items, count, max(1, math.ceil(count / page_size))


def _full(qs: QuerySet[WorkOrder]) -> QuerySet[WorkOrder]:
    return qs.select_related("customer", "requester", "decision_maker", "assignee", "team", "sla")


# --- endpoints -----------------------------------------------------------------------------

@router.get("", response=answers(WorkOrderPage), summary="Search work orders")
def list_work_orders(
    request: HttpRequest,
    q: str = Query("", max_length=200, description="Number, title, story, customer, organisation, email, phone."),
    phase: Phase | None = None,
    priority: Priority | None = None,
    channel: Channel | None = None,
    assignee: int | None = Query(None, ge=1, le=2**62),
    customer: int | None = Query(None, ge=1, le=2**62),
    team: int | None = Query(None, ge=1, le=2**62),
    overdue: bool | None = Query(None, description="PT-2: with a commitment past due or missed."),
    sla: Literal["on_track", "warning", "breached", "paused"] | None = Query(
        None, description="SLA state as the list's badge shows it: on_track (a clock running), warning (80 % "
                          "reached), breached, paused (waiting for the customer)."),
    page: int = Query(1, ge=1, le=100_000),
    page_size: int = Query(settings.ATIENDE_PAGE_SIZE, ge=1, le=100),
) -> dict[str, Any]:
    qs = selectors.search_work_orders(
        current_user(request), q=q, phase=phase, priority=priority, channel=channel, assignee=assignee,
        customer=customer, team=team, overdue=overdue, sla=sla,
    )
    items, count, pages = paginate(_full(qs), page, page_size)
    return {"items": [work_order_data(w) for w in items], "count": count, "page": page,
            "page_size": page_size, "pages": pages}


@router.post("", response=answers(WorkOrderDetailOut, 201), summary="Open a work order (staff)")
def create_work_order(request: HttpRequest, payload: WorkOrderIn) -> HttpResponse:
    user = require_role(request, STAFF)
    data = payload.dict()
    data["knowledge_level"] = data["knowledge_level"] or ""
    wo = work_orders.create_work_order(actor=user, **data)
    return detail_answer(_new_detail(wo), 201)


@router.post("/requests", response=answers(WorkOrderDetailOut, 201),
             summary="Open a request from the customer portal (customers)")
def open_portal_request(request: HttpRequest, payload: PortalRequestIn) -> HttpResponse:
    user = require_role(request, CUSTOMERS)
    wo = work_orders.open_portal_request(actor=user, **payload.dict())
    return detail_answer(_new_detail(wo), 201)


@router.get("/{number}", response=answers(WorkOrderDetailOut), summary="One work order with questions and commitments")
def read_work_order(request: HttpRequest, number: str) -> HttpResponse:
    user = current_user(request)
    found = selectors.work_order_detail(user, number)
    return detail_answer(_detail_data(user, found.work_order, found.questions, found.commitments, found.survey))


@router.patch("/{number}", response=answers(WorkOrderDetailOut), summary="Change fields (staff; needs version)")
def update_work_order(request: HttpRequest, number: str, payload: WorkOrderPatch) -> HttpResponse:
    user = require_role(request, STAFF)
    wo = _fresh(request, number)
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    if "knowledge_level" in changes and changes["knowledge_level"] is None:
        changes["knowledge_level"] = ""
    for key in ("title", "channel", "direction", "priority", "customer"):
        if key in changes and changes[key] is None:
            raise InputError("required", _("%(field)s cannot be empty.") % {"field": key}, field=key)
    wo = work_orders.update_work_order(actor=user, work_order=wo, version=version, **changes)
    return _detail(request, wo)


@router.post("/{number}/phase", response=answers(WorkOrderDetailOut), summary="Move to the next phase or reopen (SP-1)")
def change_phase(request: HttpRequest, number: str, payload: PhaseIn) -> HttpResponse:
    user = require_role(request, STAFF)
    wo = work_orders.change_phase(actor=user, work_order=_fresh(request, number), version=payload.version,
                                  phase=payload.phase, note=payload.note)
    return _detail(request, wo)


@router.post("/{number}/closing-contact", response=answers(WorkOrderDetailOut),
             summary="Record the closing contact (SP-1, SP-4)")
def record_closing_contact(request: HttpRequest, number: str, payload: ClosingContactIn) -> HttpResponse:
    user = require_role(request, STAFF)
    wo = work_orders.record_closing_contact(actor=user, work_order=_fresh(request, number),
                                            version=payload.version, channel=payload.channel,
                                            note=payload.note, at=payload.at)
    return _detail(request, wo)


@router.get("/{number}/closed-questions", response=answers(list[QuestionOut]), summary="Closed questions (AL-5)")
def list_questions(request: HttpRequest, number: str) -> list[dict[str, Any]]:
    wo = _fresh(request, number)
    return [_question_data(q) for q in wo.closed_questions.select_related("asked_by")]


@router.post("/{number}/closed-questions", response=answers(QuestionOut, 201), summary="Ask a closed question (staff)")
def add_question(request: HttpRequest, number: str, payload: QuestionIn) -> Status:
    user = require_role(request, STAFF)
    item = questions.add_closed_question(actor=user, work_order=_fresh(request, number),
                                         question=payload.question, answer=payload.answer)
    return Status(201, _question_data(item))


def _question(request: HttpRequest, number: str, question_id: str) -> ClosedQuestion:
    wo = _fresh(request, number)
    valid = question_id.isascii() and question_id.isdigit() and len(question_id) < 13
    found = wo.closed_questions.filter(pk=int(question_id)).first() if valid else None
    if found is None:
        raise InputError("not_found", _("No such closed question."), status=404)
    return found


@router.patch("/{number}/closed-questions/{question_id}", response=answers(QuestionOut),
              summary="Record the answer to a closed question (staff)")
def answer_question(request: HttpRequest, number: str, question_id: str, payload: QuestionAnswerIn) -> dict[str, Any]:
    user = require_role(request, STAFF)
    item = questions.answer_closed_question(actor=user, question=_question(request, number, question_id),
                                            answer=payload.answer)
    return _question_data(item)


@router.get("/{number}/commitments", response=answers(list[CommitmentOut]), summary="Commitments (PT-2)")
def list_commitments(request: HttpRequest, number: str) -> list[dict[str, Any]]:
    wo = _fresh(request, number)
    now = timezone.now()
    return [_commitment_data(c, now) for c in wo.commitments.select_related("owner")]


@router.post("/{number}/commitments", response=answers(CommitmentOut, 201), summary="Record a commitment (staff, PT-2)")
def add_commitment(request: HttpRequest, number: str, payload: CommitmentIn) -> Status:
    user = require_role(request, STAFF)
    item = commitments.add_commitment(actor=user, work_order=_fresh(request, number),
                                      description=payload.description, due_at=payload.due_at, owner=payload.owner)
    return Status(201, _commitment_data(item, timezone.now()))


@router.post("/{number}/commitments/{commitment_id}/resolve", response=answers(CommitmentOut),
             summary="Mark a commitment kept, not kept or cancelled (staff)")
def resolve_commitment(request: HttpRequest, number: str, commitment_id: str, payload: ResolveIn) -> dict[str, Any]:
    user = require_role(request, STAFF)
    wo = _fresh(request, number)
    valid = commitment_id.isascii() and commitment_id.isdigit() and len(commitment_id) < 13
    found = wo.commitments.filter(pk=int(commitment_id)).first() if valid else None
    if found is None:
        raise InputError("not_found", _("No such commitment."), status=404)
    item = commitments.resolve_commitment(actor=user, commitment=found, kept=payload.kept, cancelled=payload.cancelled)
    return _commitment_data(item, timezone.now())


@router.get("/{number}/history", response=answers(list[EventOut]), summary="Every change, oldest first (staff)")
def history(request: HttpRequest, number: str) -> list[dict[str, Any]]:
    require_role(request, STAFF)
    events: list[WorkOrderEvent] = selectors.work_order_history(_fresh(request, number))
    return [{"id": e.pk, "kind": e.kind, "actor": _user_ref(e.actor), "changes": e.changes, "note": e.note,
             "at": e.at} for e in events]
