"""Stored job queues worked under leases: what the scoring jobs and the webhook outbox share.

A queue is a model whose rows carry ``attempts``, ``next_attempt_at``,
``claimed_by``, ``lease_until`` and ``gave_up_at`` (``scorecards.ScoringJob``,
``telephony.WebhookDelivery``). Any number of workers, in any process, work it:

- :func:`claim` leases due rows to one worker, oldest due first. On PostgreSQL
  with ``SELECT ... FOR UPDATE SKIP LOCKED``: two workers claiming at once never
  take the same row, and neither waits for the other. On SQLite through the
  project's single writer (``atiende.db.single_writer``). A row whose
  lease ran out (its worker died or stalled) is due again: another worker
  takes it over.
- :func:`held` is the row only while this worker still holds it, so a worker
  whose lease moved to another one writes nothing (:func:`holds` for a row
  already read). From then on the thread's log lines carry the row's
  ``request_id``: the request that left the job.
- :func:`retry_or_give_up` is the bookkeeping of a failed attempt: due again
  after a back-off (:func:`backoff`), or given up after the last attempt.
- :func:`start_over` gives rows a new set of attempts, due now.

What a row's work is, when an attempt counts (at the claim or after the work),
and who is told when a row gives up stay with each queue.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import models, transaction
from django.db.models import F, Q

from atiende.db import single_writer
from atiende.operations import logs

# What a failed attempt came to (:func:`retry_or_give_up`).
RETRY = "retry"
GAVE_UP = "gave_up"

# ``claimed_by``'s length in the queues' models.
HOLDER_CHARS = 80
# The fields :func:`retry_or_give_up` (and :func:`release`) may change, for ``save(update_fields=...)``.
SCHEDULE_FIELDS = ("claimed_by", "lease_until", "gave_up_at", "next_attempt_at")


def holder(worker: str) -> str:
    """The worker's name as ``claimed_by`` stores it."""
    return worker[:HOLDER_CHARS]


def due(moment: datetime) -> Q:
    """Rows whose next attempt is due and that nobody holds: never claimed, released, or their lease ran out."""
    return (Q(gave_up_at__isnull=True, next_attempt_at__lte=moment)
            & (Q(lease_until__isnull=True) | Q(lease_until__lt=moment)))


def claim[M: models.Model](rows: models.QuerySet[M], *, worker: str, moment: datetime, limit: int,
                           lease: float | Callable[[int], float], count_attempt: bool = False) -> list[Any]:
    """Lease up to ``limit`` due rows of ``rows`` to ``worker``, oldest due first; returns their ids.

    ``rows`` narrows the queue (say, rows not delivered yet); :func:`due` is added here. ``lease``:
    the seconds the claim lasts, or a function of how many rows were claimed. ``count_attempt``: each
    claim counts as an attempt (a row that kills its worker every time still runs out of attempts).
    Inside a caller's transaction the claim is part of it (the rows stay locked until it ends).
    With nothing due (a worker's usual poll) it only reads: no write transaction, and on SQLite no
    write lock taken from the requests.
    """
    logs.carry_on_for("")  # a new batch: the previous job's request id no longer applies
    if not rows.filter(due(moment)).exists():
        return []
    return _claim(rows, worker=worker, moment=moment, limit=limit, lease=lease, count_attempt=count_attempt)


@single_writer
def _claim[M: models.Model](rows: models.QuerySet[M], *, worker: str, moment: datetime, limit: int,
                            lease: float | Callable[[int], float], count_attempt: bool) -> list[Any]:
    with transaction.atomic():
        ids = list(rows.select_for_update(skip_locked=True).filter(due(moment))
                   .order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit])
        if ids:
            seconds = lease(len(ids)) if callable(lease) else lease
            changes: dict[str, Any] = {"claimed_by": holder(worker),
                                       "lease_until": moment + timedelta(seconds=seconds)}
            if count_attempt:
                changes["attempts"] = F("attempts") + 1
            rows.model._default_manager.filter(pk__in=ids).update(**changes)
    return ids


def held[M: models.Model](rows: models.QuerySet[M], pk: Any, *, worker: str, lock: bool = False) -> M | None:
    """Row ``pk`` of ``rows`` while ``worker`` still holds it; None once its claim moved on or it is gone.

    ``lock`` (inside a transaction): the row stays locked until that transaction ends, so no other
    worker claims it meanwhile, even if the lease runs out while the work goes on.
    """
    if lock:
        rows = rows.select_for_update()
    row = rows.filter(pk=pk, claimed_by=holder(worker)).first()
    if row is not None:
        # The worker's log lines about this job carry the id of the request that left it (docs/deploy.md).
        logs.carry_on_for(getattr(row, "request_id", ""))
    return row


def holds(row: Any, worker: str) -> bool:
    """Whether ``worker`` holds this row as read (lock it first for the answer to stay true)."""
    return bool(row.claimed_by == holder(worker))


def release(row: Any) -> None:
    """Nobody holds the row any more (save ``claimed_by`` and ``lease_until``)."""
    row.claimed_by = ""
    row.lease_until = None


def backoff(attempts: int, *, first: float, factor: float = 2.0, longest: float | None = None) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt: ``first``, then ``factor`` times the
    wait before, at most ``longest``."""
    delay = first * factor ** max(attempts - 1, 0)
    return delay if longest is None else min(delay, longest)


def retry_or_give_up(row: Any, *, moment: datetime, max_attempts: int, delay: Callable[[int], float]) -> str:
    """Release a row after a failed attempt, already counted in its ``attempts``.

    Before the last attempt it is due again ``delay(attempts)`` seconds after ``moment`` (:data:`RETRY`);
    after it, it gives up at ``moment`` (:data:`GAVE_UP`) and stays until :func:`start_over`. The caller
    keeps the error, tells whom it tells, and saves ``SCHEDULE_FIELDS`` with its own fields.
    """
    release(row)
    if row.attempts >= max_attempts:
        row.gave_up_at = moment
        return GAVE_UP
    row.next_attempt_at = moment + timedelta(seconds=delay(row.attempts))
    return RETRY


def start_over(rows: models.QuerySet[Any], *, moment: datetime) -> int:
    """A new set of attempts for these rows, due at ``moment``, held by nobody; returns how many."""
    return rows.update(attempts=0, gave_up_at=None, next_attempt_at=moment, claimed_by="", lease_until=None)
