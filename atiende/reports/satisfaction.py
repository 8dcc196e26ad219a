"""Satisfaction results (SP-4): a low rating alerts the supervisors, and the wallboard's figures.

A survey answered with a rating at or below ``ATIENDE_LOW_RATING`` (default 2, of 5)
tells the supervisors of the work order's team (every active supervisor when it has no
team or the team has none) with a ``low_satisfaction`` notification, written in the answer's
own transaction so that it commits with it. It reads the desk's own history line (``survey_answered``): the desk never
calls this module.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Avg, Count, Q
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende import env
from atiende.desk.models import SatisfactionSurvey, WorkOrder, WorkOrderEvent
from atiende.notifications.models import Kind
from atiende.notifications.services import notify, with_change
from atiende.people.models import User
from atiende.people.roles import Role, role_filter

log = logging.getLogger(__name__)


def low_rating() -> int:
    """``ATIENDE_LOW_RATING`` (1 to 5, default 2); a value that is not one of them is refused by name."""
    return min(int(env.number("ATIENDE_LOW_RATING", 2, whole=True, minimum=1)), 5)


def supervisors_of(team_id: int | None) -> list[User]:
    people = User.objects.filter(role_filter((Role.SUPERVISOR,)), is_active=True)
    if team_id is not None:
        found = list(people.filter(teams=team_id))
        if found:
            return found
    return list(people)


@receiver(post_save, sender=WorkOrderEvent, dispatch_uid="reports.low_satisfaction")
def on_survey_answered(sender: type, instance: WorkOrderEvent, created: bool, raw: bool = False,
                       **kwargs: Any) -> None:
    if not created or raw or instance.kind != "survey_answered":
        return
    rating = ((instance.changes or {}).get("rating") or [None, None])[-1]
    if isinstance(rating, int) and not isinstance(rating, bool) and rating <= low_rating():
        # In the answer's own transaction: committed with it (a process killed after the commit loses no
        # alert); a failure of the alert is logged and never undoes the customer's answer.
        with_change(lambda: alert_low_rating(instance.work_order_id, rating))


def alert_low_rating(work_order_id: int, rating: int) -> None:
    work_order = WorkOrder.objects.select_related("customer").filter(pk=work_order_id).first()
    if work_order is None:
        return

    def text() -> str:
        return _("Low satisfaction: %(customer)s rated #%(number)s %(rating)s out of 5 (%(title)s)") % {
            "customer": work_order.customer.greeting_name, "number": work_order.number, "rating": rating,
            "title": work_order.title}

    notify(recipients=supervisors_of(work_order.team_id), kind=Kind.LOW_SATISFACTION, text=text,
           work_order=work_order, url=reverse("desk:work_order_detail", args=[work_order.number]))


def recent_figures(*, team_ids: set[int] | None, now: datetime | None = None, days: int = 7) -> dict[str, Any]:
    """The wallboard's satisfaction: answers of the last ``days`` days, mean rating, share of 4-5, low ones."""
    now = now or timezone.now()
    answered = SatisfactionSurvey.objects.filter(answered_at__gte=now - timedelta(days=days), rating__isnull=False)
    if team_ids is not None:
        answered = answered.filter(work_order__team_id__in=team_ids)
    figures = answered.aggregate(answers=Count("pk"), mean=Avg("rating"), satisfied=Count("pk", filter=Q(rating__gte=4)),
                                 low=Count("pk", filter=Q(rating__lte=low_rating())))
    answers = figures["answers"] or 0
    return {"days": days, "answers": answers, "mean_rating": None if figures["mean"] is None
            else round(float(figures["mean"]), 2),
            "satisfied_share": None if answers == 0 else figures["satisfied"] / answers, "low": figures["low"] or 0}
