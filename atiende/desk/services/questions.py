"""Closed questions on a work order (AL-5): asked with a clear aim, answered before moving on."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from atiende.desk.models import ClosedQuestion, WorkOrder
from atiende.desk.services.checks import (
    clean_text,
    require_open,
    require_staff,
    require_visible_work_order,
)
from atiende.desk.services.history import record_event
from atiende.people.models import User


@transaction.atomic
def add_closed_question(*, actor: User, work_order: WorkOrder, question: str, answer: str = "") -> ClosedQuestion:
    """AL-5: a closed question with a clear aim, and its answer when known."""
    require_staff(actor)
    question = clean_text(question, "question", 300, required=True, label=_("question"))
    answer = clean_text(answer, "answer", 300)
    current = require_visible_work_order(actor, work_order, lock=True)
    require_open(current)
    item = ClosedQuestion.objects.create(work_order=current, question=question, answer=answer, asked_by=actor)
    record_event(current, actor, "question_added", {"question": (None, question), "answer": (None, answer)})
    return item


@transaction.atomic
def answer_closed_question(*, actor: User, question: ClosedQuestion, answer: str) -> ClosedQuestion:
    require_staff(actor)
    answer = clean_text(answer, "answer", 300, required=True, label=_("answer"))
    current = require_visible_work_order(actor, question.work_order, lock=True)
    require_open(current)
    fresh = ClosedQuestion.objects.select_for_update().get(pk=question.pk)
    if fresh.answer != answer:
        record_event(current, actor, "question_answered",
                     {"question": (fresh.question, fresh.question), "answer": (fresh.answer, answer)})
        fresh.answer = answer
        fresh.save(update_fields=["answer"])
    return fresh

