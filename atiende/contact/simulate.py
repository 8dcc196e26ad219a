"""Built-in traffic generator: simulated callers and technicians driving the real contact services.

Accelerated time: the services read a :class:`ManualClock` that jumps from one
simulated happening to the next (an arrival, a technician's action, a stored
deadline falling due), so an hour of traffic takes seconds. Everything goes
through the same services, locks, deadlines and worker code as real traffic,
and the report is read back from what was stored (events and alerts).

Callers arrive as a Poisson process; handle times follow a gamma distribution
around the mean; a share of callers are "difficult" (CT: talkative, angry,
knowledgeable...): longer calls, more holds that overrun the announced time
(HO-5), more transfers and escalations (PO-5), some ask for level 2 (CT-ENT).
Callers who wait past their patience hang up (abandonment).
"""

from __future__ import annotations

import heapq
import itertools
import random
import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from atiende.contact import services
from atiende.contact.models import Alert, Contact, ContactEvent, Deadline, TechnicianState
from atiende.engine import ManualClock
from atiende.errors import InputError
from atiende.people.models import Role, User
from atiende.practices import Refusal


@dataclass(frozen=True)
class Scenario:
    minutes: float = 60
    calls_per_hour: float = 120
    technicians: int = 8
    tier2_share: float = 0.25
    handle_seconds: float = 300
    difficult_share: float = 0.2
    patience_seconds: float = 240
    seed: int = 1
    queue: str = "simulacion"


@dataclass
class Caller:
    difficult: bool
    handle: float
    patience: float
    contact_id: int | None = None


@dataclass
class Simulation:
    scenario: Scenario
    clock: ManualClock
    rng: random.Random
    technicians: list[User] = field(default_factory=list)
    agenda: list[tuple[datetime, int, str, dict[str, Any]]] = field(default_factory=list)
    callers: dict[int, Caller] = field(default_factory=dict)
    rung: set[tuple[int, str]] = field(default_factory=set)
    refusals: Counter[str] = field(default_factory=Counter)
    supervisor: User | None = None
    _seq: itertools.count = field(default_factory=itertools.count)

    def at(self, when: datetime, kind: str, **data: Any) -> None:
        heapq.heappush(self.agenda, (when, next(self._seq), kind, data))

    def later(self, seconds: float, kind: str, **data: Any) -> None:
        self.at(self.clock.now() + timedelta(seconds=seconds), kind, **data)


def run(scenario: Scenario, *, start: datetime | None = None) -> dict[str, Any]:
    """Simulate the scenario against the configured database; return the report."""
    clock = ManualClock(start.replace(microsecond=0) if start else None)
    previous = services.set_clock(clock)
    try:
        sim = Simulation(scenario, clock, random.Random(scenario.seed))
        first_id = _prepare(sim)
        _schedule_arrivals(sim)
        end = clock.now() + timedelta(minutes=scenario.minutes)
        _loop(sim, until=end + timedelta(minutes=30))  # let the last calls finish
        return _report(sim, first_id)
    finally:
        services.set_clock(previous)


def _prepare(sim: Simulation) -> int:
    s = sim.scenario
    services.save_queue(name=s.queue, label="Simulación", tiers=[1, 2])
    tier2 = max(1, round(s.technicians * s.tier2_share)) if s.technicians > 1 else 0
    for i in range(s.technicians):
        tier = 2 if i < tier2 else 1
        user, _created = User.objects.get_or_create(
            username=f"sim-tec-{i + 1:02d}", defaults={"role": Role.TECHNICIAN, "tier": tier,
                                                       "first_name": f"Técnico {i + 1}"})
        services.make_available(user=user)
        # Start equal: idle since the beginning of the simulation.
        TechnicianState.objects.filter(user=user).update(idle_since=sim.clock.now(), calls_today=0)
        sim.technicians.append(user)
    sim.supervisor, _created = User.objects.get_or_create(
        username="sim-supervisora", defaults={"role": Role.SUPERVISOR, "tier": 2})
    last = Contact.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return last + 1


def _schedule_arrivals(sim: Simulation) -> None:
    s = sim.scenario
    rate = s.calls_per_hour / 3600
    t = 0.0
    horizon = s.minutes * 60
    while rate > 0:
        t += sim.rng.expovariate(rate)
        if t >= horizon:
            break
        difficult = sim.rng.random() < s.difficult_share
        mean = s.handle_seconds * (1.6 if difficult else 1.0)
        caller = Caller(difficult, sim.rng.gammavariate(2.0, mean / 2), sim.rng.expovariate(1 / s.patience_seconds))
        sim.at(sim.clock.now() + timedelta(seconds=t), "arrive", caller=caller)


def _loop(sim: Simulation, *, until: datetime) -> None:
    while True:
        next_deadline = (Deadline.objects.filter(fired_at__isnull=True, contact_id__in=_live_ids(sim))
                         .order_by("due_at").values_list("due_at", flat=True).first())
        next_action = sim.agenda[0][0] if sim.agenda else None
        if next_action is None and next_deadline is None:
            return
        if next_deadline is not None and (next_action is None or next_deadline <= next_action):
            if next_deadline > until:
                return
            sim.clock.set(max(sim.clock.now(), next_deadline))
            if not services.run_due_deadlines(worker="simulator"):
                # Leased elsewhere or no longer relevant: step past it rather than spin on it.
                sim.clock.advance(1)
        else:
            assert next_action is not None
            if next_action > until:
                return
            when, _seq, kind, data = heapq.heappop(sim.agenda)
            sim.clock.set(max(sim.clock.now(), when))
            try:
                ACTIONS[kind](sim, **data)
            except (Refusal, InputError) as exc:
                # A refusal is part of the story (e.g. a hold without consent, HO-3): count it.
                sim.refusals[str(getattr(exc, "rule", None) or getattr(exc, "code", "refused"))] += 1
        _ring_technicians(sim)


def _live_ids(sim: Simulation) -> list[int]:
    return [c.contact_id for c in sim.callers.values() if c.contact_id is not None]


def _ring_technicians(sim: Simulation) -> None:
    """A technician whose phone rings answers a few seconds later."""
    for pk, offered_to, data in Contact.objects.filter(state="offered", pk__in=_live_ids(sim)).values_list(
            "pk", "offered_to_id", "data"):
        key = (pk, str(data.get("offered_at")))
        if key not in sim.rung:
            sim.rung.add(key)
            sim.later(sim.rng.uniform(2, 8), "answer", contact_id=pk, technician_id=offered_to)


def _state(contact_id: int) -> str:
    return Contact.objects.filter(pk=contact_id).values_list("state", flat=True).first() or ""


def _user(pk: int) -> User:
    return User.objects.get(pk=pk)


# ---- what callers and technicians do ---------------------------------------------

def _arrive(sim: Simulation, *, caller: Caller) -> None:
    knowledgeable = caller.difficult and sim.rng.random() < 0.3  # CT-ENT asks for level 2
    routed = services.create_contact(queue=sim.scenario.queue, caller=f"+34 6{sim.rng.randrange(10**8):08d}",
                                     level2_requested=knowledgeable)
    caller.contact_id = routed.contact.pk
    sim.callers[routed.contact.pk] = caller
    sim.later(caller.patience, "give_up", contact_id=routed.contact.pk)


def _give_up(sim: Simulation, *, contact_id: int) -> None:
    if _state(contact_id) in ("waiting", "offered"):
        services.hang_up(contact_id=contact_id, cause="caller_hangup")


def _answer(sim: Simulation, *, contact_id: int, technician_id: int) -> None:
    row = Contact.objects.filter(pk=contact_id, state="offered", offered_to_id=technician_id).first()
    if row is None:
        return
    user = _user(technician_id)
    services.answer(contact_id=contact_id, user=user)
    caller = sim.callers[contact_id]
    rng = sim.rng
    if rng.random() < (0.6 if caller.difficult else 0.2):
        sim.later(caller.handle * rng.uniform(0.2, 0.5), "hold", contact_id=contact_id)
    if rng.random() < (0.25 if caller.difficult else 0.05):
        sim.later(caller.handle * rng.uniform(0.5, 0.7), "transfer", contact_id=contact_id)
    if caller.difficult and rng.random() < 0.15:
        sim.later(caller.handle * rng.uniform(0.1, 0.3), "escalate", contact_id=contact_id)
    sim.later(caller.handle, "hang_up", contact_id=contact_id)


def _assignee(contact_id: int) -> User | None:
    pk = Contact.objects.filter(pk=contact_id).values_list("assignee_id", flat=True).first()
    return _user(pk) if pk else None


def _hold(sim: Simulation, *, contact_id: int) -> None:
    if _state(contact_id) not in ("talking", "escalated"):
        return
    caller = sim.callers[contact_id]
    consent = sim.rng.random() < 0.95
    minutes = 2
    services.put_on_hold(contact_id=contact_id, user=_assignee(contact_id), reason="Consulto la documentación",
                         customer_consent=consent, expected_minutes=minutes)
    # Difficult problems take longer than announced more often (HO-5).
    factor = sim.rng.uniform(0.8, 1.8) if caller.difficult else sim.rng.uniform(0.4, 1.1)
    sim.later(minutes * 60 * factor, "resume", contact_id=contact_id)


def _resume(sim: Simulation, *, contact_id: int) -> None:
    if _state(contact_id) == "on_hold":
        services.resume(contact_id=contact_id, user=_assignee(contact_id))


def _transfer(sim: Simulation, *, contact_id: int) -> None:
    if _state(contact_id) not in ("talking", "escalated"):
        return
    me = _assignee(contact_id)
    free = list(TechnicianState.objects.filter(status="disponible", user__username__startswith="sim-tec-")
                .exclude(user=me).values_list("user_id", flat=True))
    if me is None or not free:
        return
    target = sim.rng.choice(free)
    services.request_transfer(contact_id=contact_id, user=me, purpose="Lo atiende un especialista",
                              customer_consent=True, to_technician=target)
    roll = sim.rng.random()
    if roll < 0.7:
        sim.later(sim.rng.uniform(5, 40), "accept", contact_id=contact_id, technician_id=target)
    elif roll < 0.9:
        sim.later(sim.rng.uniform(5, 30), "decline", contact_id=contact_id, technician_id=target)
    # otherwise nobody answers: TR-5 returns the call when the timeout fires


def _accept(sim: Simulation, *, contact_id: int, technician_id: int) -> None:
    if _state(contact_id) == "transfer_pending":
        services.accept_transfer(contact_id=contact_id, user=_user(technician_id))


def _decline(sim: Simulation, *, contact_id: int, technician_id: int) -> None:
    if _state(contact_id) == "transfer_pending":
        services.decline_transfer(contact_id=contact_id, user=_user(technician_id))


def _escalate(sim: Simulation, *, contact_id: int) -> None:
    me = _assignee(contact_id)
    if me is not None and _state(contact_id) in ("talking", "on_hold", "transfer_pending"):
        services.escalate(contact_id=contact_id, user=me, reason="Cliente difícil")
        sim.later(sim.rng.uniform(15, 60), "supervise", contact_id=contact_id)


def _supervise(sim: Simulation, *, contact_id: int) -> None:
    if _state(contact_id) == "escalated" and sim.supervisor is not None:
        services.supervise(contact_id=contact_id, user=sim.supervisor, mode=sim.rng.choice(["join", "coach"]))


def _hang_up(sim: Simulation, *, contact_id: int) -> None:
    if _state(contact_id) in ("talking", "on_hold", "transfer_pending", "escalated"):
        services.hang_up(contact_id=contact_id, cause="normal")
        sim.later(sim.rng.uniform(5, 25), "wrap_up", contact_id=contact_id)


def _wrap_up(sim: Simulation, *, contact_id: int) -> None:
    if _state(contact_id) == "wrap_up":
        services.finish_wrap_up(contact_id=contact_id, user=_assignee(contact_id))


ACTIONS: dict[str, Callable[..., None]] = {
    "arrive": _arrive, "give_up": _give_up, "answer": _answer, "hold": _hold, "resume": _resume,
    "transfer": _transfer, "accept": _accept, "decline": _decline, "escalate": _escalate,
    "supervise": _supervise, "hang_up": _hang_up, "wrap_up": _wrap_up,
}


# ---- the report -------------------------------------------------------------------

def _report(sim: Simulation, first_id: int) -> dict[str, Any]:
    ids = _live_ids(sim)
    events = ContactEvent.objects.filter(contact_id__in=ids)
    waits = [e.data.get("waited_seconds", 0.0) for e in events.filter(kind="answered")]
    abandoned = events.filter(kind="abandoned").count()
    alerts = Alert.objects.filter(contact_id__in=ids)
    resumed = list(events.filter(kind="resumed").values_list("data", flat=True))
    transfer_returns = Counter(d.get("cause") for d in events.filter(kind="transfer_returned")
                               .values_list("data", flat=True))
    per_tech = Counter(events.filter(kind="answered").values_list("data__technician", flat=True))
    calls = len(ids)
    answered = len(waits)
    ordered = sorted(waits)
    s = sim.scenario
    return {
        "scenario": s.__dict__,
        "calls": calls,
        "answered": answered,
        "abandoned": abandoned,
        "abandonment_rate": round(abandoned / calls, 3) if calls else 0.0,
        "difficult_callers": sum(1 for c in sim.callers.values() if c.difficult),
        "wait_seconds": {
            "mean": round(statistics.fmean(waits), 1) if waits else 0.0,
            "p90": round(ordered[int(0.9 * (len(ordered) - 1))], 1) if ordered else 0.0,
            "max": round(ordered[-1], 1) if ordered else 0.0,
            "answered_within_max_wait": round(sum(1 for w in waits if w <= 180) / answered, 3) if answered else 0.0,
        },
        "breaches": {
            "wait_warnings_PO2": alerts.filter(rule="PO-2", level="warning").count(),
            "wait_breaches_PO2": alerts.filter(rule="PO-2", level="breach").count(),
            "call_warnings_PO1": alerts.filter(rule="PO-1", level="warning").count(),
            "call_breaches_PO1": alerts.filter(rule="PO-1", level="breach").count(),
        },
        "holds": {
            "count": events.filter(kind="hold").count(),
            "overruns_HO5": sum(1 for d in resumed if d.get("overrun_seconds", 0) > 0),
            "reminders_HO5": alerts.filter(rule="HO-5").count(),
            "mean_seconds": round(statistics.fmean(d["held_seconds"] for d in resumed), 1) if resumed else 0.0,
        },
        "transfers": {
            "requested": events.filter(kind="transfer_requested").count(),
            "accepted": events.filter(kind="transfer_accepted").count(),
            "declined": transfer_returns.get("declined", 0),
            "timed_out_TR5": transfer_returns.get("timeout", 0),
            "rate_TR1": round(events.filter(kind="transfer_accepted").count() / answered, 3) if answered else 0.0,
        },
        "escalations_PO5": events.filter(kind="escalated").count(),
        "refusals": dict(sim.refusals),
        "calls_per_technician": {User.objects.get(pk=k).username: v for k, v in sorted(per_tech.items()) if k},
    }
