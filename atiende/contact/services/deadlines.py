"""Deadlines: claimed with a lease and fired by workers, and moved when a policy changes."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q

from atiende import engine
from atiende.contact.clock import now
from atiende.contact.models import (
    ContactState,
    Deadline,
)
from atiende.contact.selectors import policy_for
from atiende.contact.services.apply import Outcome, engine_contact, load, organisation_id_of, run
from atiende.contact.services.locking import lock_contact, tx
from atiende.contact.services.routing import dispatch
from atiende.db import single_writer
from atiende.engine.timers import DeadlineKind, deadlines_for

LEASE_SECONDS = 30


@single_writer
def claim_due_deadlines(*, worker: str, limit: int = 100, at: datetime | None = None) -> list[int]:
    """Lease due deadlines to this worker. A crashed worker's lease runs out and another takes over."""
    moment = at or now()
    with tx():
        ids = list(
            Deadline.objects.select_for_update(skip_locked=True)
            .filter(fired_at__isnull=True, due_at__lte=moment)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=moment))
            .order_by("due_at", "id").values_list("pk", flat=True)[:limit]
        )
        if ids:
            Deadline.objects.filter(pk__in=ids).update(
                claimed_by=worker, lease_until=moment + timedelta(seconds=LEASE_SECONDS))
    return ids


@single_writer
def fire_deadline(*, deadline_id: int, at: datetime | None = None) -> Outcome | None:
    """Fire one claimed deadline: the engine decides whether it still applies (late is fine)."""
    moment = at or now()
    with tx():
        contact_id = Deadline.objects.filter(pk=deadline_id, fired_at__isnull=True).values_list(
            "contact_id", flat=True).first()
        if contact_id is None:
            return None
        row = lock_contact(contact_id)
        deadline = Deadline.objects.filter(pk=deadline_id, fired_at__isnull=True).first()
        if deadline is None:  # the contact moved on meanwhile and the deadline was dropped
            return None
        loaded = load(row)
        later = next((d for d in deadlines_for(loaded.contact, loaded.policy) if d.key == deadline.key), None)
        if later is not None and later.due_at > moment:
            # Not due yet: the policy changed since it was stored (a longer PO-1 maximum, a longer
            # wrap-up...). Store it again at its right time instead of losing it.
            Deadline.objects.filter(pk=deadline_id).update(due_at=later.due_at, claimed_by="", lease_until=None)
            return None
        Deadline.objects.filter(pk=deadline_id).update(fired_at=moment)  # first: the store drops only unfired ones
        outcome = run(loaded, lambda c, p: engine.fire(c, deadline.key, p, now=moment), at=moment)
    if outcome.routes_again or deadline.kind in (DeadlineKind.WAIT_WARNING, DeadlineKind.WAIT_BREACH):
        dispatch()  # a technician became free, or one more tier opened (PO-2 overflow)
    return outcome


@single_writer
def run_due_deadlines(*, worker: str | None = None, limit: int = 100, at: datetime | None = None) -> int:
    """Claim and fire everything that is due now; overdue deadlines after a restart fire at once."""
    name = worker or f"worker-{uuid.uuid4().hex[:8]}"
    fired = 0
    while True:
        ids = claim_due_deadlines(worker=name, limit=limit, at=at)
        if not ids:
            return fired
        for deadline_id in ids:
            if fire_deadline(deadline_id=deadline_id, at=at) is not None:
                fired += 1
        if len(ids) < limit:
            return fired


def realign_deadlines(contacts: Any) -> int:
    """After a policy change, move the stored deadlines of these calls in progress to their new times.

    A raised limit (PO-1 maximum call to 1800 s) moves the warning and the breach
    later, a lowered one earlier, a longer ``wrap_up_seconds`` the end of the
    wrap-up. Each call is locked while its deadlines move. Returns how many moved.
    """
    rows = list(contacts.exclude(state__in=[ContactState.ENDED, ContactState.ABANDONED])
                .select_for_update(of=("self",)).select_related("queue", "customer").order_by("pk"))
    if not rows:
        return 0
    stored = {(d.contact_id, d.key): d for d in Deadline.objects.filter(
        contact__in=[r.pk for r in rows], fired_at__isnull=True)}
    policies: dict[tuple[int, int | None], engine.Policy] = {}
    moved: list[Deadline] = []
    missing: list[Deadline] = []
    for row in rows:
        organisation = organisation_id_of(row)
        policy = policies.get((row.queue_id, organisation))
        if policy is None:
            policy = policies[(row.queue_id, organisation)] = policy_for(row.queue, organisation)
        for due in deadlines_for(engine_contact(row), policy):
            found = stored.get((row.pk, due.key))
            if found is None:
                missing.append(Deadline(contact=row, kind=due.kind.value, key=due.key, due_at=due.due_at))
            elif found.due_at != due.due_at:
                found.due_at, found.claimed_by, found.lease_until = due.due_at, "", None
                moved.append(found)
    if moved:
        Deadline.objects.bulk_update(moved, ["due_at", "claimed_by", "lease_until"])
    if missing:
        Deadline.objects.bulk_create(missing, ignore_conflicts=True)
    return len(moved)
