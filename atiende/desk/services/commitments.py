"""Commitments (PT-2): every promise made to a customer, with its due time, until kept, missed or cancelled."""

from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.desk.models import Commitment, WorkOrder
from atiende.desk.selectors import past_due_commitments
from atiende.desk.services.checks import (
    clean_moment,
    clean_text,
    require_open,
    require_staff,
    require_visible_work_order,
    resolve_staff,
)
from atiende.desk.services.history import record_event
from atiende.errors import InputError
from atiende.people.models import User


@transaction.atomic
def add_commitment(
    *, actor: User, work_order: WorkOrder, description: str, due_at: datetime, owner: User | int | None = None,
    now: datetime | None = None,
) -> Commitment:
    """PT-2: every promise is recorded with its due time, which must be in the future."""
    require_staff(actor)
    description = clean_text(description, "description", 300, required=True, label=_("description"))
    if due_at is None:
        raise InputError("due_time_required", _("A commitment needs the time it is due."), rule="PT-2",
                         field="due_at")
    due = clean_moment(due_at, "due_at")
    now = now or timezone.now()
    if due <= now:
        raise InputError("due_time_past", _("A commitment must be due in the future."), rule="PT-2",
                         field="due_at")
    the_owner = resolve_staff(owner, "owner") or actor
    current = require_visible_work_order(actor, work_order, lock=True)
    require_open(current)
    commitment = Commitment.objects.create(
        work_order=current, description=description, due_at=due, owner=the_owner, created_at=now
    )
    record_event(current, actor, "commitment_added",
                 {"commitment": (None, description), "due_at": (None, due), "owner": (None, the_owner)})
    return commitment


@transaction.atomic
def resolve_commitment(*, actor: User, commitment: Commitment, kept: bool, cancelled: bool = False) -> Commitment:
    """Close a pending commitment: kept (cumplido), not kept (incumplido) or cancelled."""
    require_staff(actor)
    if not isinstance(kept, bool):
        raise InputError("invalid_input", _("kept must be true or false."), field="kept")
    current = require_visible_work_order(actor, commitment.work_order)
    fresh = Commitment.objects.select_for_update().get(pk=commitment.pk)
    if fresh.status != Commitment.Status.PENDING:
        raise InputError("commitment_not_pending", _("This commitment is already %(status)s.")
                         % {"status": fresh.get_status_display()}, rule="PT-2", status=409)
    if cancelled:
        status = Commitment.Status.CANCELLED
    else:
        status = Commitment.Status.KEPT if kept else Commitment.Status.MISSED
    now = timezone.now()
    old = fresh.status
    fresh.status, fresh.resolved_at = status, now
    fresh.save(update_fields=["status", "resolved_at"])
    record_event(current, actor, "commitment_resolved",
                 {"commitment": (fresh.description, fresh.description), "status": (old, status)}, at=now)
    return fresh


def flag_missed_commitments(*, now: datetime | None = None) -> list[Commitment]:
    """PT-2: pending commitments past their due time become missed, with an alert time and an event.

    Idempotent: a commitment is flagged once. Safe with several workers: on
    PostgreSQL rows already being flagged by another worker are skipped.
    """
    now = now or timezone.now()
    flagged: list[Commitment] = []
    with transaction.atomic():
        qs = past_due_commitments(now).select_related("work_order")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True, of=("self",))
        for commitment in qs.order_by("due_at", "id"):
            commitment.status = Commitment.Status.MISSED
            commitment.alerted_at = now
            commitment.save(update_fields=["status", "alerted_at"])
            record_event(commitment.work_order, None, "commitment_missed",
                         {"commitment": (commitment.description, commitment.description),
                     "status": (Commitment.Status.PENDING, Commitment.Status.MISSED)},
                         note=_("Commitment not kept by its due time."), at=now)
            flagged.append(commitment)
    return flagged

