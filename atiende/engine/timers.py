"""Timers as plain deadline values: what a contact's state implies, and what happens when one is due.

Nothing here sleeps or schedules. :func:`deadlines_for` says which deadlines a
contact has now; the Django layer stores them, and a worker that finds one due
calls :func:`fire`. Firing is idempotent and safe when late: a deadline that the
contact has moved past (the hold was resumed, the transfer accepted) does
nothing, and one that is overdue after a restart fires at once.

| kind             | from state             | due at                               | rule | effect |
|------------------|------------------------|--------------------------------------|------|--------|
| wait_warning     | waiting, offered (in)  | arrival + warn share of max wait     | PO-2 | warning alert, call-back offered (routing also opens the next tier) |
| wait_breach      | waiting, offered (in)  | arrival + max wait                   | PO-2 | breach alert |
| ring_timeout     | offered                | offer + ring (outbound: dial) timeout | CH-TEL | back to the queue (a desk dial: ends, not reached) |

Outbound contacts (a call-back, a campaign call: Atiende calls the customer) have no wait deadlines:
nobody is on the line waiting. Their "ring" is a dial, given ``dial_timeout_seconds``; one the technician
dials by hand (no PBX: ``Contact.dialled`` "hand", or "callback_hand" for a call-back) has no timeout: it is
theirs until its outcome.
| call_warning     | live                   | answer + warn share of max call      | PO-1 | warning alert |
| call_breach      | live                   | answer + max call                    | PO-1 | breach alert |
| hold_overrun     | on hold                | announced end of the hold            | HO-5 | reminder to the technician, supervisor sees it |
| transfer_timeout | transfer pending       | request + transfer timeout           | TR-5 | the call returns to the first technician |
| wrap_up_end      | wrap-up                | hang-up + wrap-up seconds            | -    | contact ended, technician free |
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from atiende.engine.contact import (
    LIVE_STATES,
    UNANSWERED,
    Contact,
    ContactState,
    Direction,
    Event,
    EventKind,
    TechnicianId,
)
from atiende.engine.policies import Policy

# Contact.dialled values of a call the technician dials on their own phone: nobody reports it, no timeout.
BY_HAND = frozenset({"hand", "callback_hand"})
# Contact.dialled of a call a technician dialled from their desk phone, reported by the PBX: a dial timeout ends it
# unanswered (not reached) rather than returning it to a queue, where routing would offer it to someone else.
DESK = "desk"


class DeadlineKind(StrEnum):
    WAIT_WARNING = "wait_warning"
    WAIT_BREACH = "wait_breach"
    RING_TIMEOUT = "ring_timeout"
    CALL_WARNING = "call_warning"
    CALL_BREACH = "call_breach"
    HOLD_OVERRUN = "hold_overrun"
    TRANSFER_TIMEOUT = "transfer_timeout"
    WRAP_UP_END = "wrap_up_end"


RULES: dict[DeadlineKind, str] = {
    DeadlineKind.WAIT_WARNING: "PO-2",
    DeadlineKind.WAIT_BREACH: "PO-2",
    DeadlineKind.RING_TIMEOUT: "CH-TEL",
    DeadlineKind.CALL_WARNING: "PO-1",
    DeadlineKind.CALL_BREACH: "PO-1",
    DeadlineKind.HOLD_OVERRUN: "HO-5",
    DeadlineKind.TRANSFER_TIMEOUT: "TR-5",
    DeadlineKind.WRAP_UP_END: "CH-TEL",
}


@dataclass(frozen=True, slots=True)
class Deadline:
    kind: DeadlineKind
    due_at: datetime
    key: str  # unique per contact: the same deadline is stored and fired once

    @property
    def rule(self) -> str:
        return RULES[self.kind]


@dataclass(frozen=True, slots=True)
class Alert:
    kind: str
    rule: str
    level: str  # "warning" before a breach, "breach" at it
    at: datetime
    contact_id: str | None
    technician: TechnicianId | None
    es: str
    en: str

    def message(self, language: str = "es") -> str:
        return self.en if language.startswith("en") else self.es


@dataclass(slots=True)
class Fired:
    events: list[Event] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.events or self.alerts)


def deadlines_for(contact: Contact, policy: Policy) -> list[Deadline]:
    """The deadlines the contact's current state implies and that have not fired yet."""
    out: list[Deadline] = []
    state = contact.state

    def add(kind: DeadlineKind, due: datetime, suffix: str = "") -> None:
        key = kind.value + suffix
        if key not in contact.fired:
            out.append(Deadline(kind, due, key))

    inbound = contact.direction is Direction.INBOUND
    if state in UNANSWERED and inbound:
        add(DeadlineKind.WAIT_WARNING, _after(contact.created_at, policy.warning_after(policy.max_wait_seconds)))
        add(DeadlineKind.WAIT_BREACH, _after(contact.created_at, policy.max_wait_seconds))
    # A call the technician dials by hand has no ring to time out: it is theirs until they record its outcome.
    if state is ContactState.OFFERED and contact.offered_at is not None and contact.dialled not in BY_HAND:
        timeout = policy.ring_timeout_seconds if inbound else policy.dial_timeout_seconds
        add(DeadlineKind.RING_TIMEOUT, _after(contact.offered_at, timeout), f":{contact.offers}")
    if state in LIVE_STATES and contact.answered_at is not None:
        add(DeadlineKind.CALL_WARNING, _after(contact.answered_at, policy.warning_after(policy.max_call_seconds)))
        add(DeadlineKind.CALL_BREACH, _after(contact.answered_at, policy.max_call_seconds))
    if state is ContactState.ON_HOLD and contact.hold is not None and contact.hold.reminded_at is None:
        add(DeadlineKind.HOLD_OVERRUN, contact.hold.announced_end, f":{contact.hold_count}")
    if state is ContactState.TRANSFER_PENDING and contact.transfer is not None:
        add(DeadlineKind.TRANSFER_TIMEOUT, contact.transfer.deadline, f":{contact.transfer_requests}")
    if state is ContactState.WRAP_UP and contact.wrap_up_started_at is not None:
        add(DeadlineKind.WRAP_UP_END, _after(contact.wrap_up_started_at, policy.wrap_up_seconds))
    return sorted(out, key=lambda d: d.due_at)


def next_deadline(contact: Contact, policy: Policy) -> Deadline | None:
    found = deadlines_for(contact, policy)
    return found[0] if found else None


def spoken_duration(seconds: float) -> tuple[str, str]:
    """A policy limit as the alerts say it, in Spanish and English: "3 minutos", "1 minuto y 30 segundos",
    "45 segundos" (a limit of 4 s is "4 segundos", never "0.0666667 minutos")."""
    minutes, rest = divmod(round(seconds), 60)
    es_parts, en_parts = [], []
    if minutes:
        es_parts.append(f"{minutes} minuto{'s' if minutes != 1 else ''}")
        en_parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    if rest or not minutes:
        es_parts.append(f"{rest} segundo{'s' if rest != 1 else ''}")
        en_parts.append(f"{rest} second{'s' if rest != 1 else ''}")
    return " y ".join(es_parts), " and ".join(en_parts)


def fire(contact: Contact, key: str, policy: Policy, *, now: datetime) -> Fired:
    """Fire the deadline ``key`` if the contact still has it and it is due; otherwise do nothing."""
    current = {d.key: d for d in deadlines_for(contact, policy)}
    deadline = current.get(key)
    if deadline is None or deadline.due_at > now:
        return Fired()
    contact.fired.append(key)
    kind = deadline.kind
    result = Fired()
    cid = contact.id
    if kind is DeadlineKind.WAIT_WARNING:
        es, en = spoken_duration(policy.max_wait_seconds)
        result.alerts.append(Alert(
            "wait", "PO-2", "warning", now, cid, None,
            f"Un cliente lleva esperando casi el máximo de {es}.",
            f"A customer has been waiting close to the maximum of {en}.",
        ))
        if policy.callback_max_attempts > 0:
            # PO-2: rather than wait on, the caller may be called back, keeping their place (the PBX plays it).
            result.events.append(Event(EventKind.CALLBACK_OFFERED, now,
                                       {"waited_seconds": contact.waited_seconds(now)}, "PO-2"))
    elif kind is DeadlineKind.WAIT_BREACH:
        es, en = spoken_duration(policy.max_wait_seconds)
        result.alerts.append(Alert(
            "wait", "PO-2", "breach", now, cid, None,
            f"Un cliente ha superado el tiempo máximo de espera de {es}.",
            f"A customer has waited past the maximum of {en}.",
        ))
    elif kind is DeadlineKind.RING_TIMEOUT:
        # A dial nobody reported back is no technician's refusal: it may go to them again.
        cause = "ring_timeout" if contact.direction is Direction.INBOUND else "dial_timeout"
        if contact.dialled == DESK:
            # A call a technician dialled from their desk phone is nobody else's to dial: not reached.
            result.events += contact.hang_up(now=now, cause=cause)
        else:
            result.events += contact.return_to_queue(now=now, cause=cause)
    elif kind is DeadlineKind.CALL_WARNING:
        es, en = spoken_duration(policy.max_call_seconds)
        result.alerts.append(Alert(
            "call", "PO-1", "warning", now, cid, contact.assignee,
            f"La llamada se acerca al máximo de {es}.",
            f"The call is nearing the maximum of {en}.",
        ))
    elif kind is DeadlineKind.CALL_BREACH:
        es, en = spoken_duration(policy.max_call_seconds)
        result.alerts.append(Alert(
            "call", "PO-1", "breach", now, cid, contact.assignee,
            f"La llamada ha superado el máximo de {es}.",
            f"The call has gone past the maximum of {en}.",
        ))
    elif kind is DeadlineKind.HOLD_OVERRUN:
        result.events += contact.remind_hold_overrun(now=now)
        # HO-5: the technician is reminded at once; the same alert shows on the supervisor's board.
        result.alerts.append(Alert(
            "hold_overrun", "HO-5", "breach", now, cid, contact.assignee,
            "La espera anunciada ha terminado: vuelva con el cliente y explíquele la situación.",
            "The announced hold time is over: go back to the customer and explain.",
        ))
    elif kind is DeadlineKind.TRANSFER_TIMEOUT:
        result.events += contact.expire_transfer(now=now)
        result.alerts.append(Alert(
            "transfer_timeout", "TR-5", "warning", now, cid, contact.assignee,
            "Nadie aceptó la transferencia a tiempo: la llamada sigue con usted.",
            "Nobody accepted the transfer in time: the call stays with you.",
        ))
    elif kind is DeadlineKind.WRAP_UP_END:
        result.events += contact.finish_wrap_up(now=now)
    return result


def _after(moment: datetime, seconds: float) -> datetime:
    return moment + timedelta(seconds=seconds)
