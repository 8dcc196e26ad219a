"""PT-2: remind a commitment's owner before it comes due (run by ``atiende worker``).

``ATIENDE_COMMITMENT_REMINDER_MINUTES`` (default 30) before its due time, each pending
commitment's owner gets one ``commitment_due`` notification. A commitment is claimed
with a conditional update of ``reminded_at``, so with several workers it is reminded
once; the claim and the notification are one transaction, so a worker killed between them
neither loses the reminder nor sends it twice. Missed ones are told by
``receivers.on_commitment_missed``.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from atiende.desk.models import Commitment
from atiende.notifications.receivers import commitment_due
from atiende.notifications.services import with_change

DEFAULT_LEAD_MINUTES = 30


def reminder_lead() -> timedelta:
    raw = os.environ.get("ATIENDE_COMMITMENT_REMINDER_MINUTES", "")
    try:
        minutes = int(raw) if raw else DEFAULT_LEAD_MINUTES
    except ValueError:
        minutes = DEFAULT_LEAD_MINUTES
    return timedelta(minutes=max(minutes, 0))


def remind_due_commitments(*, now: datetime | None = None) -> int:
    """Remind the owner of every pending commitment due within the lead time; returns how many."""
    now = now or timezone.now()
    due = Commitment.objects.filter(status=Commitment.Status.PENDING, reminded_at__isnull=True,
                                    due_at__gt=now, due_at__lte=now + reminder_lead())
    reminded = 0
    for commitment in due.order_by("due_at", "id"):
        with transaction.atomic():
            if Commitment.objects.filter(pk=commitment.pk, reminded_at__isnull=True).update(reminded_at=now) != 1:
                continue  # another worker took it
            with_change(lambda: commitment_due(commitment, missed=False))  # noqa: B023 - called at once
        reminded += 1
    return reminded
