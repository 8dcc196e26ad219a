"""PT-2: one rule decides which commitments are overdue, wherever it is asked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from atiende.desk import selectors
from atiende.desk.models import Commitment
from atiende.desk.services.commitments import flag_missed_commitments

pytestmark = pytest.mark.django_db


@pytest.fixture
def every_kind(work_order, tech):
    """A commitment in every status, due an hour ago and due in an hour."""
    now = timezone.now()
    made = []
    for status in Commitment.Status.values:
        for due in (now - timedelta(hours=1), now + timedelta(hours=1)):
            made.append(Commitment.objects.create(work_order=work_order, description=f"{status} {due:%H}",
                                                  due_at=due, owner=tech, status=status,
                                                  created_at=now - timedelta(days=1)))
    return now, made


def test_the_list_and_the_single_commitment_agree_on_what_is_overdue(every_kind):
    now, made = every_kind
    listed = set(selectors.overdue_commitments(now).values_list("pk", flat=True))
    assert listed == {c.pk for c in made if selectors.is_overdue(c, now)}
    assert {Commitment.objects.get(pk=pk).status for pk in listed} == {"pendiente", "incumplido"}


def test_the_worker_flags_exactly_the_past_due_commitments(every_kind):
    now, made = every_kind
    past_due = set(selectors.past_due_commitments(now).values_list("pk", flat=True))
    assert past_due == {c.pk for c in made if c.status == "pendiente" and c.due_at < now}
    assert {c.pk for c in flag_missed_commitments(now=now)} == past_due
    assert not selectors.past_due_commitments(now).exists()
