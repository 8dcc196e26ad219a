"""Scoring as a stored job: a call that ends leaves a row; a worker scores it later.

Ending a call (the technician's "wrap-up done", a supervisor's action, a
worker's wrap-up deadline) only stores a :class:`ScoringJob` row in the same
transaction (:func:`enqueue`, from the receiver in ``signals.py``): the request
answers without waiting for the scorer, a rolled-back ending stores nothing,
and a committed one is never lost, even if the process dies a moment later
(SPEC: live state lives in the database, never only in a process's memory).

``atiende worker`` (and the worker thread of ``atiende demo``) claims due jobs
with a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite has a single
writer), scores each call and deletes its job in one transaction. Scoring
twice is harmless: the card's link to its contact is unique and
``score_contact`` returns the stored card. A failure keeps its error and is
tried again after a back-off; after ``MAX_ATTEMPTS`` the job gives up and stays
listed (admin: Scoring jobs, and ``atiende worker --once``) until someone queues
it again. An attempt counts when it is claimed, so a call that kills the worker
every time also ends up given up instead of looping for ever.

Tests that want the card right after a call ends call :func:`run_pending_scoring`.
"""

from __future__ import annotations

import logging
import traceback
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F, Q

from atiende.contact import services as contact_services
from atiende.contact.models import Contact, ContactState
from atiende.scorecards.models import ContactTranscript, Scorecard, ScoringJob

if TYPE_CHECKING:
    from collections.abc import Iterable

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
FIRST_RETRY_SECONDS = 60.0  # then 2, 4 and 8 minutes: about a quarter of an hour in all
# One claim covers a batch scored one after the other; a call scores in tens of milliseconds.
LEASE_SECONDS = 120
BATCH = 10
MAX_ERROR = 4000

# What one job came to (:func:`score_job`).
SCORED = "scored"  # the call has its card (stored now, or already there)
NOTHING_TO_SCORE = "nothing"  # no words, never answered, gone or not ended: no card to make
RETRY = "retry"
GAVE_UP = "gave_up"

STOPPED_MID_ATTEMPT = "the worker stopped before its last attempt finished (its lease ran out)"


def enqueue(contact: Contact) -> None:
    """Store the job of a call that ended. Call inside the ending's transaction.

    A call never answered, or with no words supplied yet, stores nothing: the
    turns score it when they arrive (``services.attach_transcript``). A second
    ending save of the same call keeps the one job (the link is unique).
    """
    if contact.answered_at is None:
        return
    if not ContactTranscript.objects.filter(contact_id=contact.pk).exists():
        return
    moment = contact_services.now()
    ScoringJob.objects.bulk_create([ScoringJob(contact_id=contact.pk, created_at=moment, next_attempt_at=moment)],
                                   ignore_conflicts=True)


def _due(moment: datetime) -> Q:
    return (Q(gave_up_at__isnull=True, next_attempt_at__lte=moment)
            & (Q(lease_until__isnull=True) | Q(lease_until__lt=moment)))


def retry_delay(attempts: int) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt."""
    return FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0)


@contact_services.single_writer
def claim_due(*, worker: str, limit: int = BATCH, at: datetime | None = None) -> list[int]:
    """Lease due jobs to this worker, oldest first; each claim counts as an attempt.

    A job whose last attempt never finished (the worker died holding it) gives
    up here instead of being tried once more.
    """
    moment = at or contact_services.now()
    due = _due(moment)
    if not ScoringJob.objects.filter(due).exists():
        return []  # the usual case: no write transaction (on SQLite, no write lock) for nothing
    with transaction.atomic():
        spent = list(ScoringJob.objects.select_for_update(skip_locked=True)
                     .filter(due, attempts__gte=MAX_ATTEMPTS).values_list("pk", flat=True))
        if spent:
            ScoringJob.objects.filter(pk__in=spent).update(gave_up_at=moment, claimed_by="", lease_until=None,
                                                           last_error=STOPPED_MID_ATTEMPT)
            log.error("scoring jobs %s gave up: %s", spent, STOPPED_MID_ATTEMPT)
        ids = list(ScoringJob.objects.select_for_update(skip_locked=True)
                   .filter(due, attempts__lt=MAX_ATTEMPTS)
                   .order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit])
        if ids:
            ScoringJob.objects.filter(pk__in=ids).update(
                claimed_by=worker[:80], lease_until=moment + timedelta(seconds=LEASE_SECONDS),
                attempts=F("attempts") + 1)
    return ids


def _score(contact_id: int) -> Scorecard | None:
    from atiende.scorecards.services import score_contact

    with transaction.atomic():  # a savepoint: a failure leaves the job's own transaction usable
        # Locked like attach_transcript locks it: turns arriving now wait for this card, then score it again.
        contact = (Contact.objects.select_for_update(of=("self",)).select_related("customer")
                   .filter(pk=contact_id).first())
        if contact is None or contact.state != ContactState.ENDED:
            return None
        try:
            return score_contact(contact=contact)
        except IntegrityError:
            # The turns arrived at the same moment and stored the card: the unique link keeps one.
            return Scorecard.objects.filter(contact_id=contact_id).first()


def _error_text(exc: BaseException) -> str:
    """The exception and where it came from (the last frames), for the admin to read."""
    text = "".join(traceback.format_exception(exc, limit=-4)).strip()
    return text if len(text) <= MAX_ERROR else "…" + text[-(MAX_ERROR - 1):]


@contact_services.single_writer
def score_job(job_id: int, *, worker: str, at: datetime | None = None) -> str | None:
    """Score the call of one job this worker holds; None if it is not ours any more.

    The job row stays locked while its call is scored, so no other worker takes
    it even if the lease runs out meanwhile; it is deleted in the transaction
    that stores the card.
    """
    moment = at or contact_services.now()
    with transaction.atomic():
        job = (ScoringJob.objects.select_for_update()
               .filter(pk=job_id, claimed_by=worker[:80], gave_up_at__isnull=True).first())
        if job is None:  # our lease ran out and another worker took it, or someone deleted it
            return None
        try:
            card = _score(job.contact_id)
        except Exception as exc:  # any scorer failure is kept on the job and tried again
            return _failed(job, exc, moment)
        job.delete()
    return SCORED if card is not None else NOTHING_TO_SCORE


def _failed(job: ScoringJob, exc: Exception, moment: datetime) -> str:
    job.last_error = _error_text(exc)
    job.claimed_by = ""
    job.lease_until = None
    if job.attempts >= MAX_ATTEMPTS:
        job.gave_up_at = moment
        log.error("scoring contact %s failed on its last attempt (%d); the job gave up",
                  job.contact_id, job.attempts, exc_info=exc)
    else:
        job.next_attempt_at = moment + timedelta(seconds=retry_delay(job.attempts))
        log.warning("scoring contact %s failed (attempt %d of %d); it is tried again at %s",
                    job.contact_id, job.attempts, MAX_ATTEMPTS, job.next_attempt_at.isoformat(), exc_info=exc)
    job.save(update_fields=["last_error", "claimed_by", "lease_until", "gave_up_at", "next_attempt_at"])
    return GAVE_UP if job.gave_up_at is not None else RETRY


def run_pending_scoring(*, worker: str | None = None, at: datetime | None = None, limit: int = BATCH,
                        max_jobs: int | None = None) -> int:
    """Score every call whose job is due now; returns how many calls have their card.

    ``max_jobs`` stops after about that many (the worker's round, so deadlines
    are not kept waiting behind a backlog); without it, everything due is done.
    """
    name = worker or f"scoring-{uuid.uuid4().hex[:8]}"
    scored = handled = 0
    while max_jobs is None or handled < max_jobs:
        ids = claim_due(worker=name, limit=limit if max_jobs is None else min(limit, max_jobs - handled), at=at)
        if not ids:
            break  # a failed job waits for its next attempt, so this ends
        for job_id in ids:
            if score_job(job_id, worker=name, at=at) == SCORED:
                scored += 1
        handled += len(ids)
    return scored


def given_up() -> int:
    """How many calls are left without a card after every attempt."""
    return ScoringJob.objects.filter(gave_up_at__isnull=False).count()


def requeue(job_ids: Iterable[int], *, at: datetime | None = None) -> int:
    """Give jobs a new set of attempts, due now (after the scorer was fixed); returns how many."""
    moment = at or contact_services.now()
    return ScoringJob.objects.filter(pk__in=list(job_ids)).update(
        attempts=0, gave_up_at=None, next_attempt_at=moment, claimed_by="", lease_until=None)
