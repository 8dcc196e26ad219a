"""One event, decided: the engine's whole answer to the Django shell, in one value.

The shell (``atiende.contact.services``) loads a call's stored state once, under
its lock, and hands it here with what happened; :func:`decide` runs the action
on it and returns an :class:`Outcome`: the new state, the events, the alerts,
how the stored deadlines change, what becomes of each technician the call
touched, and whether routing should run again. The shell then stores all of it
in one pass and tells the consoles and the PBX after the commit. Nothing here
reads or writes anything: the same state and event always give the same outcome.

What happens to technicians is said as moves (:class:`TechnicianMove`), not as
statuses: whether a technician really goes back to the pool depends on their
other calls, which only the shell can see (a supervisor on two calls at once, a
transfer taken while another call rang out), so the shell applies each move
with that check in the same statement.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from atiende.engine.channels import concurrent
from atiende.engine.contact import Contact, Event, EventKind, SupervisorMode, TechnicianId
from atiende.engine.policies import Policy
from atiende.engine.timers import Alert, Deadline, Fired, deadlines_for


class TechnicianMove(StrEnum):
    """What a call does to a technician's stored state."""

    RESERVE = "reserve"  # it rings at them, or a supervisor came onto it: busy, no other call is offered them
    RELEASE = "release"  # it stopped ringing at them: back to the pool, unless another call has them
    START_CALL = "start_call"  # they answered it (or took it by a transfer): busy, one more call today (PO-3)
    HAND_BACK = "hand_back"  # they are done with it: where they go next (routing.state_after_calls)
    WRAP_UP = "wrap_up"  # it was hung up: their wrap-up ("cierre"), unless another call has them
    END_WRAP_UP = "end_wrap_up"  # the wrap-up is over: as HAND_BACK, only for one still in "cierre"
    # CH-VIR: they accepted a chat (answered, or took it by a transfer or a take-over): one more contact today
    # (PO-3), their status unchanged: a chat holds one of their slots, counted from the chats themselves.
    COUNT = "count"


@dataclass(frozen=True, slots=True)
class TechnicianChange:
    move: TechnicianMove
    technician: TechnicianId
    at: datetime


@dataclass(slots=True)
class Outcome:
    """Everything one event changed. ``before`` is the state as loaded (None for a new call)."""

    before: Contact | None
    contact: Contact
    events: list[Event]
    alerts: list[Alert] = field(default_factory=list)
    deadlines_dropped: frozenset[str] = frozenset()  # keys the new state no longer implies
    deadlines_added: tuple[Deadline, ...] = ()  # deadlines the new state implies that were not stored
    technicians: tuple[TechnicianChange, ...] = ()
    routes_again: bool = False  # a technician may have become free: waiting calls are routed again

    @property
    def changed(self) -> bool:
        return bool(self.events or self.alerts)


Action = Callable[[Contact, Policy], "list[Event] | Fired"]


def decide(contact: Contact, policy: Policy, action: Action, *, now: datetime,
           alerts: Iterable[Alert] = (), new: bool = False) -> Outcome:
    """Run ``action`` on ``contact`` (changed in place: it becomes the outcome's ``contact``) and say what changed.

    ``action`` returns the engine's events, or a :class:`~atiende.engine.timers.Fired` (a timer's events and
    alerts). ``new``: the call is arriving, nothing of it is stored yet. A refusal propagates, having changed
    nothing the shell will store.
    """
    before = None if new else Contact.from_dict(contact.to_dict())
    stored = set() if before is None else {d.key for d in deadlines_for(before, policy)}
    result = action(contact, policy)
    events, all_alerts = (result.events, [*alerts, *result.alerts]) if isinstance(result, Fired) else (
        result, list(alerts))
    implied = {d.key: d for d in deadlines_for(contact, policy)}
    moves = tuple(technician_changes(before, contact, events, now=now))
    return Outcome(
        before=before, contact=contact, events=events, alerts=all_alerts,
        deadlines_dropped=frozenset(stored - implied.keys()),
        deadlines_added=tuple(d for key, d in implied.items() if key not in stored),
        technicians=moves,
        # A technician released (a call that rang at them, or that they dialled, ended unanswered) may take
        # a waiting call at once.
        routes_again=_routes_again(contact, events) or any(m.move is TechnicianMove.RELEASE for m in moves)
        or (contact.dialled != "" and any(e.kind == EventKind.ABANDONED for e in events)),
    )


def arrival(contact: Contact, policy: Policy, *, offer_to: TechnicianId | None, now: datetime) -> Outcome:
    """A new call: its ``created`` event, and the offer to ``offer_to`` when routing chose someone."""

    def arrive(c: Contact, p: Policy) -> list[Event]:
        events = [Event(EventKind.CREATED, now, {
            "queue": c.queue, "direction": c.direction.value, "from": c.caller, "to": c.callee,
            "level2_requested": c.level2_requested})]
        if offer_to is not None:
            events += c.offer(offer_to, now=now)
        return events

    return decide(contact, policy, arrive, now=now, new=True)


def technician_changes(before: Contact | None, after: Contact, events: list[Event], *,
                       now: datetime) -> list[TechnicianChange]:
    """What the events do to the technicians, in order, all at the time of the last event.

    A chat (CH-VIR) never changes a technician's status: it holds one of their chat slots while it is
    offered to them, theirs or in its wrap-up (the shell counts those), and counts once for PO-3 when
    they take it. A supervisor who joins or coaches a chat is not made busy: they may follow several.
    """
    moment = events[-1].at if events else now
    if concurrent(after.channel):
        return [TechnicianChange(TechnicianMove.COUNT, who, moment) for who in _took_chat(before, events) if who]
    previous_assignee = before.assignee if before else None
    previous_offered = before.offered_to if before else None
    out: list[TechnicianChange] = []

    def move(kind: TechnicianMove, technician: TechnicianId | None) -> None:
        if technician:
            out.append(TechnicianChange(kind, technician, moment))

    for event in events:
        data = event.data
        if event.kind == EventKind.OFFERED:
            move(TechnicianMove.RESERVE, data["technician"])
        elif event.kind == EventKind.RETURNED_TO_QUEUE:
            move(TechnicianMove.RELEASE, data.get("technician"))
        elif event.kind == EventKind.ANSWERED:
            move(TechnicianMove.START_CALL, data["technician"])
        elif event.kind == EventKind.TRANSFER_ACCEPTED:
            move(TechnicianMove.HAND_BACK, data["from"])
            move(TechnicianMove.START_CALL, data["to"])
        elif event.kind == EventKind.SUPERVISOR_JOINED:
            if (data.get("mode") == SupervisorMode.TAKE_OVER and previous_assignee
                    and previous_assignee != data["supervisor"]):
                move(TechnicianMove.HAND_BACK, previous_assignee)
            # Taking over, joining or coaching, the supervisor is on the call: no other is offered them (PO-5).
            move(TechnicianMove.RESERVE, data["supervisor"])
        elif event.kind == EventKind.HANGUP:
            move(TechnicianMove.WRAP_UP, after.assignee)
            for supervisor in after.supervisors:
                if supervisor != after.assignee:  # no wrap-up for who only joined: back to what they did
                    move(TechnicianMove.HAND_BACK, supervisor)
        elif event.kind == EventKind.ENDED:
            move(TechnicianMove.END_WRAP_UP, after.assignee)
        elif event.kind == EventKind.ABANDONED:
            if previous_offered and after.dialled and str(previous_offered) in after.returns_to:
                # Their own dial, nobody answered: back to what they were doing before it (a pause, a wrap-up).
                move(TechnicianMove.HAND_BACK, previous_offered)
            else:
                move(TechnicianMove.RELEASE, previous_offered)
    return out


def _took_chat(before: Contact | None, events: list[Event]) -> list[TechnicianId | None]:
    """Who took a chat with these events: its answer, an accepted transfer, a supervisor's take-over."""
    out: list[TechnicianId | None] = []
    for event in events:
        if event.kind == EventKind.ANSWERED:
            out.append(event.data["technician"])
        elif event.kind == EventKind.TRANSFER_ACCEPTED:
            out.append(event.data["to"])
        elif (event.kind == EventKind.SUPERVISOR_JOINED and event.data.get("mode") == SupervisorMode.TAKE_OVER
              and (before is None or before.assignee != event.data["supervisor"])):
            out.append(event.data["supervisor"])
    return out


def _routes_again(after: Contact, events: list[Event]) -> bool:
    """Whether waiting calls should be routed again once this is stored: an offer ended (declined, rang out,
    answered at another phone), a wrap-up ended, or supervisors who only joined left at the hang-up; for a
    chat, also a slot freed by its transfer or take-over (the first technician holds one chat fewer)."""
    for event in events:
        if concurrent(after.channel) and event.kind in (EventKind.TRANSFER_ACCEPTED, EventKind.ABANDONED) or (
                concurrent(after.channel) and event.kind == EventKind.SUPERVISOR_JOINED
                and event.data.get("mode") == SupervisorMode.TAKE_OVER):
            return True
        if event.kind in (EventKind.RETURNED_TO_QUEUE, EventKind.ENDED):
            return True
        if event.kind == EventKind.HANGUP and any(s != after.assignee for s in after.supervisors):
            return True
    return False
