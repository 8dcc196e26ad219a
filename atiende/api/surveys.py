"""The satisfaction survey (SP-4) under /api/v1/surveys/{token}: public, the token is the key.

The link is sent to the customer when the work order closes; it can be read
and answered once without signing in. An unknown token is a 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from atiende.api.desk import answers
from atiende.desk import selectors
from atiende.desk.models import SatisfactionSurvey
from atiende.desk.services import surveys

PREFIX = "surveys"
router = Router(tags=["surveys"])


class SurveyPublicOut(Schema):
    work_order: int = Field(description="Work order number.")
    title: str
    sent_at: datetime
    answered: bool
    rating: int | None
    resolved: bool | None
    comment: str


class SurveyAnswerIn(Schema):
    rating: int = Field(..., ge=1, le=5, strict=True, description="1 (very unhappy) to 5 (very happy).")
    resolved: bool = Field(..., description="Was the problem solved?")
    comment: str = Field("", max_length=2000)


def _data(survey: SatisfactionSurvey) -> dict[str, Any]:
    return {
        "work_order": survey.work_order.number, "title": survey.work_order.title, "sent_at": survey.sent_at,
        "answered": survey.answered_at is not None, "rating": survey.rating, "resolved": survey.resolved,
        "comment": survey.comment,
    }


@router.get("/{token}", response=answers(SurveyPublicOut), auth=None, summary="Read a satisfaction survey (public)")
def read_survey(request: HttpRequest, token: str) -> dict[str, Any]:
    return _data(selectors.get_survey(token=token[:64]))


@router.post("/{token}", response=answers(SurveyPublicOut), auth=None, summary="Answer a satisfaction survey once (public)")
def answer_survey(request: HttpRequest, token: str, payload: SurveyAnswerIn) -> dict[str, Any]:
    survey = surveys.answer_survey(token=token[:64], rating=payload.rating, resolved=payload.resolved,
                                   comment=payload.comment)
    return _data(survey)
