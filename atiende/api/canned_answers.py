"""Canned answers under /api/v1/canned-answers (staff only): write, list, and fill one for a work order.

Saving returns what the language assistant found (``findings``, and ``plain_findings`` for
the basic-level version, DN-2); ``POST /{id}/use`` fills {cliente}, {numero} and
{tecnico} for a work order, picks the plain version for a customer of basic level, and
checks the result again. See ``atiende.knowledge.canned``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.responses import codes_4xx

from atiende.api.analyze import FindingOut
from atiende.api.desk import ErrorOut, answers
from atiende.api.permissions import require_role
from atiende.desk import selectors
from atiende.knowledge import canned
from atiende.knowledge.models import CannedAnswer
from atiende.people.roles import STAFF

PREFIX = "canned-answers"
router = Router(tags=["knowledge"])


class CannedOut(Schema):
    id: int
    title: str
    body: str
    plain_body: str
    language: Literal["es", "en"]
    team: int | None
    version: int
    updated_at: datetime
    times_used: int
    findings: list[FindingOut] = Field(..., description="The language assistant's findings on the text")
    plain_findings: list[FindingOut] = Field(..., description="On the plain text, for basic level (DN-2)")


class CannedIn(Schema):
    title: str = Field(..., max_length=canned.TITLE_LIMIT)
    body: str = Field(..., max_length=canned.BODY_LIMIT,
                      description="May use {cliente}, {numero} and {tecnico}")
    plain_body: str = Field("", max_length=canned.BODY_LIMIT,
                            description="The same answer without jargon, for customers of basic level")
    language: Literal["es", "en"] = "es"
    team: int | None = Field(None, description="One of your teams; empty for everyone")


class CannedPatch(Schema):
    version: int
    title: str | None = Field(None, max_length=canned.TITLE_LIMIT)
    body: str | None = Field(None, max_length=canned.BODY_LIMIT)
    plain_body: str | None = Field(None, max_length=canned.BODY_LIMIT)
    language: Literal["es", "en"] | None = None
    team: int | None = None


class UseIn(Schema):
    work_order: int = Field(..., description="The work order's number")
    channel: Literal["email", "portal", "chat", "telefonico", "presencial"] | None = None


class UseOut(Schema):
    text: str
    plain: bool = Field(..., description="The plain version was used (a customer of basic level)")
    findings: list[FindingOut]
    unfilled: list[str] = Field(..., description="Placeholders with no value yet")


def canned_data(answer: CannedAnswer) -> dict[str, Any]:
    return {"id": answer.pk, "title": answer.title, "body": answer.body, "plain_body": answer.plain_body,
            "language": answer.language, "team": answer.team_id, "version": answer.version,
            "updated_at": answer.updated_at, "times_used": answer.times_used, "findings": answer.findings,
            "plain_findings": answer.plain_findings}


@router.get("", response=answers(list[CannedOut]), summary="The canned answers one may use (staff)")
def list_canned(request: HttpRequest) -> list[dict[str, Any]]:
    user = require_role(request, STAFF)
    return [canned_data(a) for a in canned.visible_canned_answers(user)[:500]]


@router.post("", response=answers(CannedOut, 201), summary="Write a canned answer (staff)")
def create_canned(request: HttpRequest, payload: CannedIn) -> Status:
    user = require_role(request, STAFF)
    return Status(201, canned_data(canned.create_canned_answer(actor=user, **payload.dict())))


@router.get("/{answer_id}", response=answers(CannedOut), summary="One canned answer")
def read_canned(request: HttpRequest, answer_id: str) -> dict[str, Any]:
    user = require_role(request, STAFF)
    return canned_data(canned.get_canned_answer(user, answer_id))


@router.patch("/{answer_id}", response=answers(CannedOut), summary="Change a canned answer (checked again)")
def change_canned(request: HttpRequest, answer_id: str, payload: CannedPatch) -> dict[str, Any]:
    user = require_role(request, STAFF)
    answer = canned.get_canned_answer(user, answer_id)
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    return canned_data(canned.update_canned_answer(actor=user, answer=answer, version=version, **changes))


@router.delete("/{answer_id}", response={204: None, codes_4xx: ErrorOut}, summary="Delete a canned answer")
def delete_canned(request: HttpRequest, answer_id: str) -> Status:
    user = require_role(request, STAFF)
    canned.delete_canned_answer(actor=user, answer=canned.get_canned_answer(user, answer_id))
    return Status(204, None)


@router.post("/{answer_id}/use", response=answers(UseOut), summary="Fill a canned answer for a work order")
def use_canned(request: HttpRequest, answer_id: str, payload: UseIn) -> dict[str, Any]:
    user = require_role(request, STAFF)
    answer = canned.get_canned_answer(user, answer_id)
    work_order = selectors.get_work_order(user, payload.work_order)
    filled = canned.use_canned_answer(actor=user, answer=answer, work_order=work_order, channel=payload.channel)
    return vars(filled)
