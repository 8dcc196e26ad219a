"""Reads of the campaigns: what a user may see (ET-4), a campaign's progress, a person's card."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from atiende.campaigns.core import TO_CALL
from atiende.campaigns.models import Attempt, Campaign, Target, TargetStatus
from atiende.contact.selectors import visible_queues
from atiende.people.models import User
from atiende.people.roles import is_admin


def visible_campaigns(user: User) -> QuerySet[Campaign]:
    """ET-4, the contact center's rule: the campaigns of the queues the user may know of
    (:func:`atiende.contact.selectors.visible_queues`); another team's is answered as missing."""
    qs = Campaign.objects.select_related("queue")
    if is_admin(user):
        return qs
    return qs.filter(queue__in=visible_queues(user).values("pk"))


def visible_targets(user: User) -> QuerySet[Target]:
    return Target.objects.select_related("campaign", "customer").filter(
        campaign__in=visible_campaigns(user).values("pk"))


def progress(campaign: Campaign) -> dict[str, Any]:
    """How far the list is: people by status, tries and outcomes (the supervisor's page, the API)."""
    by_status = dict(Target.objects.filter(campaign=campaign).values_list("status").annotate(n=Count("id"))
                     .values_list("status", "n"))
    outcomes = dict(Attempt.objects.filter(campaign=campaign).exclude(outcome="").values_list("outcome")
                    .annotate(n=Count("id")).values_list("outcome", "n"))
    total = sum(by_status.values())
    left = sum(by_status.get(s, 0) for s in TO_CALL)
    tries = Attempt.objects.filter(campaign=campaign).count()
    reached = by_status.get(TargetStatus.REACHED, 0)
    return {"people": total, "to_call": left, "done": total - left, "tries": tries,
            "by_status": {s.value: by_status.get(s.value, 0) for s in TargetStatus},
            "outcomes": outcomes, "reached": reached,
            "reached_rate": round(reached / (total - by_status.get(TargetStatus.DO_NOT_CALL, 0)), 3)
            if total - by_status.get(TargetStatus.DO_NOT_CALL, 0) else None}


def held_by(user: User) -> Target | None:
    """The person this technician is previewing (at most one at a time)."""
    return Target.objects.select_related("campaign", "customer").filter(held_by=user).first()


def works(user: User, campaign: Campaign) -> bool:
    """Whether this user works the campaign's list: one of its technicians (none named: anyone who sees it)."""
    named = campaign.technicians.all()
    return not named.exists() or named.filter(pk=user.pk).exists()


def workable_campaigns(user: User) -> QuerySet[Campaign]:
    return visible_campaigns(user).filter(status=Campaign.Status.ACTIVE).filter(
        Q(technicians__isnull=True) | Q(technicians=user)).distinct()
