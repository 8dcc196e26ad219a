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
it again, and the call's supervisors get an alert on their wallboard
(:func:`_alert_gave_up`). An attempt counts when it is claimed, so a call that
kills the worker every time also ends up given up instead of looping for ever.

Turns that arrive after the call ended score it at once, in that request
(``services.attach_transcript``); if the scorer fails there, :func:`retry_later`
stores the call's job with that first attempt counted, so the worker retries
it with the same back-off instead of the failure being only logged.

Tests that want the card right after a call ends call :func:`run_pending_scoring`.
"""

from __future__ import annotations

import logging
import traceback
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from atiende import job_queue
from atiende.contact import clock
from atiende.contact.models import Alert, AlertLevel, Contact, ContactState
from atiende.db import single_writer
from atiende.scorecards import scoring
from atiende.scorecards.models import Scorecard, ScoringJob

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
NOTHING_TO_SCORE = "nothing"  # never answered, gone or not ended: no card to make
RETRY = job_queue.RETRY
GAVE_UP = job_queue.GAVE_UP

STOPPED_MID_ATTEMPT = "the worker stopped before its last attempt finished (its lease ran out)"
STOPPED_MID_ATTEMPT_ES = "el worker se detuvo antes de terminar su último intento (su reserva caducó)"

# The supervisors' alert when a job gives up (stored like every other alert, shown on the wallboard).
ALERT_KIND = "scoring_failed"
# PRACTICES.md has no rule of its own for quality scoring or calibration (SPEC capability 4 names none).
# A call's card is how its supervisors review the phone practices (CH-TEL: hold, transfer, the call
# policies); a call left without it is a CH-TEL call nobody can review, so the alert cites CH-TEL, as the
# webhook outbox's give-up alert does. A warning, not a breach: the call itself went as it went; only its
# review is missing, and "Score again" recovers it.
ALERT_RULE = "CH-TEL"
ALERT_ERROR_CHARS = 200


def enqueue(contact: Contact) -> None:
    """Store the job of a call that ended. Call inside the ending's transaction.

    Every answered call gets one, with or without words: a call handled in the
    console alone is scored on its events (issue 22, item 19), and turns that
    arrive later score it again (``services.attach_transcript``). A call never
    answered stores nothing. A second ending save of the same call keeps the one
    job (the link is unique).
    """
    if contact.answered_at is None:
        return
    moment = clock.now()
    ScoringJob.objects.bulk_create([ScoringJob(contact_id=contact.pk, created_at=moment, next_attempt_at=moment)],
                                   ignore_conflicts=True)


def retry_delay(attempts: int) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt."""
    return job_queue.backoff(attempts, first=FIRST_RETRY_SECONDS)


@single_writer
def claim_due(*, worker: str, limit: int = BATCH, at: datetime | None = None) -> list[int]:
    """Lease due jobs to this worker, oldest first (``job_queue.claim``); each claim counts as an attempt.

    A job whose last attempt never finished (the worker died holding it) gives
    up here instead of being tried once more.
    """
    moment = at or clock.now()
    due = job_queue.due(moment)
    if not ScoringJob.objects.filter(due).exists():
        return []  # the usual case: no write transaction (on SQLite, no write lock) for nothing
    with transaction.atomic():
        spent = list(ScoringJob.objects.select_for_update(skip_locked=True)
                     .filter(due, attempts__gte=MAX_ATTEMPTS).values_list("pk", "contact_id", "attempts"))
        if spent:
            ScoringJob.objects.filter(pk__in=[pk for pk, _contact, _attempts in spent]).update(
                gave_up_at=moment, claimed_by="", lease_until=None, last_error=STOPPED_MID_ATTEMPT)
            log.error("scoring jobs %s gave up: %s", [pk for pk, _contact, _attempts in spent], STOPPED_MID_ATTEMPT)
            for pk, contact_id, attempts in spent:
                _alert_gave_up(job_id=pk, contact_id=contact_id, attempts=attempts, moment=moment,
                               error_es=STOPPED_MID_ATTEMPT_ES, error_en=STOPPED_MID_ATTEMPT)
        return job_queue.claim(ScoringJob.objects.filter(attempts__lt=MAX_ATTEMPTS), worker=worker, moment=moment,
                               limit=limit, lease=LEASE_SECONDS, count_attempt=True)


def _score(contact_id: int) -> Scorecard | None:
    with transaction.atomic():  # a savepoint: a failure leaves the job's own transaction usable
        # Locked like attach_transcript locks it: turns arriving now wait for this card, then score it again.
        contact = (Contact.objects.select_for_update(of=("self",)).select_related("customer", "queue")
                   .filter(pk=contact_id).first())
        if contact is None or contact.state != ContactState.ENDED:
            return None
        try:
            return scoring.score_contact(contact=contact)
        except IntegrityError:
            # The turns arrived at the same moment and stored the card: the unique link keeps one.
            return Scorecard.objects.filter(contact_id=contact_id).first()


def _error_text(exc: BaseException) -> str:
    """The exception and where it came from (the last frames), for the admin to read."""
    text = "".join(traceback.format_exception(exc, limit=-4)).strip()
    return text if len(text) <= MAX_ERROR else "…" + text[-(MAX_ERROR - 1):]


def _error_line(exc: BaseException) -> str:
    """The exception on one short line, for an alert (the admin keeps the traceback)."""
    text = " ".join(f"{exc.__class__.__name__}: {exc}".split())
    return text if len(text) <= ALERT_ERROR_CHARS else text[:ALERT_ERROR_CHARS - 1] + "…"


def _alert_gave_up(*, job_id: int, contact_id: int, attempts: int, moment: datetime, error_es: str,
                   error_en: str) -> Alert | None:
    """Nothing fails silently: the call's supervisors (and administrators) see that it has no card.

    Call inside the transaction that marks the job given up. One open alert per call: while an alert of
    an earlier give-up is still unacknowledged (say "Score again" was tried and it failed again), it
    stands for this one too; once a supervisor has acknowledged it, a new give-up is news and alerts again.
    """
    from atiende.contact import live

    if Alert.objects.filter(kind=ALERT_KIND, contact_id=contact_id, acknowledged_at__isnull=True).exists():
        return None
    contact = Contact.objects.get(pk=contact_id)
    alert = Alert.objects.create(
        kind=ALERT_KIND, rule=ALERT_RULE, level=AlertLevel.WARNING, contact=contact, created_at=moment,
        message_es=(f"La llamada {contact_id} no se pudo evaluar tras {attempts} intentos (último error: "
                    f"{error_es}). Corrija la causa y use «Evaluar de nuevo» en la administración, Trabajos de "
                    f"evaluación (trabajo {job_id})."),
        message_en=(f"Call {contact_id} could not be scored after {attempts} attempts (last error: {error_en}). "
                    f"Fix the cause and use «Score again» in the admin, Scoring jobs (job {job_id})."),
    )
    live.after_commit(contact, [], [alert])  # the wallboards see it at once
    return alert


@single_writer
def score_job(job_id: int, *, worker: str, at: datetime | None = None) -> str | None:
    """Score the call of one job this worker holds; None if it is not ours any more.

    The job row stays locked while its call is scored, so no other worker takes
    it even if the lease runs out meanwhile; it is deleted in the transaction
    that stores the card.
    """
    moment = at or clock.now()
    with transaction.atomic():
        job = job_queue.held(ScoringJob.objects.filter(gave_up_at__isnull=True), job_id, worker=worker, lock=True)
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
    outcome = job_queue.retry_or_give_up(job, moment=moment, max_attempts=MAX_ATTEMPTS, delay=retry_delay)
    if outcome == GAVE_UP:
        log.error("scoring contact %s failed on its last attempt (%d); the job gave up",
                  job.contact_id, job.attempts, exc_info=exc)
        _alert_gave_up(job_id=job.pk, contact_id=job.contact_id, attempts=job.attempts, moment=moment,
                       error_es=_error_line(exc), error_en=_error_line(exc))
    else:
        log.warning("scoring contact %s failed (attempt %d of %d); it is tried again at %s",
                    job.contact_id, job.attempts, MAX_ATTEMPTS, job.next_attempt_at.isoformat(), exc_info=exc)
    job.save(update_fields=["last_error", *job_queue.SCHEDULE_FIELDS])
    return outcome


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


def retry_later(contact_id: int, exc: BaseException, *, at: datetime | None = None) -> ScoringJob | None:
    """Keep a call whose scoring just failed outside the worker (new turns) for the worker to retry.

    Call inside the transaction that holds the contact's row lock. With no job yet, one is stored with
    that failure as its first attempt, due after the usual first back-off. A job already there keeps
    its schedule (waiting: the worker retries it as planned; given up: it is listed and alerted, until
    "Score again") and takes the newer error. A job a worker holds right now is left alone: that worker
    waits for this transaction (the contact's lock), then scores the call with the new turns.
    Returns the job, or None when a worker holds it.
    """
    moment = at or clock.now()
    error = _error_text(exc)
    # skip_locked: a worker holding the job waits for our contact lock; waiting for its job lock would deadlock.
    job = ScoringJob.objects.select_for_update(skip_locked=True).filter(contact_id=contact_id).first()
    if job is None:
        if ScoringJob.objects.filter(contact_id=contact_id).exists():
            return None
        job = ScoringJob.objects.create(contact_id=contact_id, created_at=moment, attempts=1, last_error=error,
                                        next_attempt_at=moment + timedelta(seconds=retry_delay(1)))
        log.warning("scoring contact %s failed when its turns arrived; it is tried again at %s",
                    contact_id, job.next_attempt_at.isoformat())
        return job
    job.last_error = error
    job.save(update_fields=["last_error"])
    return job


def given_up() -> int:
    """How many calls are left without a card after every attempt."""
    return ScoringJob.objects.filter(gave_up_at__isnull=False).count()


def requeue(job_ids: Iterable[int], *, at: datetime | None = None) -> int:
    """Give jobs a new set of attempts, due now (after the scorer was fixed); returns how many."""
    return job_queue.start_over(ScoringJob.objects.filter(pk__in=list(job_ids)), moment=at or clock.now())
