"""The satisfaction survey (SP-4): sent on every close, answered once by whoever holds the link."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.desk.models import SatisfactionSurvey, WorkOrder
from atiende.desk.selectors import get_survey
from atiende.desk.services.checks import clean_text
from atiende.desk.services.history import record_event
from atiende.errors import InputError
from atiende.people.models import User


def send_survey(work_order: WorkOrder, actor: User | None, now: datetime, *, kind: str = "survey_sent",
                note: str = "") -> SatisfactionSurvey:
    """SP-4: a fresh survey on every close; an earlier answer stays in the history.

    ``kind``: the history line. ``survey_sent`` (a close) also makes the mail adapter send the closing
    mail with the link; a chat's end offers it with ``survey_offered`` (the link shown in the widget and
    in the transcript mail: the work order may well stay open, so no closing mail).
    """
    token = secrets.token_urlsafe(24)
    survey = SatisfactionSurvey.objects.filter(work_order=work_order).first()
    if survey is None:
        survey = SatisfactionSurvey.objects.create(work_order=work_order, token=token, sent_at=now)
        record_event(work_order, actor, kind, {}, note=note, at=now)
        return survey
    previous = {}
    if survey.answered_at is not None:
        previous = {"rating": (survey.rating, None), "resolved": (survey.resolved, None),
                    "comment": (survey.comment, "")}
    survey.token, survey.sent_at, survey.answered_at = token, now, None
    survey.rating, survey.resolved, survey.comment = None, None, ""
    survey.save()
    record_event(work_order, actor, kind, previous, note=note, at=now)
    return survey


@transaction.atomic
def answer_survey(*, token: str, rating: int, resolved: bool, comment: str = "") -> SatisfactionSurvey:
    """SP-4: the customer's verdict, accepted once."""
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InputError("invalid_rating", _("The rating goes from 1 to 5."), field="rating")
    if not isinstance(resolved, bool):
        raise InputError("invalid_input", _("resolved must be true or false."), field="resolved")
    comment = clean_text(comment, "comment", 2000)
    survey = get_survey(token=token)
    now = timezone.now()
    # Conditional update: two submissions at once still record only one answer.
    rows = SatisfactionSurvey.objects.filter(pk=survey.pk, answered_at__isnull=True).update(
        answered_at=now, rating=rating, resolved=resolved, comment=comment
    )
    if rows == 0:
        raise InputError("survey_answered", _("This survey has already been answered. Thank you!"), status=409)
    survey.refresh_from_db()
    record_event(survey.work_order, None, "survey_answered",
                 {"rating": (None, rating), "resolved": (None, resolved), "comment": (None, comment)}, at=now)
    return survey

