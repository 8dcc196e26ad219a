"""Routing: which available technician gets a waiting contact.

The order of preference (SPEC §2, PO-2, CT-ENT):

1. only technicians who are available ("disponible") and have every skill the
   queue and the contact need;
2. the queue's first tier; as the wait approaches the maximum (PO-2, by
   default at 80 % of it) the next tier opens, then the next at the limit;
3. a knowledgeable customer who asked for level 2 (CT-ENT) goes to tier 2 or
   higher; only at the wait limit may a tier-1 technician take it, so the
   customer is not left waiting past the policy;
4. a technician who turned this call down (declined it, or let it ring out) is
   not rung with it again: it waits for someone else (see :func:`turned_down`);
5. a call (or a visitor) goes only to a technician with no chats; a chat to a
   technician on no call and with fewer chats than their capacity (CH-VIR,
   :func:`may_take`, engine/channels.py);
6. among the eligible, the one with the fewest chats (always none for a call),
   then the one idle the longest, then the one with the fewest contacts today (PO-3).

Contacts are served oldest first, with one exception at the service desk (CH-PRE): a visitor who checked
in for a booked visit before its slot ended is called before the visitors without one once the slot has
begun (:func:`serving_order`); early, they wait as anyone; late (after the slot), they are a walk-in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from atiende.engine.channels import concurrent
from atiende.engine.contact import Contact, ContactState, TechnicianId
from atiende.engine.policies import Policy
from atiende.practices import Refusal


class TechnicianStatus(StrEnum):
    AVAILABLE = "disponible"
    BUSY = "ocupado"
    PAUSED = "en_pausa"
    WRAP_UP = "cierre"
    OFFLINE = "desconectado"


@dataclass(slots=True)
class Technician:
    id: TechnicianId
    tier: int = 1
    skills: frozenset[str] = frozenset()
    status: TechnicianStatus = TechnicianStatus.AVAILABLE
    idle_since: datetime | None = None
    pause_reason: str = ""
    calls_today: int = 0  # PO-3 (every contact answered counts: calls, visitors, chats)
    # CH-VIR: the chats they hold now (offered, in conversation, in a chat's wrap-up), and their own capacity
    # (None: the queue's policy, Policy.max_chats). Their status stays "available" while they chat.
    chats: int = 0
    max_chats: int | None = None

    def pause(self, *, reason: str, now: datetime) -> None:
        if not (reason or "").strip():
            raise Refusal(
                "pause_reason_required", rule="CH-TEL", status=400,
                es="Indique el motivo de la pausa.", en="Give the reason for the pause.",
            )
        if self.status is TechnicianStatus.BUSY:
            raise Refusal(
                "pause_while_busy", rule="CH-TEL",
                es="No puede pausar con una llamada en curso: termínela primero.",
                en="You cannot pause during a call: finish it first.",
            )
        self.status = TechnicianStatus.PAUSED
        self.pause_reason = reason.strip()
        self.idle_since = None

    def make_available(self, *, now: datetime) -> None:
        if self.status is TechnicianStatus.BUSY:
            raise Refusal(
                "available_while_busy", rule="CH-TEL",
                es="Tiene una llamada en curso: no puede quedar disponible todavía.",
                en="You have a call in progress: you cannot become available yet.",
            )
        if self.status is not TechnicianStatus.AVAILABLE:
            self.status = TechnicianStatus.AVAILABLE
            self.idle_since = now
        self.pause_reason = ""

    def reserve(self) -> None:
        """A call rings at this technician: nobody else may offer them another."""
        self.status = TechnicianStatus.BUSY
        self.idle_since = None

    def start_call(self) -> None:
        self.reserve()
        self.calls_today += 1  # PO-3: counted when answered

    def release(self, *, now: datetime) -> None:
        """Back to the pool (an unanswered offer, a call handed on, the end of the wrap-up)."""
        self.status = TechnicianStatus.AVAILABLE
        self.idle_since = now
        self.pause_reason = ""

    def start_wrap_up(self) -> None:
        self.status = TechnicianStatus.WRAP_UP

    def finish_wrap_up(self, *, now: datetime) -> None:
        """The wrap-up ("cierre") is over: back to the pool, unless the technician paused meanwhile.

        A pause taken during the wrap-up stands, reason and all: the technician
        asked not to get calls, so the end of the wrap-up must not hand them one.
        A technician who took another call meanwhile (a transfer) stays busy.
        """
        if self.status is TechnicianStatus.WRAP_UP:
            self.release(now=now)


# ---- where a technician goes back to after a call -----------------------------------
# ``Contact.returns_to`` keeps, for whoever came onto a call from somewhere else (a
# supervisor joining, coaching or taking over, PO-5; a paused technician answering at
# the phone), the state to go back to: {"status", "pause_reason"}, plus
# ``PAUSE_STANDS: "yes"`` for a pause taken during a wrap-up of their own (that pause
# stands over the wrap-up, as in Technician.finish_wrap_up). No entry: the routing pool.
PAUSE_STANDS = "pause_stands"


def state_to_keep(status: str, pause_reason: str, *, wrap_up_pending: bool,
                  kept_elsewhere: Mapping[str, str] | None) -> dict[str, str] | None:
    """What a call keeps in ``returns_to`` for a technician coming onto it now.

    Already busy (on another call, or one rings at them) or in the wrap-up of a call of
    their own ("cierre"), they are not coming from a state of their own: after this call
    they go where that other call takes them, so its entry (``kept_elsewhere``) is carried
    over; None: the pool, after their wrap-up. Otherwise the state they are in now; a
    pause while a wrap-up of theirs is pending is marked to stand over it.
    """
    now_status = TechnicianStatus(status)
    if now_status in (TechnicianStatus.BUSY, TechnicianStatus.WRAP_UP):
        return dict(kept_elsewhere) if kept_elsewhere else None
    entry = {"status": now_status.value,
             "pause_reason": pause_reason if now_status is TechnicianStatus.PAUSED else ""}
    if wrap_up_pending and now_status is not TechnicianStatus.AVAILABLE:
        entry[PAUSE_STANDS] = "yes"
    return entry


def state_after_calls(kept: Mapping[str, str] | None, *, wrap_up_pending: bool) -> tuple[TechnicianStatus, str]:
    """Where a technician goes once on no call any more: (status, pause reason).

    A wrap-up of their own still running comes first ("cierre"; its end then takes
    them on): a call joined during the wrap-up interrupts it, it does not skip it.
    Then what ``kept`` says (a pause with its reason, not taking calls), else the
    pool. A pause taken during the wrap-up stands, as it does without a joined call.
    """
    status = TechnicianStatus(kept["status"]) if kept and kept.get("status") in _RETURNABLE else None
    if kept and kept.get(PAUSE_STANDS) and status is not None:
        return status, kept.get("pause_reason", "")
    if wrap_up_pending:
        return TechnicianStatus.WRAP_UP, ""
    if status is None:
        return TechnicianStatus.AVAILABLE, ""
    return status, kept.get("pause_reason", "") if kept else ""


_RETURNABLE = frozenset({TechnicianStatus.PAUSED.value, TechnicianStatus.OFFLINE.value})


MIN_TIER, MAX_TIER = 1, 9


@dataclass(frozen=True, slots=True)
class QueueConfig:
    name: str
    tiers: tuple[int, ...] = (1, 2)
    skills: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        # Tiers are small positive numbers (a person's tier is 1 to 9): 2^63 was once stored and broke routing.
        if (not self.tiers or list(self.tiers) != sorted(set(self.tiers))
                or not all(isinstance(t, int) and MIN_TIER <= t <= MAX_TIER for t in self.tiers)):
            raise Refusal(
                "invalid_queue_tiers", rule="CH-TEL", status=400,
                es="Los niveles de la cola deben ser distintos, en orden creciente y entre 1 y 9 (p. ej. 1, 2).",
                en="A queue's tiers must be distinct, increasing and between 1 and 9 (e.g. 1, 2).",
            )


@dataclass(frozen=True, slots=True)
class RoutingDecision:
    technician: TechnicianId | None
    tier: int | None
    open_tiers: tuple[int, ...]
    overflowed: bool
    reason_es: str
    reason_en: str
    # No technician because every available one who fits turned this call down (see turned_down).
    turned_down: bool = False


@dataclass(frozen=True, slots=True)
class Assignment:
    contact: Contact
    technician: Technician
    decision: RoutingDecision = field(compare=False)


@dataclass(frozen=True, slots=True)
class Appointment:
    """CH-PRE: the slot of a booked visit (``starts_at`` included, ``ends_at`` excluded)."""

    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class WaitingVisitor:
    """A visitor waiting at the service desk: who (``key``), since when, and their booked visit if they have one."""

    key: int
    arrived_at: datetime
    appointment: Appointment | None = None


def booked_now(visitor: WaitingVisitor, *, now: datetime) -> bool:
    """Whether the visitor goes first: they checked in before their slot ended, and the slot has begun."""
    slot = visitor.appointment
    return slot is not None and slot.starts_at <= now and visitor.arrived_at < slot.ends_at


def serving_order(waiting: Iterable[WaitingVisitor], *, now: datetime) -> list[WaitingVisitor]:
    """The order visitors are called in (CH-PRE): those whose booked slot has come first, then everyone by
    arrival, oldest first (ties by key)."""
    return sorted(waiting, key=lambda v: (not booked_now(v, now=now), v.arrived_at, v.key))


def open_tiers(contact: Contact, queue: QueueConfig, policy: Policy, *, now: datetime) -> tuple[int, ...]:
    """Tiers that may take this contact now; one more opens at each overflow step (PO-2)."""
    waited = contact.waited_seconds(now)
    limit = policy.max_wait_seconds
    first_step = limit * policy.overflow_fraction
    step = max(limit - first_step, 1e-9)
    opened = 1
    if waited >= first_step:
        opened += 1 + int((waited - first_step) // step)
    tiers = queue.tiers[:opened]
    if contact.level2_requested:
        # CT-ENT: a knowledgeable customer wants a technician of their level.
        higher = tuple(t for t in queue.tiers if t >= 2) or (2,)
        tiers = higher if waited < limit else tuple(sorted(set(higher) | set(queue.tiers)))
    return tiers


def turned_down(contact: Contact, technician: TechnicianId, policy: Policy, *, now: datetime) -> bool:
    """Whether this technician is not to be rung with this call now, having turned it down.

    A technician who declined the call, or let it ring out, is not offered it again:
    otherwise the only one available, back in the pool with a fresh idle time, gets the
    very call they just turned down, ring after ring. The call waits for someone else
    (its PO-2 timers keep running: the supervisor gets the warning and the breach as
    for any waiting call); the technician stays available for other calls.

    Once the caller has waited past the PO-2 maximum, who turned the call down
    *before* that limit may be rung with it once more: the wait is over the policy,
    nobody else came, and a supervisor has the breach alert; a decline may have been
    circumstantial (finishing a note, a mis-click) and an available technician is
    better than an unbounded wait. A second refusal, after the limit, stands for the
    rest of the call, so it never turns into the ring loop again.
    """
    waited_then = contact.declined_by.get(str(technician))
    if waited_then is None:
        return False
    limit = policy.max_wait_seconds
    return not waited_then < limit <= contact.waited_seconds(now)


def chat_capacity(technician: Technician, policy: Policy) -> int:
    """CH-VIR: how many chats this technician may hold at once: their own setting, else the queue's policy."""
    return technician.max_chats if technician.max_chats is not None else policy.max_chats


def may_take(technician: Technician, contact: Contact, policy: Policy) -> bool:
    """Whether this technician is free for this contact now, whatever its queue and tier (CH-VIR).

    Only an available technician takes anything (one on a call, ringing or in a call's wrap-up is
    "busy" or "cierre": a call is full occupancy). A chat takes one of their chat slots: they
    may take one while they hold fewer than their capacity. A call or a visitor takes the whole
    technician: only one with no chats, so a caller never waits behind written conversations.
    """
    if technician.status is not TechnicianStatus.AVAILABLE:
        return False
    if concurrent(contact.channel):
        return technician.chats < chat_capacity(technician, policy)
    return technician.chats == 0


def pick_technician(
    contact: Contact, technicians: Iterable[Technician], queue: QueueConfig, policy: Policy, *, now: datetime
) -> RoutingDecision:
    tiers = open_tiers(contact, queue, policy, now=now)
    needed = set(queue.skills) | set(contact.required_skills)
    fitting = [
        t for t in technicians
        if may_take(t, contact, policy) and t.tier in tiers and needed <= t.skills
    ]
    candidates = [t for t in fitting if not (contact.declined_by and turned_down(contact, t.id, policy, now=now))]
    overflowed = tiers != queue.tiers[:1] and not contact.level2_requested
    if not candidates and fitting:
        return RoutingDecision(
            None, None, tiers, overflowed,
            "Los técnicos disponibles que podrían atenderla ya la rechazaron o no la contestaron; "
            "la llamada sigue en cola hasta que otro quede libre.",
            "The available technicians who could take it already declined it or let it ring out; "
            "the call stays queued until someone else is free.", turned_down=True,
        )
    if not candidates:
        return RoutingDecision(
            None, None, tiers, overflowed,
            "No hay técnicos disponibles con el nivel y las habilidades necesarias; la llamada sigue en cola.",
            "No available technician with the needed tier and skills; the call stays queued.",
        )
    # The fewest chats first (CH-VIR: the load is spread; none for a call, whose candidates have none); then
    # the longest idle; then the fewest contacts today (PO-3 spreads the load); the id breaks ties, as a number
    # (the order the database reads them in: as text, technician 100 came before 99).
    never = datetime.max.replace(tzinfo=now.tzinfo)
    best = min(candidates, key=lambda t: (t.chats, t.idle_since or never, t.calls_today, t.id))
    reason_es = f"Técnico de nivel {best.tier}, el que más tiempo lleva libre"
    reason_en = f"Tier {best.tier} technician, idle the longest"
    if contact.level2_requested:
        reason_es += "; el cliente pidió nivel 2 (CT-ENT)"
        reason_en += "; the customer asked for level 2 (CT-ENT)"
    elif overflowed:
        reason_es += "; desbordamiento al siguiente nivel por el tiempo de espera (PO-2)"
        reason_en += "; overflow to the next tier because of the wait (PO-2)"
    return RoutingDecision(best.id, best.tier, tiers, overflowed, reason_es + ".", reason_en + ".")


def assign_waiting(
    contacts: Sequence[Contact], technicians: Sequence[Technician], queues: dict[str, QueueConfig],
    policies: dict[str, Policy] | Policy, *, now: datetime,
) -> list[Assignment]:
    """Match waiting contacts (oldest first) to available technicians.

    Nobody gets two calls; a technician may get several chats in one pass, up to their capacity
    (each one counted as it is assigned), and then no call (:func:`may_take`). The technicians
    given are not changed.
    """
    by_id = {t.id: t for t in technicians}
    free = [replace(t) for t in technicians if t.status is TechnicianStatus.AVAILABLE]
    out: list[Assignment] = []
    waiting = sorted((c for c in contacts if c.state is ContactState.WAITING), key=lambda c: (c.created_at, c.id))
    for contact in waiting:
        if not free:
            break
        queue = queues.get(contact.queue) or QueueConfig(contact.queue)
        policy = policies if isinstance(policies, Policy) else policies.get(contact.queue, Policy())
        decision = pick_technician(contact, free, queue, policy, now=now)
        if decision.technician is None:
            continue
        chosen = next(t for t in free if t.id == decision.technician)
        if concurrent(contact.channel):
            chosen.chats += 1  # one slot fewer for the next chat; no call for them now
        else:
            free.remove(chosen)
        out.append(Assignment(contact, by_id[chosen.id], decision))
    return out
