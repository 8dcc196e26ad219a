"""How far behind the background work is: the stored queues' due rows, counted and aged.

One home for the questions that ``/readyz``, ``atiende check`` and ``/metrics``
ask: how many rows of each queue are due and nobody has done yet, and how long
the oldest has waited. ``timers`` are the stored deadlines (hold reminders,
transfer timeouts, policy alerts): the age of the oldest due one is the
worker's lag.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Min, QuerySet
from django.utils import timezone

from atiende.contact.models import Deadline
from atiende.mail.models import OutboundMail
from atiende.scorecards.models import ScoringJob
from atiende.telephony.models import WebhookDelivery


@dataclass(frozen=True)
class Backlog:
    """Rows of one queue that are due now: how many, and the seconds the oldest has been due."""

    count: int
    oldest_seconds: float


def _due(rows: QuerySet, field: str, moment: datetime) -> Backlog:
    due = rows.filter(**{f"{field}__lte": moment})
    found = due.aggregate(oldest=Min(field))
    if found["oldest"] is None:
        return Backlog(0, 0.0)
    return Backlog(due.count(), max((moment - found["oldest"]).total_seconds(), 0.0))


def backlogs(moment: datetime | None = None) -> dict[str, Backlog]:
    """Each queue's due work: ``timers``, ``webhooks``, ``mail`` (outgoing) and ``scoring``."""
    moment = moment or timezone.now()
    return {
        "timers": _due(Deadline.objects.filter(fired_at__isnull=True), "due_at", moment),
        "webhooks": _due(WebhookDelivery.objects.filter(delivered_at__isnull=True, gave_up_at__isnull=True),
                         "next_attempt_at", moment),
        "mail": _due(OutboundMail.objects.filter(status=OutboundMail.Status.QUEUED), "next_attempt_at", moment),
        "scoring": _due(ScoringJob.objects.filter(gave_up_at__isnull=True), "next_attempt_at", moment),
    }
