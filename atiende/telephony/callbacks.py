"""Call-backs (CH-PRO, PO-2, PT-2): Atiende calls the customer back, in their window, keeping their place.

How one goes, whoever asked for it:

1. **Offer.** A caller waiting near the PO-2 limit (the wait warning, ``warn_fraction`` of
   ``max_wait_seconds``) is offered a call-back: the native answer to ``new_call`` says when
   (``callback.offer_after_seconds``), and the webhook sends ``offer_callback`` at that moment; the PBX plays
   the offer. **Accept.** The PBX posts the native event ``callback`` for the waiting call (optionally
   ``number``, another number to call): the call becomes an outbound contact to that number, **the same
   contact**, keeping its arrival time and so its place in the queue (:func:`accept_on_phone`). The caller may
   hang up; that hang-up leaves the call-back alone. A customer may also ask in the portal, or a chat through
   ``POST /api/v1/callbacks`` (:func:`request_callback`): a new outbound contact, placed at the request.
2. **Routing.** A call-back is an outbound contact of the phone channel (the engine's ``direction``, no
   channel of its own): the same queue, skills, tiers and technicians' order as a call, held out of routing
   until ``not_before`` (the customer's window opening, or the next retry). When routing gives it to a
   technician, the PBX is told to **dial** (:mod:`atiende.telephony.dial`, webhook ``dial``) the customer's
   number from the technician's extension, never after the window's end. With no phone system (no webhook)
   the technician dials it on their own phone, with no dial timeout, and says «Han contestado» or «Nadie
   contestó» (:func:`answered_by_hand`, :func:`unanswered_by_hand`), as the PBX's ``answered`` or ``hangup``.
3. **Outcome.** ``answered`` on the dial's call id: a normal call with the technician, linked to the work
   order; the commitment is kept. ``hangup`` before the answer (``no_answer``, ``busy``...): the contact
   waits again, ``callback_retry_minutes`` later, up to ``callback_max_attempts`` dials; after the last one,
   or when the window closes undialled (:func:`expire_due`, every worker round), the call-back **fails**: the
   contact is closed (outbound, unanswered), the commitment missed, and a breach alert (PT-2) reaches the
   queue's supervisors.
4. **Commitment (PT-2).** A call-back with a work order (the one given, or the customer's latest open one)
   records a commitment «Devolver la llamada al …» due at the window's end, which the customer sees in the
   portal with the work order; kept when the customer answers, missed when it fails.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.contact import live
from atiende.contact.clock import now
from atiende.contact.models import Alert, AlertLevel, Contact, ContactState, Queue
from atiende.contact.selectors import policy_for, queue_named
from atiende.contact.services import calls, routing
from atiende.contact.services.apply import load, organisation_id_of, run
from atiende.contact.services.locking import lock_contact, tx
from atiende.db import single_writer
from atiende.desk.models import Commitment, Customer, WorkOrder
from atiende.desk.services.history import record_event
from atiende.engine import Policy
from atiende.errors import InputError
from atiende.people.models import User
from atiende.telephony import dial, webhooks
from atiende.telephony.models import Callback

log = logging.getLogger(__name__)

MAX_DAYS_AHEAD = 14  # a window may open at most this far ahead
MIN_WINDOW_MINUTES = 15  # and last at least this long: the retries need room
OVERNIGHT_HOURS = 12  # the longest window whose end, a time before its start, is read as the next day's


def phone_window_minutes() -> int:
    """How long after accepting on the phone the caller may be called (``ATIENDE_CALLBACK_WINDOW_MINUTES``)."""
    try:
        return max(MIN_WINDOW_MINUTES, int(os.environ.get("ATIENDE_CALLBACK_WINDOW_MINUTES", "120")))
    except ValueError:
        return 120


@dataclass(frozen=True)
class Accepted:
    callback: Callback
    dial: dial.DialRequest | None  # dialled at once: a technician was free


# ---- asking for one --------------------------------------------------------------------------------------

def _require_offered(policy: Policy, queue: Queue) -> None:
    if policy.callback_max_attempts < 1:
        raise InputError("callbacks_off",
                         _("Queue %(queue)s takes no call-backs (its callback_max_attempts is 0).")
                         % {"queue": queue.name}, rule="PO-2", status=409, field="queue")


def accept_on_phone(row: Contact, *, number: str = "") -> Accepted:
    """The native ``callback`` event: the waiting call ``row`` (locked by the caller) becomes a call-back.

    ``number``: the number to call; empty, the caller's own. Refused (naming the rule) when the call is no
    longer waiting, is a call-back already, or its queue takes none.
    """
    loaded = load(row)
    _require_offered(loaded.policy, row.queue)
    if row.state not in (ContactState.WAITING, ContactState.OFFERED):
        raise InputError("callback_too_late",
                         _("The call is no longer waiting (it is %(state)s): a call-back is offered only while "
                           "the caller waits.") % {"state": row.get_state_display()}, rule="PO-2", status=409)
    clean = dial.dialable(number or row.caller, rule="PO-2")
    moment = now()
    phone_call_id = row.external_id or ""
    outcome = run(loaded, lambda c, p: c.accept_callback(number=clean, now=moment))
    row.direction, row.callee = "outbound", clean
    row.save(update_fields=["direction", "callee"])
    callback = _create(row, origin=Callback.Origin.PHONE, number=clean, policy=loaded.policy, at=moment,
                       window_start=moment, window_end=moment + timedelta(minutes=phone_window_minutes()),
                       customer_id=row.customer_id, work_order=None, note="", by=None)
    callback.phone_call_id = phone_call_id
    callback.save(update_fields=["phone_call_id"])
    if outcome.routes_again:
        transaction.on_commit(routing.dispatch)  # the technician it rang at is free again
    routed = routing.route_contact(contact_id=row.pk)
    return Accepted(callback, _last_dial(callback) if routed.technician is not None else None)


def day_window(day: date, start: time, end: time, *, end_field: str = "window_end") -> tuple[datetime, datetime]:
    """A window given as a day and two times in the contact center's time zone (the forms' and the chat widget's).
    An end at or before the start is the next day's (from 23:30 until 01:00) while the window stays within
    OVERNIGHT_HOURS; anything longer is a slip (12:00 until 11:00), refused on ``end_field``."""
    end_day = day if end > start else day + timedelta(days=1)
    opens = timezone.make_aware(datetime.combine(day, start))
    closes = timezone.make_aware(datetime.combine(end_day, end))
    if end_day != day and closes - opens > timedelta(hours=OVERNIGHT_HOURS):
        raise InputError("callback_window_invalid", _("The window must end after it starts."), rule="PT-2",
                         field=end_field)
    return opens, closes


@single_writer
def request_callback(*, actor: User | None, number: str, window_start: datetime | None = None,
                     window_end: datetime | None = None, queue: str | None = None,
                     customer: Customer | None = None, work_order: WorkOrder | None = None, note: str = "",
                     origin: str = Callback.Origin.PORTAL) -> Callback:
    """A call-back asked for in the portal, a chat or by staff: a new outbound contact in ``queue``.

    ``window_start`` (default now) and ``window_end`` (default two hours later) bound when the customer may be
    called; the window must end in the future, last at least 15 minutes and open within 14 days.
    """
    moment = now()
    origin = Callback.Origin(origin)
    start = window_start or moment
    end = window_end or max(start, moment) + timedelta(minutes=phone_window_minutes())
    for name, value in (("window_start", start), ("window_end", end)):
        if value.tzinfo is None:
            raise InputError("callback_window_invalid", _("%(field)s needs a time zone (ISO 8601 with an offset).")
                             % {"field": name}, rule="PT-2", field=name)
    if end <= moment:
        raise InputError("callback_window_past", _("The window to call ends in the past: choose a later time."),
                         rule="PT-2", field="window_end")
    if end - max(start, moment) < timedelta(minutes=MIN_WINDOW_MINUTES):
        raise InputError("callback_window_too_short",
                         _("The window to call must last at least %(minutes)s minutes (from now, if it has "
                           "opened).") % {"minutes": MIN_WINDOW_MINUTES}, rule="PT-2", field="window_end")
    if start > moment + timedelta(days=MAX_DAYS_AHEAD):
        raise InputError("callback_window_too_far", _("A call-back can be booked at most %(days)s days ahead.")
                         % {"days": MAX_DAYS_AHEAD}, rule="PT-2", field="window_start")
    clean = dial.dialable(number, rule="PT-2")
    text = (note or "").strip()
    if len(text) > 300:
        raise InputError("callback_note_too_long", _("The note is at most 300 characters."), field="note")
    if work_order is not None and customer is not None and work_order.customer_id != customer.pk:
        raise InputError("unknown_work_order", _("That request is not yours."), status=404, field="work_order")
    with tx():
        organisation = customer.organisation_id if customer is not None else None
        queue_row = queue_named(queue) if queue else _queue_for(work_order, organisation)
        if queue_row is None:
            raise InputError("unknown_queue", _("There is no queue to put the call-back in."), status=404,
                             field="queue")
        policy = policy_for(queue_row, organisation)
        _require_offered(policy, queue_row)
        if customer is not None and Callback.objects.filter(
                customer=customer, status__in=(Callback.Status.PENDING, Callback.Status.DIALLING)).exists():
            raise InputError("callback_already_pending",
                             _("A call-back is already pending for you: we will call you in its window."),
                             rule="PT-2", status=409)
        row = routing.create_contact(queue=queue_row, direction="outbound", callee=clean, route=False,
                                     customer_id=customer.pk if customer is not None else None).contact
        callback = _create(row, origin=origin, number=clean, policy=policy, at=moment, window_start=start,
                           window_end=end, customer_id=row.customer_id, work_order=work_order, note=text, by=actor)
    if callback.not_before <= moment:
        routing.route_contact(contact_id=row.pk)
        callback.refresh_from_db()
    return callback


def _queue_for(work_order: WorkOrder | None, organisation: int | None) -> Queue | None:
    """No queue named: the first queue of the work order's team that takes call-backs, else the first of any
    queue that does, else the first queue (which then refuses with ``callbacks_off``)."""
    rows = list(Queue.objects.order_by("pk"))
    team = work_order.team_id if work_order is not None else None
    ordered = [q for q in rows if team is not None and q.team_id == team] + rows
    return next((q for q in ordered if policy_for(q, organisation).callback_max_attempts > 0),
                rows[0] if rows else None)


def _create(row: Contact, *, origin: str, number: str, policy: Policy, at: datetime, window_start: datetime,
            window_end: datetime, customer_id: int | None, work_order: WorkOrder | None, note: str,
            by: User | None) -> Callback:
    if work_order is None and customer_id is not None:
        work_order = (WorkOrder.objects.filter(customer_id=customer_id, closed_at__isnull=True)
                      .order_by("-created_at", "-pk").first())
    callback = Callback.objects.create(
        contact=row, customer_id=customer_id, work_order=work_order, number=number, origin=origin, note=note,
        requested_at=at, requested_by=by, window_start=window_start, window_end=window_end,
        not_before=max(window_start, at), max_attempts=max(1, policy.callback_max_attempts),
        retry_minutes=policy.callback_retry_minutes)
    if work_order is not None:
        local = window_end.astimezone()
        callback.commitment = Commitment.objects.create(
            work_order=work_order, due_at=window_end, owner=None, created_at=at,
            description=_("Call the customer back at %(number)s by %(end)s") % {
                "number": number, "end": local.strftime("%d/%m %H:%M")})
        callback.save(update_fields=["commitment"])
        record_event(work_order, by, "commitment_added",
                     {"commitment": (None, callback.commitment.description), "due_at": (None, window_end)}, at=at)
    return callback


# ---- routing: the dial ------------------------------------------------------------------------------------

def on_offered(row: Contact, technician_id: int) -> bool:
    """Routing gave the outbound contact ``row`` to a technician (in its transaction): if it is a call-back,
    ask the PBX to dial and say so (True: the PBX is told ``dial``, not ``ring``)."""
    callback = Callback.objects.select_for_update().filter(contact=row).first()
    if callback is None:
        return False
    moment = now()
    # No phone system to ask (no webhook): the technician dials it on their own phone (the card says so) and
    # says whether someone answered (:func:`answered_by_hand`, :func:`unanswered_by_hand`); the dial's call id
    # is still given, for a CTI that reports it.
    by_hand = not webhooks.webhook_url()
    technician = User.objects.get(pk=technician_id)
    try:
        dial.request_dial(row, number=callback.number, technician=technician, purpose=dial.Purpose.CALLBACK,
                          attempt=callback.attempts + 1, not_after=callback.window_end, at=moment)
    except InputError as exc:
        if by_hand:
            _dialling(callback, moment)
            return True
        # The technician has no extension, or the window has just closed: no dial goes out; the offer times
        # out (dial_timeout_seconds) and the call-back waits again (or fails at its window's end).
        log.warning("call-back %s not dialled: %s", callback.pk, exc.message)
        return True
    _dialling(callback, moment)
    return True


def _dialling(callback: Callback, moment: datetime) -> None:
    callback.attempts += 1
    callback.status = Callback.Status.DIALLING
    callback.first_dialled_at = callback.first_dialled_at or moment
    callback.last_dialled_at = moment
    callback.save(update_fields=["attempts", "status", "first_dialled_at", "last_dialled_at"])


# ---- dialled by hand (no phone system) ----------------------------------------------------------------

def _dialling_by_hand(contact_id: int, user: User) -> tuple[Contact, Callback]:
    """The call-back ``contact_id`` the technician ``user`` is dialling on their own phone (locked), or a refusal
    naming the rule."""
    row = lock_contact(contact_id)
    callback = of_contact(row)
    contact = load(row).contact
    if (callback is None or row.state != ContactState.OFFERED or row.offered_to_id != user.pk
            or contact.dialled != "callback_hand" or callback.status != Callback.Status.DIALLING):
        raise InputError("not_your_callback_dial",
                         _("This is not a call-back you are dialling by hand now."), rule="CH-PRO", status=409)
    return row, callback


@single_writer
def answered_by_hand(*, contact_id: int, user: User) -> Contact:
    """«Han contestado»: the customer answered the call-back the technician dialled by hand: the talk time
    starts, as a PBX's ``answered``, and the commitment is kept (PT-2)."""
    with tx():
        row, _ = _dialling_by_hand(contact_id, user)
        outcome = calls.answer(contact_id=row.pk, user=user)
        answered(outcome.contact)
    return outcome.contact


@single_writer
def unanswered_by_hand(*, contact_id: int, user: User) -> Callback:
    """«Nadie contestó»: an unanswered try, as a PBX's ``hangup`` before the answer: the technician is free
    at once and the call-back waits ``retry_minutes`` for its next try, or fails after the last one or at its
    window's end (PT-2)."""
    with tx():
        row, callback = _dialling_by_hand(contact_id, user)
        unanswered(row, callback, cause="no_answer")
    return callback


def _last_dial(callback: Callback) -> dial.DialRequest | None:
    """The dial just requested for this call-back, as stored in the outbox (None without a webhook)."""
    delivery = callback.contact.webhook_deliveries.filter(action="dial").order_by("-pk").first()
    if delivery is None:
        return None
    p = delivery.payload
    return dial.DialRequest(
        decision_id=p["id"], contact=p["contact"], call_id=p["call_id"], number=p["number"],
        technician=p["technician"], purpose=p["purpose"], attempt=p["attempt"],
        not_after=datetime.fromisoformat(p["not_after"]) if p["not_after"] else None, caller_id=p["caller_id"],
        at=datetime.fromisoformat(p["at"]), rule=p["rule"])


# ---- outcomes reported by the PBX ---------------------------------------------------------------------

def of_contact(row: Contact) -> Callback | None:
    return Callback.objects.select_for_update().filter(contact=row).first()


def answered(row: Contact) -> None:
    """The customer picked up the dial: connected, and the commitment kept (PT-2)."""
    callback = of_contact(row)
    if callback is None or callback.status == Callback.Status.CONNECTED:
        return
    moment = now()
    callback.status, callback.connected_at = Callback.Status.CONNECTED, moment
    callback.save(update_fields=["status", "connected_at"])
    _resolve_commitment(callback, Commitment.Status.KEPT, moment)


def unanswered(row: Contact, callback: Callback, *, cause: str) -> dict[str, Any]:
    """The dial was not answered (``cause``): wait for the next retry, or fail after the last one."""
    moment = now()
    loaded = load(row)
    outcome = run(loaded, lambda c, p: c.dial_unanswered(now=moment, cause=cause))
    _after_unanswered(row, callback, cause=cause)
    if outcome.routes_again:
        transaction.on_commit(routing.dispatch)
    return {"callback": describe(callback)}


def dial_timed_out(row: Contact) -> None:
    """The PBX reported nothing of a dial within ``dial_timeout_seconds`` (the contact is back in the queue, in
    the timer's transaction): as an unanswered dial, the call-back waits for its retry or fails."""
    callback = of_contact(row)
    if callback is None or callback.status != Callback.Status.DIALLING:
        return
    _after_unanswered(row, callback, cause="dial_timeout")


def _after_unanswered(row: Contact, callback: Callback, *, cause: str) -> None:
    moment = now()
    callback.last_cause = cause
    retry_at = moment + timedelta(minutes=callback.retry_minutes)
    if callback.attempts >= callback.max_attempts or retry_at >= callback.window_end:
        _fail(row, callback, reason="no_answer" if callback.attempts >= callback.max_attempts else "window_closed")
    else:
        callback.status, callback.not_before = Callback.Status.PENDING, retry_at
        callback.save(update_fields=["status", "not_before", "last_cause"])


def _fail(row: Contact, callback: Callback, *, reason: str) -> None:
    """PT-2 not kept: the contact closes unanswered, the commitment is missed, the supervisors are alerted."""
    moment = now()
    loaded = load(row)
    if loaded.contact.state in (ContactState.WAITING, ContactState.OFFERED):
        run(loaded, lambda c, p: c.hang_up(now=moment, cause=f"callback_{reason}"))
    callback.status, callback.failure, callback.ended_at = Callback.Status.FAILED, reason, moment
    callback.save(update_fields=["status", "failure", "ended_at", "last_cause", "not_before"])
    _resolve_commitment(callback, Commitment.Status.MISSED, moment)
    why_es = {"no_answer": f"no contestó tras {callback.attempts} intentos",
              "window_closed": "su franja terminó sin que se le pudiera llamar"}.get(reason, reason)
    why_en = {"no_answer": f"did not answer after {callback.attempts} attempts",
              "window_closed": "their window ended before they could be called"}.get(reason, reason)
    alert = Alert.objects.create(
        kind="callback_failed", rule="PT-2", level=AlertLevel.BREACH, contact=row, created_at=moment,
        message_es=f"Devolución de llamada fallida al {callback.number}: {why_es}. Llame o escriba al cliente. [PT-2]",
        message_en=f"Failed call-back to {callback.number}: the customer {why_en}. Call or write to them. [PT-2]")
    live.after_commit(row, [], [alert])


def _resolve_commitment(callback: Callback, status: str, moment: datetime) -> None:
    commitment = callback.commitment
    if commitment is None or commitment.status != Commitment.Status.PENDING:
        return
    commitment.status, commitment.resolved_at = status, moment
    commitment.save(update_fields=["status", "resolved_at"])
    record_event(commitment.work_order, None, "commitment_resolved",
                 {"commitment": (commitment.description, commitment.description),
                  "status": (Commitment.Status.PENDING, status)}, at=moment)


@single_writer
def expire_due(*, limit: int = 100) -> int:
    """Call-backs whose window closed while they waited undialled fail (PT-2). Returns how many."""
    moment = now()
    ids = list(Callback.objects.filter(status=Callback.Status.PENDING, window_end__lte=moment,
                                       contact__state=ContactState.WAITING)
               .order_by("window_end").values_list("contact_id", flat=True)[:limit])
    failed = 0
    for contact_id in ids:
        with tx():
            row = lock_contact(contact_id)
            callback = of_contact(row)
            if (callback is None or callback.status != Callback.Status.PENDING or row.state != ContactState.WAITING
                    or callback.window_end > moment):
                continue  # dialled or changed meanwhile
            _fail(row, callback, reason="window_closed")
            failed += 1
    return failed


@single_writer
def cancel(*, callback: Callback, actor: User) -> Callback:
    """The customer (or staff) no longer wants the call: the contact closes, the commitment is cancelled."""
    with tx():
        row = lock_contact(callback.contact_id)
        fresh = of_contact(row)
        assert fresh is not None
        if fresh.status != Callback.Status.PENDING:
            raise InputError("callback_not_pending", _("This call-back is %(status)s: it can no longer be cancelled.")
                             % {"status": fresh.get_status_display()}, rule="PT-2", status=409)
        moment = now()
        loaded = load(row)
        if loaded.contact.state in (ContactState.WAITING, ContactState.OFFERED):
            run(loaded, lambda c, p: c.hang_up(now=moment, cause="callback_cancelled"), actor=actor)
        fresh.status, fresh.ended_at, fresh.failure = Callback.Status.CANCELLED, moment, "cancelled"
        fresh.save(update_fields=["status", "ended_at", "failure"])
        _resolve_commitment(fresh, Commitment.Status.CANCELLED, moment)
    return fresh


# ---- reading ------------------------------------------------------------------------------------------

def describe(callback: Callback) -> dict[str, Any]:
    """A call-back as the API and the native answer show it."""
    return {
        "id": callback.pk, "contact": callback.contact_id, "status": callback.status, "origin": callback.origin,
        "number": callback.number, "window_start": callback.window_start.isoformat(),
        "window_end": callback.window_end.isoformat(), "not_before": callback.not_before.isoformat(),
        "attempts": callback.attempts, "max_attempts": callback.max_attempts,
        "work_order": callback.work_order.number if callback.work_order_id and callback.work_order else None,
        "commitment": callback.commitment_id, "kept": callback.kept, "failure": callback.failure or None,
    }


def offer_terms(row: Contact) -> dict[str, Any] | None:
    """For the native answer to a queued ``new_call``: when the PBX should offer the call-back (None: never)."""
    policy = policy_for(row.queue, organisation_id_of(row))
    if policy.callback_max_attempts < 1:
        return None
    after = policy.warning_after(policy.max_wait_seconds)
    return {"offer_after_seconds": round(after), "offer_at": (row.created_at + timedelta(seconds=after)).isoformat(),
            "rule": "PO-2", "accept": {"type": "callback", "call_id": row.external_id}}
