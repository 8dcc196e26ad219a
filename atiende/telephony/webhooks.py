"""The outgoing webhook to the telephony side, through a stored outbox.

What Atiende decided (ring a technician, hold, resume, transfer, hang up) is
stored as a :class:`WebhookDelivery` row in the same transaction as the contact
change that produced it (:func:`record`, called by the services'
``apply.persist``): a rolled-back change sends nothing, a committed one
is never lost, even if the process dies a moment later (SPEC: live state lives
in the database, never only in memory).

Delivery (:func:`deliver_due`): any worker claims due rows with a lease
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite has a single writer), POSTs
each one signed with HMAC-SHA256 and marks it delivered. A failed attempt is
retried with exponential back-off; after the last one the row gives up and an
alert reaches the call's supervisors, so nothing fails silently. A worker that
dies mid-delivery loses its lease and another one sends the row again: delivery
is at least once, and the receiver drops repeats by the decision id
(``X-Atiende-Delivery``). Decisions about one call go out in order: a row waits
while an earlier row of the same call is pending.

Fast path: after the commit the process nudges a background thread that
delivers at once; the row stays the source of truth, and ``atiende worker``
retries whatever that thread could not send. See docs/cti.md.

Old rows go (:func:`purge`): workers delete delivered rows after
``ATIENDE_WEBHOOK_KEEP_DAYS`` (30) and given-up ones after
``ATIENDE_WEBHOOK_KEEP_FAILED_DAYS`` (90), at most once an hour, in short
batches; ``atiende webhooks --purge`` does it on demand.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import os
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from atiende import env, job_queue
from atiende.contact import live
from atiende.contact.clock import now
from atiende.contact.models import Alert, AlertLevel, Contact
from atiende.db import single_writer
from atiende.engine import EventKind
from atiende.engine.channels import pushed
from atiende.errors import InputError
from atiende.people.models import User
from atiende.telephony.models import WebhookDelivery

if TYPE_CHECKING:
    from atiende.engine import Event

log = logging.getLogger(__name__)

# Engine event kind -> the action the telephony side is told to take.
ACTIONS = {
    EventKind.OFFERED: "ring",
    EventKind.RETURNED_TO_QUEUE: "stop_ringing",
    EventKind.HOLD: "hold",
    EventKind.RESUMED: "resume",
    EventKind.TRANSFER_ACCEPTED: "transfer",
    EventKind.TRANSFER_RETURNED: "return_call",
    EventKind.SUPERVISOR_JOINED: "conference",
    EventKind.HANGUP: "hangup",
    EventKind.CALLBACK_OFFERED: "offer_callback",  # PO-2: play the caller the call-back offer
    EventKind.CALLBACK_ACCEPTED: "callback_accepted",  # the caller's line may be released: their place is kept
}

PENDING = Q(delivered_at__isnull=True, gave_up_at__isnull=True)


def webhook_url() -> str:
    return os.environ.get("ATIENDE_WEBHOOK_URL", "")


def webhook_secret() -> str:
    return os.environ.get("ATIENDE_WEBHOOK_SECRET", "")


def unsigned_webhook_problem() -> str | None:
    """Why webhooks cannot be sent as configured (issue 22, item 7): a URL and no secret.

    A delivery signed with an empty key proves nothing to the PBX (anyone can compute it), so Atiende never
    signs with one: ``atiende serve`` and ``atiende worker`` refuse to start, and a delivery found without a
    secret is not sent (it stays in the outbox and is retried, so nothing is lost once the secret is set)."""
    if webhook_url() and not webhook_secret():
        return _("ATIENDE_WEBHOOK_URL is set but ATIENDE_WEBHOOK_SECRET is empty: decisions would be signed with "
                 "an empty key, which proves nothing to the telephony system. Set ATIENDE_WEBHOOK_SECRET to the "
                 "secret the PBX checks (docs/cti.md), or unset ATIENDE_WEBHOOK_URL.")
    return None


def sign(body: bytes, secret: str, timestamp: str) -> str:
    """``sha256=<hex>`` of HMAC-SHA256 over ``<timestamp>.<body>`` (the PBX checks it the same way)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


# ---- retry policy ---------------------------------------------------------------

@dataclass(frozen=True)
class RetryPolicy:
    """Attempts and back-off. Defaults: 8 attempts, waits of 30 s doubling each time (about 1 h in all)."""

    max_attempts: int = 8
    first_delay: float = 30.0
    factor: float = 2.0
    max_delay: float = 3600.0
    timeout: float = 5.0
    lease: float = 30.0

    def delay_after(self, attempts: int) -> float:
        """Seconds to wait after the ``attempts``-th failed attempt."""
        return job_queue.backoff(attempts, first=self.first_delay, factor=self.factor, longest=self.max_delay)


def _env_number(name: str, default: float, *, whole: bool = False, minimum: float = 0.0) -> float:
    return env.number(name, default, whole=whole, minimum=minimum, code="invalid_webhook_setting")


def retry_policy() -> RetryPolicy:
    """The policy from the environment (``ATIENDE_WEBHOOK_MAX_ATTEMPTS``, ``_RETRY_SECONDS``, ``_TIMEOUT``,
    ``_LEASE_SECONDS``)."""
    return RetryPolicy(
        max_attempts=int(_env_number("ATIENDE_WEBHOOK_MAX_ATTEMPTS", 8, whole=True, minimum=1)),
        first_delay=_env_number("ATIENDE_WEBHOOK_RETRY_SECONDS", 30.0, minimum=0.001),
        timeout=_env_number("ATIENDE_WEBHOOK_TIMEOUT", 5.0, minimum=0.001),
        lease=_env_number("ATIENDE_WEBHOOK_LEASE_SECONDS", 30.0, minimum=1),
    )


# ---- writing the outbox, inside the change's transaction --------------------------

def decisions(row: Contact, events: Iterable[Event]) -> list[dict[str, Any]]:
    """The webhook payloads for these events (one query for the technicians named)."""
    chosen: list[tuple[Event, str, Any]] = []
    for event in events:
        action = ACTIONS.get(event.kind)
        if action is None:
            continue
        chosen.append((event, action, _party(event) or row.assignee_id))
    if not chosen:
        return []
    wanted = {who for _e, _a, who in chosen if who}
    wanted |= {e.data["technician"] for e, _a, _w in chosen if e.kind == EventKind.SUPERVISOR_JOINED and e.data.get("technician")}
    users = ({u["id"]: u for u in User.objects.filter(pk__in=wanted).values("id", "username", "extension")}
             if wanted else {})
    payloads = []
    for event, action, who in chosen:
        payload = {"id": str(uuid.uuid4()), "action": action, "contact": row.pk, "call_id": row.external_id,
                   "state": row.state, "technician": users.get(who) if who else None, "rule": event.rule,
                   "at": event.at.isoformat()}
        if event.kind == EventKind.SUPERVISOR_JOINED:
            # PO-5: ``technician`` is the supervisor to connect; how (join, coach, take_over) and who had the
            # call are separate, so the PBX can tell listening in from taking the call over.
            original = event.data.get("technician")
            payload["mode"] = event.data.get("mode")
            payload["original_technician"] = users.get(original) if original else None
        payloads.append(payload)
    return payloads


def _party(event: Event) -> Any:
    """Who the telephony side connects, rings or gives the call back to, for this event."""
    data = event.data
    if event.kind == EventKind.SUPERVISOR_JOINED:
        return data.get("supervisor")  # not data["technician"]: that is who had the call before
    return data.get("technician") or data.get("to") or data.get("supervisor") or data.get("back_to")


def record(row: Contact, events: Iterable[Event]) -> list[WebhookDelivery]:
    """Store the decisions of a change in the outbox. Call inside the change's transaction.

    Nothing is written (and nothing queried) unless ``ATIENDE_WEBHOOK_URL`` is set.
    """
    if not pushed(row.channel):  # CH-PRE: a visitor at the desk is nothing for the PBX
        return []
    events = list(events)
    if row.direction == "outbound" and any(e.kind in _DIAL_KINDS for e in events):
        events = _dials(row, events)
    if not webhook_url():
        return []
    payloads = decisions(row, events)
    if not payloads:
        return []
    moment = now()
    rows = [WebhookDelivery(decision_id=p["id"], contact=row, action=p["action"], payload=p, created_at=moment,
                            next_attempt_at=moment) for p in payloads]
    WebhookDelivery.objects.bulk_create(rows)
    if log.isEnabledFor(logging.INFO):  # a trail from decision to delivery (the topology test keeps these lines)
        stored = ", ".join(f"{r.decision_id} ({r.action})" for r in rows)
        transaction.on_commit(lambda: log.info("webhook decisions committed for call %s: %s", row.external_id or
                                               row.pk, stored))
    transaction.on_commit(nudge)
    return rows


_DIAL_KINDS = (EventKind.OFFERED, EventKind.RETURNED_TO_QUEUE)


def _dials(row: Contact, events: list[Event]) -> list[Event]:
    """An outbound contact given to a technician is a dial, never a ``ring``: one the technician dialled
    themselves (a campaign's preview: the ``offered`` event says ``dial``) has had its ``dial`` decision already
    (atiende.telephony.dial), or is dialled by hand; a call-back routed to them asks the PBX to dial now (its
    own ``dial`` decision). A dial nobody reported back in time (``dial_timeout``) counts as an unanswered one
    for the call-back."""
    # cycle-ok: a plug-in point: call-backs (which route through the contact services) decide their dials here
    from atiende.telephony import callbacks

    kept = []
    for event in events:
        if event.kind == EventKind.OFFERED and (event.data.get("dial")
                                                or callbacks.on_offered(row, event.data["technician"])):
            continue
        if event.kind == EventKind.RETURNED_TO_QUEUE and event.data.get("cause") == "dial_timeout":
            callbacks.dial_timed_out(row)
        kept.append(event)
    return kept


# ---- claiming and delivering -------------------------------------------------------

@single_writer
def claim_due(*, worker: str, limit: int = 20, at: datetime | None = None) -> list[int]:
    """Lease due deliveries to this worker: the oldest pending one of each call, none leased by another
    (``job_queue.claim``)."""
    policy = retry_policy()
    earlier = WebhookDelivery.objects.filter(PENDING, contact_id=OuterRef("contact_id"), pk__lt=OuterRef("pk"))
    # The lease is long enough for every claimed POST to time out once, one after the other.
    return job_queue.claim(WebhookDelivery.objects.filter(PENDING).filter(~Exists(earlier)), worker=worker,
                           moment=at or now(), limit=limit,
                           lease=lambda claimed: policy.lease + policy.timeout * claimed)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirected POST would turn into a GET without the body: count it as a failure


_opener = urllib.request.build_opener(_NoRedirects)


def body_of(row: WebhookDelivery) -> bytes:
    """The exact bytes sent (keys sorted, so every attempt and both databases send the same body)."""
    return json.dumps(row.payload, ensure_ascii=False, sort_keys=True).encode()


def _post(url: str, row: WebhookDelivery, *, attempt: int, timeout: float) -> tuple[int | None, str]:
    """POST one delivery. Returns (HTTP status or None, error text or "")."""
    # late: read at send time, as atiende/__init__ computes it (package metadata)
    from atiende import __version__

    if not webhook_secret():
        return None, "not sent: ATIENDE_WEBHOOK_SECRET is empty (a delivery is never signed with an empty key)"
    body = body_of(row)
    timestamp = str(int(time.time()))  # real time: the receiver checks freshness against its own clock
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": f"atiende/{__version__}",
        "X-Atiende-Timestamp": timestamp, "X-Atiende-Signature": sign(body, webhook_secret(), timestamp),
        "X-Atiende-Delivery": str(row.decision_id), "X-Atiende-Attempt": str(attempt),
    })
    try:
        with _opener.open(request, timeout=timeout) as response:
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code} {exc.reason}"[:200]
    except (OSError, ValueError, http.client.HTTPException) as exc:  # refused, timed out, bad URL...
        return None, f"{exc.__class__.__name__}: {exc}"[:200]
    if 200 <= status < 300:
        return status, ""
    return status, f"HTTP {status}"


def deliver(delivery_id: int, *, worker: str) -> str | None:
    """Send one delivery this worker holds. Returns its status after the attempt, or None if not ours any more."""
    url = webhook_url()
    row = _held(delivery_id, worker)
    if row is None or not url:
        return None
    status, error = _post(url, row, attempt=row.attempts + 1, timeout=retry_policy().timeout)
    return _record_attempt(row.pk, worker=worker, status=status, error=error)


@single_writer
def _held(delivery_id: int, worker: str) -> WebhookDelivery | None:
    return job_queue.held(WebhookDelivery.objects.filter(PENDING), delivery_id, worker=worker)


@single_writer
def _record_attempt(delivery_id: int, *, worker: str, status: int | None, error: str) -> str | None:
    policy = retry_policy()
    moment = now()
    with transaction.atomic():
        row = WebhookDelivery.objects.select_for_update().filter(PENDING, pk=delivery_id).first()
        if row is None:  # another worker delivered it meanwhile (our lease had run out)
            return None
        if error and not job_queue.holds(row, worker):  # our lease ran out and another worker holds it now
            return None
        row.attempts += 1
        row.last_status = status
        row.last_error = error
        if not error:  # delivered, even by a worker whose lease ran out: the PBX has it, so it is not sent again
            job_queue.release(row)
            row.delivered_at = moment
            log.info("webhook %s (%s) delivered, attempt %d, HTTP %s", row.decision_id, row.action,
                     row.attempts, status)
        elif job_queue.retry_or_give_up(row, moment=moment, max_attempts=policy.max_attempts,
                                        delay=policy.delay_after) == job_queue.GAVE_UP:
            _alert_gave_up(row, moment)
        else:
            log.warning("webhook %s (%s) failed, attempt %d: %s", row.decision_id, row.action, row.attempts, error)
        row.save(update_fields=["attempts", "last_status", "last_error", "delivered_at", *job_queue.SCHEDULE_FIELDS])
    return row.status


def _alert_gave_up(row: WebhookDelivery, moment: datetime) -> None:
    """Nothing fails silently: the call's supervisors (and administrators) see a breach alert (CH-TEL)."""
    log.error("webhook %s (%s) gave up after %d attempts: %s", row.decision_id, row.action, row.attempts,
              row.last_error)
    contact = Contact.objects.get(pk=row.contact_id)
    action, call, attempts, error = row.action, row.contact_id, row.attempts, row.last_error or "-"
    retry = f"atiende webhooks --retry {row.pk}"
    alert = Alert.objects.create(
        kind="webhook_failed", rule="CH-TEL", level=AlertLevel.BREACH, contact=contact, created_at=moment,
        message_es=(f"La centralita no recibió la orden «{action}» de la llamada {call} tras {attempts} "
                    f"intentos (último error: {error}). Revise la centralita y reenvíela con «{retry}». [CH-TEL]"),
        message_en=(f"The PBX did not receive the «{action}» decision for call {call} after {attempts} "
                    f"attempts (last error: {error}). Check the PBX and send it again with «{retry}». [CH-TEL]"),
    )
    live.after_commit(contact, [], [alert])  # consoles see it at once


def deliver_due(*, worker: str, limit: int = 20, max_rounds: int = 50) -> int:
    """Claim and send everything due now, in order per call. Returns how many were delivered."""
    if not webhook_url():
        return 0
    delivered = 0
    for _round in range(max_rounds):
        ids = claim_due(worker=worker, limit=limit)
        if not ids:
            break
        for delivery_id in ids:
            if deliver(delivery_id, worker=worker) == "delivered":
                delivered += 1
    return delivered


# ---- purging old rows ---------------------------------------------------------------

PURGE_EVERY_SECONDS = 3600.0  # a worker purges at most once an hour...
PURGE_BATCH = 500  # ...in short transactions of this many rows...
PURGE_BATCHES_PER_ROUND = 20  # ...and at most this many of them between two delivery rounds


@dataclass(frozen=True)
class Purged:
    delivered: int
    failed: int
    more: bool = False  # the round stopped at its limit: rows are left for the next one


def keep_days() -> tuple[int, int]:
    """Days a delivered and a given-up delivery are kept (``ATIENDE_WEBHOOK_KEEP_DAYS``, 30;
    ``ATIENDE_WEBHOOK_KEEP_FAILED_DAYS``, 90); 0 keeps them for ever."""
    return (int(_env_number("ATIENDE_WEBHOOK_KEEP_DAYS", 30, whole=True)),
            int(_env_number("ATIENDE_WEBHOOK_KEEP_FAILED_DAYS", 90, whole=True)))


def purge(*, at: datetime | None = None, batch: int = PURGE_BATCH, max_batches: int | None = None) -> Purged:
    """Delete delivered rows older than the kept days, and given-up ones older than theirs; never a pending one.

    Each batch is its own short transaction, so deliveries and calls never wait long behind a purge.
    ``max_batches`` (per kind) bounds one round; ``more`` says rows are left.
    """
    moment = at or now()
    delivered_days, failed_days = keep_days()
    more = False
    counts = []
    for days, condition in ((delivered_days, "delivered"), (failed_days, "failed")):
        if days <= 0:
            counts.append(0)
            continue
        cutoff = moment - timedelta(days=days)
        # Oldest first, in the order of the kind's index (contact_webhook_delivered, _undelivered), so both
        # databases read only the old rows, and nothing at all when none is old.
        old, order = ((Q(delivered_at__lt=cutoff), ("delivered_at", "pk")) if condition == "delivered"
                      else (Q(delivered_at__isnull=True, gave_up_at__lt=cutoff), ("gave_up_at", "pk")))
        total, rounds = 0, 0
        while True:
            if max_batches is not None and rounds >= max_batches:
                more = True
                break
            deleted = _delete_batch(old, order, batch)
            total += deleted
            rounds += 1
            if deleted < batch:
                break
        counts.append(total)
    if counts[0] or counts[1]:
        log.info("webhook outbox: purged %d delivered and %d given-up rows", counts[0], counts[1])
    return Purged(delivered=counts[0], failed=counts[1], more=more)


@single_writer
def _delete_batch(old: Q, order: tuple[str, ...], batch: int) -> int:
    with transaction.atomic():
        # The oldest rows come first; another worker purging at the same time skips the rows it holds.
        ids = list(WebhookDelivery.objects.select_for_update(skip_locked=True).filter(old)
                   .order_by(*order).values_list("pk", flat=True)[:batch])
        if not ids:
            return 0
        # The condition again: a row sent again meanwhile (``--retry``) is pending and stays.
        deleted, _by_model = WebhookDelivery.objects.filter(old, pk__in=ids).delete()
    return deleted


# ---- operators: list and retry -------------------------------------------------------

def find(ref: str) -> WebhookDelivery:
    """A delivery by its number or its decision id (``X-Atiende-Delivery``)."""
    ref = ref.strip()
    row = None
    if ref.isdigit():
        row = WebhookDelivery.objects.filter(pk=int(ref)).first()
    else:
        try:
            row = WebhookDelivery.objects.filter(decision_id=uuid.UUID(ref)).first()
        except ValueError:
            row = None
    if row is None:
        raise InputError("unknown_webhook_delivery", _("There is no webhook delivery %(ref)s.") % {"ref": ref},
                         status=404)
    return row


@single_writer
def requeue(ref: str) -> WebhookDelivery:
    """Send a delivery again from scratch (a full set of attempts), due now. Refuses a delivered one."""
    with transaction.atomic():
        row = find(ref)
        row = WebhookDelivery.objects.select_for_update().get(pk=row.pk)
        if row.delivered_at is not None:
            raise InputError("webhook_already_delivered",
                             _("Webhook delivery %(id)s was already delivered; it is not sent twice.")
                             % {"id": row.pk}, status=409, rule="CH-TEL")
        job_queue.start_over(WebhookDelivery.objects.filter(pk=row.pk), moment=now())
        row.refresh_from_db()
    transaction.on_commit(nudge)
    return row


# ---- the background delivery thread (fast path, and the worker's loop) ----------------

_wake = threading.Event()
_thread_lock = threading.Lock()
_thread: threading.Thread | None = None


def fast_path_enabled() -> bool:
    """``ATIENDE_WEBHOOK_FAST_PATH=0`` leaves all delivery to the worker (tests do)."""
    return os.environ.get("ATIENDE_WEBHOOK_FAST_PATH", "1") not in ("0", "false", "no", "")


def nudge() -> None:
    """After a commit: wake this process's delivery thread (started on first use)."""
    if not webhook_url() or not fast_path_enabled():
        return
    _ensure_thread(name=f"{_process_name()}-fast", interval=None, stop=threading.Event())
    _wake.set()


def wake() -> None:
    """Wake the delivery thread now (a stopping worker, so it leaves without waiting its interval)."""
    _wake.set()


def _process_name() -> str:
    import socket

    return f"{socket.gethostname()}-{os.getpid()}"


def _ensure_thread(*, name: str, interval: float | None, stop: threading.Event) -> threading.Thread:
    global _thread
    with _thread_lock:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=run_delivery_loop, args=(stop,), name="atiende-webhook",
                                       kwargs={"name": name, "interval": interval}, daemon=True)
            _thread.start()
        return _thread


def start_delivery_thread(stop: threading.Event, *, name: str, interval: float) -> threading.Thread:
    """For workers: deliver due rows every ``interval`` seconds (retries) and at once when nudged; purge old
    rows once an hour."""
    global _thread
    with _thread_lock:
        _thread = threading.Thread(target=run_delivery_loop, args=(stop,), name="atiende-webhook",
                                   kwargs={"name": name, "interval": interval, "purge_every": PURGE_EVERY_SECONDS},
                                   daemon=True)
        _thread.start()
        return _thread


def run_delivery_loop(stop: threading.Event, *, name: str, interval: float | None,
                      purge_every: float | None = None) -> int:
    """Deliver due webhooks until ``stop`` is set: every ``interval`` seconds (None: only when nudged).

    ``purge_every``: also purge old rows (:func:`purge`) at most this often, a bounded round at a time between
    deliveries; a backlog goes on at the next round. None: never (the web processes' fast path).
    """
    from django.db import close_old_connections

    total = 0
    next_purge = time.monotonic()  # once at start, then every ``purge_every`` seconds
    if purge_every is not None:
        try:
            keep_days()
        except InputError as exc:  # keep everything rather than guess what the operator meant
            log.error("webhook outbox: not purging: %s", exc.message)
            purge_every = None
    while not stop.is_set():
        try:
            total += deliver_due(worker=name)
            if purge_every is not None and time.monotonic() >= next_purge:
                next_purge = time.monotonic() + purge_every  # a failing purge is not tried every round
                if purge(batch=PURGE_BATCH, max_batches=PURGE_BATCHES_PER_ROUND).more:
                    next_purge = time.monotonic()  # a backlog: another bounded round after the next delivery
        except Exception:  # keep delivering; the rows are still there for the next round
            log.exception("webhook delivery round failed")
        finally:
            if not connection.in_atomic_block:
                close_old_connections()
        _wake.wait(interval)
        _wake.clear()
    return total
