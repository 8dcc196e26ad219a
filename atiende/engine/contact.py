"""The contact state machine and the actions that move it, with the practices they enforce.

    waiting ──offer──▶ offered (ringing) ──answer──▶ talking ⇄ on_hold
       ▲                    │ ring timeout / decline        │  ▲
       └────────────────────┘                               ▼  │ accept / decline / timeout
    waiting, offered ──hang up──▶ abandoned        transfer_pending
    talking ──escalate──▶ escalated ──supervisor joins──▶ talking
    on hold, transfer pending ──supervisor joins──▶ the same state (take over: the transfer is called off)
    any live state ──hang up──▶ wrap_up ──done / timer──▶ ended

Each action checks the state first (an illegal move is refused naming CH-TEL and
the states it is allowed from), then the practice (HO, TR, PO), then changes the
contact and returns the events it produced. A contact is never dropped: a
declined or timed-out transfer, an unanswered offer, all return the call to
whoever had it (TR-5).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from atiende.practices import Refusal

TechnicianId = int


class ContactState(StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"  # ringing at one technician
    TALKING = "talking"
    ON_HOLD = "on_hold"
    TRANSFER_PENDING = "transfer_pending"
    ESCALATED = "escalated"  # a supervisor has been called and not yet joined
    WRAP_UP = "wrap_up"
    ENDED = "ended"
    ABANDONED = "abandoned"


STATE_LABELS: dict[ContactState, tuple[str, str]] = {
    ContactState.WAITING: ("en espera de atención", "waiting"),
    ContactState.OFFERED: ("sonando", "ringing"),
    ContactState.TALKING: ("en conversación", "talking"),
    ContactState.ON_HOLD: ("en espera", "on hold"),
    ContactState.TRANSFER_PENDING: ("transferencia pendiente", "transfer pending"),
    ContactState.ESCALATED: ("escalada al supervisor", "escalated"),
    ContactState.WRAP_UP: ("en cierre", "wrap-up"),
    ContactState.ENDED: ("terminada", "ended"),
    ContactState.ABANDONED: ("abandonada", "abandoned"),
}

# Why a ring ended without an answer that counts as the rung technician turning the call down: they
# declined it, or let it ring out. ("answered_elsewhere": someone else picked up; no judgement on them.)
TURNED_DOWN = frozenset({"declined", "ring_timeout", "no_answer"})

# The states by what they mean, THE lists every layer uses (the Django models re-export them):
# not answered yet (waiting in the queue or ringing at someone)...
UNANSWERED = (ContactState.WAITING, ContactState.OFFERED)
# ...in conversation: "live" from the answer until the hang-up, always with an assignee...
LIVE_ORDER = (ContactState.TALKING, ContactState.ON_HOLD, ContactState.TRANSFER_PENDING, ContactState.ESCALATED)
IN_CONVERSATION = LIVE_ORDER
LIVE_STATES = frozenset(LIVE_ORDER)
# ...hung up (the technician's wrap-up, then over), and over for good.
HUNG_UP = (ContactState.WRAP_UP, ContactState.ENDED, ContactState.ABANDONED)
FINAL_STATES = frozenset({ContactState.ENDED, ContactState.ABANDONED})
# Not over yet: what the board and the queue show, in the order a call goes through them.
OPEN_STATES = (*UNANSWERED, *LIVE_ORDER, ContactState.WRAP_UP)


class EventKind(StrEnum):
    """What can happen to a contact: the ``kind`` of each :class:`Event` (and of each stored ContactEvent)."""

    CREATED = "created"  # the call arrived (engine.outcome.arrival)
    OFFERED = "offered"
    RETURNED_TO_QUEUE = "returned_to_queue"
    ANSWERED = "answered"
    HOLD = "hold"
    HOLD_OVERRUN = "hold_overrun"
    RESUMED = "resumed"
    TRANSFER_REQUESTED = "transfer_requested"
    TRANSFER_ACCEPTED = "transfer_accepted"
    TRANSFER_RETURNED = "transfer_returned"
    ESCALATED = "escalated"
    SUPERVISOR_JOINED = "supervisor_joined"
    ABANDONED = "abandoned"
    HANGUP = "hangup"
    ENDED = "ended"
    CALLBACK_OFFERED = "callback_offered"  # PO-2: the caller, near the wait limit, is offered a call-back
    CALLBACK_ACCEPTED = "callback_accepted"  # the waiting call became a call-back, keeping its place


class SupervisorMode(StrEnum):
    JOIN = "join"  # three-way conference, the technician keeps the call
    TAKE_OVER = "take_over"  # the supervisor becomes the assignee
    COACH = "coach"  # the supervisor listens and speaks to the technician only


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


@dataclass(slots=True)
class Hold:
    reason: str
    expected_minutes: float
    started_at: datetime
    announced_end: datetime
    reminded_at: datetime | None = None


@dataclass(slots=True)
class Transfer:
    requested_by: TechnicianId
    purpose: str
    requested_at: datetime
    deadline: datetime
    to_technician: TechnicianId | None = None
    to_queue: str | None = None


@dataclass(slots=True)
class Escalation:
    requested_by: TechnicianId
    reason: str
    requested_at: datetime
    supervisor: TechnicianId | None = None
    mode: SupervisorMode | None = None
    joined_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened to a contact; the Django layer appends it to the log."""

    kind: str  # an EventKind (a str: stored and compared as its value)
    at: datetime
    data: dict[str, Any] = field(default_factory=dict)
    rule: str | None = None


@dataclass(slots=True)
class Contact:
    id: str
    queue: str
    created_at: datetime
    direction: Direction = Direction.INBOUND
    state: ContactState = ContactState.WAITING
    # How the contact came (engine.channels.Channel's value): a call and a visitor take the whole technician,
    # a chat one of their chat slots (engine.routing.may_take).
    channel: str = "telefonico"
    caller: str = ""
    callee: str = ""
    required_skills: tuple[str, ...] = ()
    level2_requested: bool = False  # CT-ENT: a knowledgeable customer asked for level 2
    organisation: str | None = None
    offered_to: TechnicianId | None = None
    offered_at: datetime | None = None
    assignee: TechnicianId | None = None
    answered_at: datetime | None = None
    hold: Hold | None = None
    transfer: Transfer | None = None
    escalation: Escalation | None = None
    supervisors: list[TechnicianId] = field(default_factory=list)
    wrap_up_started_at: datetime | None = None
    ended_at: datetime | None = None
    end_cause: str = ""
    hold_count: int = 0
    hold_seconds: float = 0.0
    hold_overruns: int = 0  # HO-5: holds that outlasted what was announced
    transfer_count: int = 0  # TR-1: transfers that went through
    transfer_requests: int = 0
    escalation_count: int = 0
    offers: int = 0
    fired: list[str] = field(default_factory=list)  # timer keys already fired (see timers.py)
    # After this call, the state a technician goes back to instead of the pool: a supervisor who took
    # the call over returns to what they were doing (str(id) -> {"status", "pause_reason"}).
    returns_to: dict[str, dict[str, str]] = field(default_factory=dict)
    # Who turned this call down while it rang at them (declined it, or let the ring time out), as
    # str(id) -> seconds the caller had waited then: routing does not ring them with it again
    # (see routing.turned_down for when it may, once, after the PO-2 wait limit).
    declined_by: dict[str, float] = field(default_factory=dict)
    # An outbound call the technician started themselves (a campaign's preview, CH-PRO; see :meth:`dial`):
    # "pbx", the PBX dials it and reports it; "hand", they dial it on their own phone. "callback": an outbound
    # contact routing gave them (a call-back: the PBX is asked to dial it from their extension, see
    # :meth:`offer`). "desk": a call they dialled from their own desk phone, which the PBX reported (a CTI
    # event, native or generic): nobody else may ever be offered it. "": an inbound call rung by routing.
    dialled: str = ""

    # ---- reading -------------------------------------------------------------
    @property
    def is_live(self) -> bool:
        return self.state in LIVE_STATES

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    def waited_seconds(self, now: datetime) -> float:
        """PO-2: time from arrival until answered (or until now, or until abandoned)."""
        end = self.answered_at or self.ended_at or now
        return max(0.0, (end - self.created_at).total_seconds())

    def talking_seconds(self, now: datetime) -> float:
        """PO-1: time since the answer, holds included (the customer is still on the line)."""
        if self.answered_at is None:
            return 0.0
        end = self.wrap_up_started_at or self.ended_at or now
        return max(0.0, (end - self.answered_at).total_seconds())

    def on_hold_seconds(self, now: datetime) -> float:
        current = (now - self.hold.started_at).total_seconds() if self.hold else 0.0
        return self.hold_seconds + max(0.0, current)

    # ---- waiting and ringing -------------------------------------------------
    def offer(self, technician: TechnicianId, *, now: datetime, by_hand: bool = False) -> list[Event]:
        """Ring a technician; the contact stays theirs to answer until the ring times out.

        An outbound contact offered this way is a call-back routing gave them: Atiende has the PBX dial it
        from their extension (``dialled`` "callback"), or, ``by_hand`` (no phone system to ask), they dial
        it on their own phone ("callback_hand": no dial timeout; they say whether someone answered). Like
        their own dial, it is not theirs to decline."""
        self._require("offer", ContactState.WAITING)
        outbound = self.direction is Direction.OUTBOUND
        self.dialled = ("callback_hand" if by_hand else "callback") if outbound else ""
        self.state = ContactState.OFFERED
        self.offered_to = technician
        self.offered_at = now
        self.offers += 1
        return [Event(EventKind.OFFERED, now, {"technician": technician})]

    def dial(self, technician: TechnicianId, *, by_hand: bool, now: datetime, desk: bool = False,
             state_before: Mapping[str, str] | None = None) -> list[Event]:
        """The technician calls the customer themselves (an outbound call they started): from the dial it is
        theirs, as an offer is (busy: no other call or visitor is offered them), until it is answered or ends.

        ``by_hand``: no PBX dials it or reports it (they dial on their own phone and record what came of it),
        so it has no dial timeout; a PBX's dial that is never reported goes back after ``dial_timeout_seconds``.
        ``desk``: they dialled from their desk phone and the PBX reported it (``dialled`` "desk"): it is never
        anybody else's, so a dial nobody reports back within ``dial_timeout_seconds`` ends as not reached
        instead of going back to the queue (:mod:`.timers`). ``state_before``: where they go back to after it
        (a pause with its reason, or a wrap-up of another call), kept in ``returns_to``; None: the pool.
        The event is ``offered`` with ``dial`` in its data: the PBX gets the dial request, never a ring.
        """
        self._require("dial", ContactState.WAITING)
        if self.direction is not Direction.OUTBOUND:
            raise Refusal(
                "not_a_dial", rule="CH-TEL", status=409,
                es="Solo se marca una llamada saliente.", en="Only an outbound call is dialled.",
            )
        events = self.offer(technician, now=now)
        self.dialled = "desk" if desk else "hand" if by_hand else "pbx"
        if state_before is not None:
            self.returns_to[str(technician)] = dict(state_before)
        events[0].data["dial"] = self.dialled
        return events

    @property
    def own_dial(self) -> bool:
        """An outbound call its technician started or was given to dial (any ``dialled`` value)."""
        return bool(self.dialled)

    def decline(self, technician: TechnicianId, *, now: datetime) -> list[Event]:
        """The technician it rings at turns it down: back to the queue, for someone else."""
        if self.state is ContactState.OFFERED and self.dialled == "callback" and self.offered_to == technician:
            raise Refusal(
                "own_dial", rule="CH-PRO", status=409,
                es="Esta devolución de llamada se está marcando desde su extensión: conteste cuando suene.",
                en="This call-back is being dialled from your extension: pick up when it rings.",
            )
        if self.state is ContactState.OFFERED and self.dialled == "callback_hand" and self.offered_to == technician:
            raise Refusal(
                "own_dial", rule="CH-PRO", status=409,
                es="Esta devolución de llamada la marca usted: diga si han contestado o «Nadie contestó».",
                en="You dial this call-back yourself: say whether someone answered, or «Nobody answered».",
            )
        if self.state is ContactState.OFFERED and self.dialled == "desk" and self.offered_to == technician:
            raise Refusal(
                "own_dial", rule="CH-TEL", status=409,
                es="Esta llamada la está marcando usted desde su teléfono: cuelgue en el teléfono para terminarla.",
                en="You are dialling this call from your phone: hang up on the phone to end it.",
            )
        if self.state is ContactState.OFFERED and self.dialled and self.offered_to == technician:
            raise Refusal(
                "own_dial", rule="CH-PRO", status=409,
                es="Esta llamada la ha marcado usted: anote su resultado en la campaña (o «Sin respuesta»).",
                en="You dialled this call yourself: record its outcome in the campaign (or «No answer»).",
            )
        if self.offered_to != technician:
            raise Refusal("not_your_call", rule="CH-TEL", status=403,
                          es="Esta llamada no está sonando en su puesto.", en="This call is not ringing at you.")
        return self.return_to_queue(now=now, cause="declined")

    def return_to_queue(self, *, now: datetime, cause: str = "no_answer") -> list[Event]:
        """An offer that was not answered (declined or rang out) goes back to waiting, never lost."""
        self._require("return_to_queue", ContactState.OFFERED)
        technician = self.offered_to
        if technician is not None and cause in TURNED_DOWN:
            self.declined_by[str(technician)] = self.waited_seconds(now)
        self.state = ContactState.WAITING
        self.offered_to = None
        self.offered_at = None
        return [Event(EventKind.RETURNED_TO_QUEUE, now, {"technician": technician, "cause": cause})]

    def answer(self, *, now: datetime, technician: TechnicianId | None = None) -> list[Event]:
        """The technician picks up. A PBX may report an answer without a prior offer."""
        self._require("answer", ContactState.OFFERED, ContactState.WAITING)
        who = technician if technician is not None else self.offered_to
        if who is None:
            raise Refusal(
                "answer_without_technician", rule="CH-TEL", status=400,
                es="No se sabe qué técnico atiende la llamada: indique el técnico.",
                en="It is not known which technician answered: name the technician.",
            )
        if self.state is ContactState.OFFERED and technician is not None and technician != self.offered_to:
            raise Refusal(
                "offered_to_someone_else", rule="CH-TEL",
                es="La llamada está sonando en otro técnico; solo él puede contestarla.",
                en="The call is ringing at another technician; only they can answer it.",
            )
        self.state = ContactState.TALKING
        self.assignee = who
        self.answered_at = now
        self.offered_to = None
        return [Event(EventKind.ANSWERED, now, {"technician": who, "waited_seconds": self.waited_seconds(now)}, "PO-2")]

    def accept_callback(self, *, number: str, now: datetime) -> list[Event]:
        """The caller, waiting, accepts a call-back: the call becomes Atiende's outbound call to ``number``.

        It keeps its place (``created_at`` is unchanged, so it is still served in arrival order); a
        technician it was ringing at is released (the caller has gone). From now on it waits as an outbound
        contact: no PO-2 wait alerts (nobody is on the line), and routing dials rather than rings.
        """
        self._require("accept_callback", *UNANSWERED)
        if self.direction is not Direction.INBOUND:
            raise Refusal(
                "already_a_callback", rule="PO-2", status=409,
                es="Esta llamada ya es una devolución de llamada.", en="This call is a call-back already.",
            )
        events: list[Event] = []
        if self.state is ContactState.OFFERED:
            events += self.return_to_queue(now=now, cause="callback_accepted")
        waited = self.waited_seconds(now)
        self.direction = Direction.OUTBOUND
        self.callee = number
        events.append(Event(EventKind.CALLBACK_ACCEPTED, now, {"number": number, "waited_seconds": waited}, "PO-2"))
        return events

    def dial_unanswered(self, *, now: datetime, cause: str) -> list[Event]:
        """A dial of this outbound contact was not answered by the customer: it waits again (the technician
        is not to blame: the call may be rung at them again), for a retry or a final failure."""
        self._require("dial_unanswered", ContactState.OFFERED)
        if self.direction is not Direction.OUTBOUND:
            raise Refusal(
                "not_a_dial", rule="CH-TEL", status=409,
                es="Solo una llamada saliente puede quedar sin respuesta del cliente.",
                en="Only an outbound call can go unanswered by the customer.",
            )
        return self.return_to_queue(now=now, cause=f"customer_{cause}")

    # ---- hold (HO-2..HO-6) ---------------------------------------------------
    def put_on_hold(
        self, *, reason: str, customer_consent: bool, expected_minutes: float | None, now: datetime,
        by: TechnicianId | None = None,
    ) -> list[Event]:
        self._require("hold", ContactState.TALKING, ContactState.ESCALATED)
        self._require_assignee(by)
        if not (reason or "").strip():
            # HO-2: say that the call must go on hold and why.
            raise Refusal(
                "hold_reason_required", rule="HO-2",
                es="Diga al cliente por qué debe ponerlo en espera: el motivo es obligatorio.",
                en="Tell the customer why the call must go on hold: a reason is required.",
            )
        if customer_consent is not True:
            # HO-3: no hold without the customer's permission.
            raise Refusal(
                "hold_consent_required", rule="HO-3",
                es="Pida permiso al cliente: no hay espera sin su consentimiento.",
                en="Ask the customer's permission: no hold without consent.",
            )
        if expected_minutes is None or not 0 < expected_minutes <= 60:
            # HO-4: tell the customer in how many minutes you expect to be back.
            raise Refusal(
                "hold_expected_minutes_required", rule="HO-4",
                es="Diga al cliente en cuántos minutos espera volver (entre 0 y 60).",
                en="Tell the customer in how many minutes you expect to be back (between 0 and 60).",
            )
        announced_end = now + timedelta(minutes=expected_minutes)
        self.hold = Hold(reason.strip(), float(expected_minutes), now, announced_end)
        self.hold_count += 1
        self.state = ContactState.ON_HOLD
        return [Event(EventKind.HOLD, now, {
            "reason": self.hold.reason, "customer_consent": True, "expected_minutes": float(expected_minutes),
            "announced_end": announced_end.isoformat(), "technician": self.assignee,
        }, "HO-3")]

    def remind_hold_overrun(self, *, now: datetime) -> list[Event]:
        """HO-5: the announced time has passed: remind the technician, once per hold."""
        if self.state is not ContactState.ON_HOLD or self.hold is None:
            return []
        if now < self.hold.announced_end or self.hold.reminded_at is not None:
            return []
        self.hold.reminded_at = now
        over = (now - self.hold.announced_end).total_seconds()
        return [Event(EventKind.HOLD_OVERRUN, now, {"technician": self.assignee, "over_seconds": over}, "HO-5")]

    def resume(self, *, now: datetime, by: TechnicianId | None = None) -> list[Event]:
        self._require("resume", ContactState.ON_HOLD)
        self._require_assignee(by)
        hold = self.hold
        assert hold is not None
        held = (now - hold.started_at).total_seconds()
        overrun = max(0.0, (now - hold.announced_end).total_seconds())
        self.hold_seconds += held
        if overrun > 0:
            self.hold_overruns += 1  # HO-5 is measured: resume records the overrun
        self.hold = None
        self.state = self._conversation_state()
        return [Event(EventKind.RESUMED, now, {
            "held_seconds": held, "expected_minutes": hold.expected_minutes, "overrun_seconds": overrun,
        }, "HO-5" if overrun > 0 else "HO-6")]

    # ---- warm transfer (TR-2..TR-5, PO-4) ------------------------------------
    def request_transfer(
        self, *, purpose: str, customer_consent: bool, now: datetime, timeout_seconds: float = 60,
        to_technician: TechnicianId | None = None, to_queue: str | None = None, by: TechnicianId | None = None,
    ) -> list[Event]:
        self._require("request_transfer", ContactState.TALKING, ContactState.ESCALATED)
        self._require_assignee(by)
        if (to_technician is None) == (to_queue is None):
            raise Refusal(
                "transfer_target_required", rule="TR-4", status=400,
                es="Indique a qué técnico o a qué cola se transfiere la llamada (uno de los dos).",
                en="Say which technician or which queue receives the call (exactly one).",
            )
        if to_technician is not None and to_technician == self.assignee:
            raise Refusal(
                "transfer_to_self", rule="TR-4", status=400,  # the receiver must be another technician
                es="No puede transferirse la llamada a sí mismo.", en="You cannot transfer the call to yourself.",
            )
        if not (purpose or "").strip():
            raise Refusal(  # TR-2
                "transfer_purpose_required", rule="TR-2",
                es="Explique al cliente el propósito de la transferencia: es obligatorio.",
                en="Explain the purpose of the transfer to the customer: it is required.",
            )
        if customer_consent is not True:
            raise Refusal(  # TR-3
                "transfer_consent_required", rule="TR-3",
                es="Transfiera solo con el consentimiento del cliente.",
                en="Transfer only with the customer's consent.",
            )
        assert self.assignee is not None
        deadline = now + timedelta(seconds=timeout_seconds)
        self.transfer = Transfer(self.assignee, purpose.strip(), now, deadline, to_technician, to_queue)
        self.transfer_requests += 1
        # TR-4: the call stays with the first technician until the second accepts.
        self.state = ContactState.TRANSFER_PENDING
        return [Event(EventKind.TRANSFER_REQUESTED, now, {
            "from": self.assignee, "to_technician": to_technician, "to_queue": to_queue,
            "purpose": self.transfer.purpose, "customer_consent": True, "deadline": deadline.isoformat(),
        }, "TR-4")]

    def accept_transfer(self, *, by: TechnicianId, now: datetime) -> list[Event]:
        self._require("accept_transfer", ContactState.TRANSFER_PENDING)
        transfer = self.transfer
        assert transfer is not None
        if transfer.to_technician is not None and by != transfer.to_technician:
            raise Refusal(  # TR-4/PO-4: only the receiving technician consents
                "transfer_not_yours", rule="TR-4", status=403,
                es="Solo el técnico que recibe la transferencia puede aceptarla.",
                en="Only the receiving technician can accept the transfer.",
            )
        if by == transfer.requested_by:
            raise Refusal(
                "transfer_not_yours", rule="TR-4", status=403,
                es="Quien pide la transferencia no puede aceptarla.",
                en="Whoever requested the transfer cannot accept it.",
            )
        self._becomes_assignee(by)
        self.transfer = None
        self.transfer_count += 1  # TR-1: the transfer rate counts completed transfers
        self.state = self._conversation_state()
        return [Event(EventKind.TRANSFER_ACCEPTED, now, {"from": transfer.requested_by, "to": by}, "TR-4")]

    def decline_transfer(self, *, by: TechnicianId, now: datetime) -> list[Event]:
        """TR-5: a declined transfer returns the call to the first technician."""
        self._require("decline_transfer", ContactState.TRANSFER_PENDING)
        transfer = self.transfer
        assert transfer is not None
        if transfer.to_technician is not None and by not in (transfer.to_technician, transfer.requested_by):
            raise Refusal(
                "transfer_not_yours", rule="TR-4", status=403,
                es="Solo el técnico que recibe la transferencia (o quien la pidió) puede rechazarla.",
                en="Only the receiving technician (or the requester) can decline the transfer.",
            )
        return self._return_transfer(now, "declined" if by != transfer.requested_by else "cancelled", by)

    def expire_transfer(self, *, now: datetime) -> list[Event]:
        """TR-5: nobody accepted in time: the call returns, it is never dropped."""
        if self.state is not ContactState.TRANSFER_PENDING or self.transfer is None:
            return []
        if now < self.transfer.deadline:
            return []
        return self._return_transfer(now, "timeout", None)

    def _return_transfer(self, now: datetime, cause: str, by: TechnicianId | None) -> list[Event]:
        transfer = self.transfer
        assert transfer is not None
        self.transfer = None
        self.assignee = transfer.requested_by
        self.state = self._conversation_state()
        return [Event(EventKind.TRANSFER_RETURNED, now, {
            "cause": cause, "by": by, "to_technician": transfer.to_technician, "to_queue": transfer.to_queue,
            "back_to": transfer.requested_by,
        }, "TR-5")]

    # ---- escalation (PO-5) ---------------------------------------------------
    def escalate(self, *, by: TechnicianId, reason: str, now: datetime, by_supervisor: bool = False) -> list[Event]:
        """PO-5: the way to a supervisor is always open while the call is live, for whoever has the call.

        ``by_supervisor``: ``by`` is a supervisor (in scope, checked by the caller), who may escalate any call.
        """
        self._require("escalate", *LIVE_ORDER)
        if not by_supervisor:
            self._require_assignee(by)
        if self.escalation is not None and self.escalation.joined_at is None:
            return []  # already waiting for a supervisor: asking twice changes nothing
        self.escalation = Escalation(by, (reason or "").strip(), now)
        self.escalation_count += 1
        if self.state is ContactState.TALKING:
            self.state = ContactState.ESCALATED
        return [Event(EventKind.ESCALATED, now, {"by": by, "reason": self.escalation.reason}, "PO-5")]

    def supervisor_joins(self, *, supervisor: TechnicianId, mode: SupervisorMode, now: datetime,
                         state_before: tuple[str, str] | Mapping[str, str] | None = None) -> list[Event]:
        """The supervisor joins (conference), takes over (becomes the assignee) or coaches.

        ``state_before``: where the supervisor goes back to after the call, whatever the mode
        (their own state as (status, pause reason), or a ``returns_to`` entry carried over from
        another call they are on, see routing.state_to_keep), kept in ``returns_to`` so that
        they go back to it, not to the routing pool. None: nowhere but the pool.
        """
        # PO-5: help is always available while the call is live, on hold or mid-transfer included.
        self._require("supervisor_joins", *LIVE_ORDER)
        mode = SupervisorMode(mode)
        events: list[Event] = []
        previous = self.assignee
        if mode is SupervisorMode.TAKE_OVER and self.transfer is not None:
            # The supervisor now decides where the call goes: the pending transfer is called off, and
            # the call is theirs, never dropped (TR-5); they may transfer it again.
            transfer = self.transfer
            self.transfer = None
            events.append(Event(EventKind.TRANSFER_RETURNED, now, {
                "cause": "taken_over", "by": supervisor, "to_technician": transfer.to_technician,
                "to_queue": transfer.to_queue, "back_to": supervisor,
            }, "TR-5"))
        if self.escalation is None:
            self.escalation = Escalation(supervisor, "", now)  # a supervisor may step in unasked
        self.escalation.supervisor = supervisor
        self.escalation.mode = mode
        self.escalation.joined_at = now
        if isinstance(state_before, tuple):
            state_before = {"status": state_before[0], "pause_reason": state_before[1]}
        if state_before is not None:
            self.returns_to[str(supervisor)] = dict(state_before)
        else:
            self.returns_to.pop(str(supervisor), None)  # an entry from an earlier visit is stale
        if mode is SupervisorMode.TAKE_OVER:
            self._becomes_assignee(supervisor)
        elif supervisor not in self.supervisors:
            self.supervisors.append(supervisor)
        if self.state is not ContactState.ON_HOLD and self.transfer is None:
            self.state = ContactState.TALKING
        # On hold the customer keeps waiting (the hold and its HO-5 reminder go on) until someone
        # resumes; a transfer the supervisor joins or coaches stays pending for the receiver (TR-4).
        events.append(Event(EventKind.SUPERVISOR_JOINED, now, {"supervisor": supervisor, "mode": mode.value,
                                                         "technician": previous, "state": self.state.value}, "PO-5"))
        return events

    # ---- the end -------------------------------------------------------------
    def hang_up(self, *, now: datetime, cause: str = "normal", by: TechnicianId | None = None) -> list[Event]:
        """Either side hung up. Before the answer it is an abandoned call; after it, wrap-up.

        ``by``: the technician ending it from their console, who must be the one who has the
        call; None for the PBX (which reports what happened on the line) and for a supervisor.
        """
        self._require("hang_up", *UNANSWERED, *LIVE_ORDER)
        self._require_assignee(by)
        events: list[Event] = []
        if self.state in UNANSWERED:
            self.state = ContactState.ABANDONED
            self.ended_at = now
            self.end_cause = cause
            self.offered_to = None
            return [Event(EventKind.ABANDONED, now, {"cause": cause, "waited_seconds": self.waited_seconds(now)}, "PO-2")]
        if self.hold is not None:
            self.hold_seconds += (now - self.hold.started_at).total_seconds()
            if now > self.hold.announced_end:
                self.hold_overruns += 1
            self.hold = None
        if self.transfer is not None:
            events.append(Event(EventKind.TRANSFER_RETURNED, now, {"cause": "hangup", "back_to": self.transfer.requested_by},
                                "TR-5"))
            self.transfer = None
        self.state = ContactState.WRAP_UP
        self.wrap_up_started_at = now
        self.end_cause = cause
        events.append(Event(EventKind.HANGUP, now, {"cause": cause, "technician": self.assignee,
                                            "talking_seconds": self.talking_seconds(now)}, "PO-1"))
        return events

    def finish_wrap_up(self, *, now: datetime, by: TechnicianId | None = None) -> list[Event]:
        self._require("finish_wrap_up", ContactState.WRAP_UP)
        self._require_assignee(by)
        self.state = ContactState.ENDED
        self.ended_at = now
        return [Event(EventKind.ENDED, now, {"technician": self.assignee})]

    # ---- helpers -------------------------------------------------------------
    def _becomes_assignee(self, technician: TechnicianId) -> None:
        """``supervisors`` lists who is on the call besides the assignee: a supervisor who
        joined and then takes the call (over, or by a transfer) is its assignee now, and
        leaves it when they hand it on."""
        self.assignee = technician
        if technician in self.supervisors:
            self.supervisors.remove(technician)

    def _conversation_state(self) -> ContactState:
        open_escalation = self.escalation is not None and self.escalation.joined_at is None
        return ContactState.ESCALATED if open_escalation else ContactState.TALKING

    def _require(self, action: str, *allowed: ContactState) -> None:
        if self.state in allowed:
            return
        es_allowed = ", ".join(f"«{STATE_LABELS[s][0]}»" for s in allowed)
        en_allowed = ", ".join(f"'{STATE_LABELS[s][1]}'" for s in allowed)
        es_now, en_now = STATE_LABELS[self.state]
        raise Refusal(
            "illegal_transition", rule="CH-TEL",
            es=f"No se puede «{ACTION_LABELS[action][0]}» una llamada {es_now}: solo desde {es_allowed}.",
            en=f"Cannot {ACTION_LABELS[action][1]} a call that is {en_now}: only from {en_allowed}.",
        )

    def _require_assignee(self, by: TechnicianId | None) -> None:
        """Only the technician who has the call acts on it (supervisors go through supervisor_joins).

        The receiver of a pending transfer does not have it yet (TR-4: the call stays
        with the first technician until the second accepts); a call not yet answered
        has nobody's, and a technician may only answer or decline it.
        """
        if by is None or (by == self.assignee and self.assignee is not None) or by in self.supervisors:
            return
        transfer = self.transfer
        if self.state is ContactState.TRANSFER_PENDING and transfer is not None and (
                by == transfer.to_technician or transfer.to_queue is not None):
            raise Refusal(
                "transfer_not_accepted", rule="TR-4",
                es="Acepte primero la transferencia: hasta entonces la llamada sigue con el primer técnico.",
                en="Accept the transfer first: until then the call stays with the first technician.",
            )
        if self.state in UNANSWERED:
            raise Refusal(
                "not_answered", rule="CH-TEL",
                es="La llamada aún no está contestada: contéstela o devuélvala a la cola.",
                en="The call has not been answered yet: answer it or let it go back to the queue.",
            )
        raise Refusal(
            "not_your_call", rule="CH-TEL", status=403,
            es="Esta llamada la atiende otro técnico.", en="Another technician has this call.",
        )

    # ---- serialisation (the Django layer stores this) -----------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types only. Written field by field: ``dataclasses.asdict`` deep-copies and is 10x slower."""
        data: dict[str, Any] = {}
        for name in _FIELDS:
            value = getattr(self, name)
            if isinstance(value, datetime):
                value = value.isoformat()
            elif isinstance(value, Hold | Transfer | Escalation):
                value = {k: (v.isoformat() if isinstance(v, datetime) else v)
                         for k in _NESTED[type(value)] for v in (getattr(value, k),)}
            elif isinstance(value, list | tuple):
                value = list(value)
            data[name] = value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Contact:
        d = dict(data)
        for key in ("created_at", "offered_at", "answered_at", "wrap_up_started_at", "ended_at"):
            d[key] = _dt(d.get(key))
        d["state"] = ContactState(d["state"])
        d["direction"] = Direction(d.get("direction", "inbound"))
        d["required_skills"] = tuple(d.get("required_skills", ()))
        d["declined_by"] = {str(k): float(v) for k, v in (d.get("declined_by") or {}).items()}
        if d.get("hold"):
            h = d["hold"]
            d["hold"] = Hold(h["reason"], h["expected_minutes"], _req(h["started_at"]), _req(h["announced_end"]),
                             _dt(h.get("reminded_at")))
        if d.get("transfer"):
            t = d["transfer"]
            d["transfer"] = Transfer(t["requested_by"], t["purpose"], _req(t["requested_at"]), _req(t["deadline"]),
                                     t.get("to_technician"), t.get("to_queue"))
        if d.get("escalation"):
            e = d["escalation"]
            d["escalation"] = Escalation(e["requested_by"], e["reason"], _req(e["requested_at"]), e.get("supervisor"),
                                         SupervisorMode(e["mode"]) if e.get("mode") else None,
                                         _dt(e.get("joined_at")))
        return cls(**d)


_FIELDS = tuple(f.name for f in fields(Contact))
_NESTED: dict[type, tuple[str, ...]] = {cls: tuple(f.name for f in fields(cls)) for cls in (Hold, Transfer, Escalation)}

ACTION_LABELS: dict[str, tuple[str, str]] = {
    "offer": ("ofrecer", "offer"),
    "dial": ("marcar", "dial"),
    "accept_callback": ("convertir en devolución de llamada", "turn into a call-back"),
    "dial_unanswered": ("dar por no contestada", "mark as unanswered"),
    "return_to_queue": ("devolver a la cola", "return to the queue"),
    "answer": ("contestar", "answer"),
    "hold": ("poner en espera", "put on hold"),
    "resume": ("retomar", "resume"),
    "request_transfer": ("transferir", "transfer"),
    "accept_transfer": ("aceptar la transferencia de", "accept the transfer of"),
    "decline_transfer": ("rechazar la transferencia de", "decline the transfer of"),
    "escalate": ("escalar", "escalate"),
    "supervisor_joins": ("unir al supervisor a", "join the supervisor to"),
    "hang_up": ("colgar", "hang up"),
    "finish_wrap_up": ("terminar el cierre de", "finish the wrap-up of"),
}


def _dt(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def _req(value: Any) -> datetime:
    moment = _dt(value)
    assert moment is not None
    return moment
