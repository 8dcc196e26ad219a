"""Contact-center actions: each one a transaction that locks, asks the engine, stores the result.

Locking (SPEC, architecture): on PostgreSQL a contact being changed is locked
with ``SELECT ... FOR UPDATE``; claims of waiting contacts and of available
technicians use ``FOR UPDATE SKIP LOCKED`` so racing processes take different
rows and none is assigned twice. On SQLite every transaction is IMMEDIATE
(settings), so there is a single writer and claims cannot interleave.

Every change goes through :func:`_apply`: load the engine's contact, run the
engine action (which may refuse, citing the rule), then save the contact, append
its events, bring its stored deadlines in line with its new state, keep the
technicians' states in step and store alerts.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import itertools
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende import engine
from atiende.contact.models import (
    IN_CONVERSATION,
    Alert,
    Contact,
    ContactEvent,
    ContactState,
    Deadline,
    OrganisationPolicy,
    Queue,
    TechnicianState,
    TechnicianStatus,
)
from atiende.db import single_writer
from atiende.engine.routing import QueueConfig, open_tiers, pick_technician, turned_down
from atiende.engine.timers import deadlines_for
from atiende.errors import InputError
from atiende.people.models import Role, Team, User
from atiende.practices import Refusal

# The clock the services read; the simulator and tests may replace it (engine.ManualClock).
clock: engine.Clock = engine.SystemClock()

LEASE_SECONDS = 30
# Available technicians read per page when routing a call (longest idle first). The page's order is the
# engine's (pick_technician), so the first who fits is the one chosen: a short page is usually all it takes,
# and it leaves a few next-best for a racing call that claims the first.
CANDIDATES_PAGE = 16

# Inside a caller's transaction that rolls back as a whole on any refusal (the CTI
# endpoint), the services' savepoints are two round trips per action for nothing.
_savepoints: contextvars.ContextVar[bool] = contextvars.ContextVar("atiende_contact_savepoints", default=True)


@contextlib.contextmanager
def without_savepoints() -> Iterator[None]:
    """Run services with no savepoints: an error then spoils the caller's whole transaction, by design."""
    token = _savepoints.set(False)
    try:
        yield
    finally:
        _savepoints.reset(token)


def _tx() -> transaction.Atomic:
    return transaction.atomic(savepoint=_savepoints.get())


def _atomic[F: Callable[..., Any]](func: F) -> F:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _tx():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]




def set_clock(new_clock: engine.Clock) -> engine.Clock:
    """Replace the clock (accelerated simulation, tests); returns the previous one."""
    global clock
    previous, clock = clock, new_clock
    return previous


def now() -> datetime:
    return clock.now()


# ---- policies and queues ------------------------------------------------------

def policy_for(queue: Queue, organisation_id: int | None = None) -> engine.Policy:
    """Defaults, then the organisation's overrides, then the queue's (PO-1..PO-3)."""
    policies = policy_set([(queue.name, queue.policy)], [organisation_id])
    return policies.resolve(organisation=str(organisation_id) if organisation_id else None, queue=queue.name)


def policy_set(queues: Iterable[tuple[str, dict[str, Any] | None]],
               organisation_ids: Iterable[int | None]) -> engine.PolicySet:
    """The stored policies of these queues (name, policy) and organisations, for ``resolve`` to layer as
    :func:`policy_for` does; one query for the organisations, whatever their number."""
    policies = engine.PolicySet()
    organisations = {o for o in organisation_ids if o is not None}
    if organisations:
        for organisation, policy in (OrganisationPolicy.objects.filter(organisation_id__in=organisations)
                                     .values_list("organisation_id", "policy")):
            if policy:
                policies.set_organisation(str(organisation), policy)
    for name, policy in queues:
        if policy and name not in policies.queues:
            policies.set_queue(name, policy)
    return policies


def queue_config(queue: Queue) -> QueueConfig:
    return QueueConfig(queue.name, tuple(queue.tiers or [1]), frozenset(queue.skills or []))


@single_writer
@_atomic
def save_queue(*, name: str, label: str = "", tiers: Iterable[int] = (1, 2), skills: Iterable[str] = (),
               policy: dict[str, Any] | None = None, team_id: int | None = None) -> Queue:
    """Create or change a queue. ``team_id``: the team whose supervisors see its calls (ET-4); None: shared."""
    config = QueueConfig(name, tuple(int(t) for t in tiers), frozenset(skills))  # validates the tiers
    engine.Policy().with_overrides(policy or {})  # validates the overrides (clear 400)
    if team_id is not None and not Team.objects.filter(pk=team_id).exists():
        raise InputError("unknown_team", _("There is no team %(id)s.") % {"id": team_id}, field="team",
                         rule="ET-4")
    old_policy = Queue.objects.filter(name=name).values_list("policy", flat=True).first()
    queue, _created = Queue.objects.update_or_create(
        name=name, defaults={"label": label, "tiers": list(config.tiers), "skills": sorted(config.skills),
                             "policy": policy or {}, "team_id": team_id},
    )
    if old_policy is not None and old_policy != queue.policy:
        realign_deadlines(Contact.objects.filter(queue=queue))  # calls in progress follow the new times
    return queue


@single_writer
@_atomic
def set_organisation_policy(*, organisation_id: int, policy: dict[str, Any]) -> OrganisationPolicy:
    engine.Policy().with_overrides(policy)
    row, _created = OrganisationPolicy.objects.update_or_create(
        organisation_id=organisation_id, defaults={"policy": policy})
    realign_deadlines(Contact.objects.filter(customer__organisation_id=organisation_id))
    return row


def realign_deadlines(contacts: Any) -> int:
    """After a policy change, move the stored deadlines of these calls in progress to their new times.

    A raised limit (PO-1 maximum call to 1800 s) moves the warning and the breach
    later, a lowered one earlier, a longer ``wrap_up_seconds`` the end of the
    wrap-up. Each call is locked while its deadlines move. Returns how many moved.
    """
    rows = list(contacts.exclude(state__in=[ContactState.ENDED, ContactState.ABANDONED])
                .select_for_update(of=("self",)).select_related("queue", "customer").order_by("pk"))
    if not rows:
        return 0
    stored = {(d.contact_id, d.key): d for d in Deadline.objects.filter(
        contact__in=[r.pk for r in rows], fired_at__isnull=True)}
    policies: dict[tuple[int, int | None], engine.Policy] = {}
    moved: list[Deadline] = []
    missing: list[Deadline] = []
    for row in rows:
        organisation = _organisation_id(row)
        policy = policies.get((row.queue_id, organisation))
        if policy is None:
            policy = policies[(row.queue_id, organisation)] = policy_for(row.queue, organisation)
        for due in deadlines_for(_engine_contact(row), policy):
            found = stored.get((row.pk, due.key))
            if found is None:
                missing.append(Deadline(contact=row, kind=due.kind.value, key=due.key, due_at=due.due_at))
            elif found.due_at != due.due_at:
                found.due_at, found.claimed_by, found.lease_until = due.due_at, "", None
                moved.append(found)
    if moved:
        Deadline.objects.bulk_update(moved, ["due_at", "claimed_by", "lease_until"])
    if missing:
        Deadline.objects.bulk_create(missing, ignore_conflicts=True)
    return len(moved)


def customer_for_caller(number: str) -> int | None:
    """The customer whose phone is this number, when exactly one customer has it; else None.

    Numbers compare as the telephony compares them (digits, ``+`` for the
    international prefix: «+34 600 11 22 33» and «0034600112233» are the same),
    so a call from a known customer gets their organisation's policy (PO-1..PO-3).
    With ``ATIENDE_PHONE_COUNTRY_PREFIX`` set (e.g. ``"+34"``) a national number
    and its international form are the same too («600112233» is «+34600112233»);
    a national trunk prefix (the UK's leading 0) is not removed. Two customers
    sharing a number (a switchboard) leave the call unlinked: the technician
    identifies the caller. One indexed lookup on ``ContactPoint.number``.
    """
    from atiende.desk.models import ContactPoint
    from atiende.telephony.services import normalise_number

    wanted = normalise_number(number or "")
    if sum(ch.isdigit() for ch in wanted) < 6:  # anonymous, an extension, nothing: no customer phone
        return None
    forms = {wanted}
    country = normalise_number(str(getattr(settings, "ATIENDE_PHONE_COUNTRY_PREFIX", "") or ""))
    if country.startswith("+") and country[1:].isdigit():
        if wanted.startswith(country):
            forms.add(wanted[len(country):])
        elif not wanted.startswith("+"):
            forms.add(country + wanted)
    found = list(ContactPoint.objects.filter(number__in=forms, kind__in=[ContactPoint.Kind.PHONE,
                                                                         ContactPoint.Kind.MOBILE])
                 .order_by().values_list("customer_id", flat=True).distinct()[:2])  # no ordering: DISTINCT on the id
    return found[0] if len(found) == 1 else None


def _queue_named(name: str) -> Queue:
    queue = Queue.objects.filter(name=name).first()
    if queue is None:
        raise InputError("unknown_queue", _("There is no queue named %(name)s.") % {"name": name},
                         status=404, field="queue", rule="CH-TEL")
    return queue


# ---- technicians' state -------------------------------------------------------

def technician_state(user: User) -> TechnicianState:
    state, _created = TechnicianState.objects.get_or_create(user=user)
    return state


def _to_engine_technician(row: TechnicianState) -> engine.Technician:
    user = row.user
    # PO-3 counts per day: on a new day the count starts again from zero.
    calls = row.calls_today if row.calls_day == now().date() else 0
    return engine.Technician(
        user.pk, user.tier, frozenset(user.skills or []), engine.TechnicianStatus(row.status),
        row.idle_since, row.pause_reason, calls,
    )


def _store_technician(row: TechnicianState, tech: engine.Technician, moment: datetime) -> None:
    row.status = tech.status.value
    row.pause_reason = tech.pause_reason
    row.idle_since = tech.idle_since
    row.calls_today = tech.calls_today
    row.calls_day = now().date()
    row.save(update_fields=["status", "pause_reason", "idle_since", "calls_today", "calls_day", "updated_at"])


def _require_staff(user: User) -> None:
    if user.role == Role.CUSTOMER:
        raise InputError("not_a_technician", _("Only technicians take calls."), status=403, rule="CH-TEL")


def _technician_changed(row: TechnicianState) -> None:
    from atiende.contact import live  # live imports this module

    live.technician_after_commit(row.user_id, row.status)


@single_writer
def pause(*, user: User, reason: str) -> TechnicianState:
    """The technician steps away, with a reason (en pausa)."""
    _require_staff(user)
    with _tx():
        row = TechnicianState.objects.select_for_update().select_related("user").get(pk=technician_state(user).pk)
        tech = _to_engine_technician(row)
        tech.pause(reason=reason, now=now())
        _store_technician(row, tech, now())
        _technician_changed(row)
    return row


@single_writer
def make_available(*, user: User) -> TechnicianState:
    """The technician is ready for calls (disponible); waiting contacts are routed at once."""
    _require_staff(user)
    with _tx():
        row = TechnicianState.objects.select_for_update().select_related("user").get(pk=technician_state(user).pk)
        if row.status in (TechnicianStatus.WRAP_UP, TechnicianStatus.PAUSED):
            # A pause taken during the wrap-up does not skip it: the wrap-up still has to end first.
            live = Contact.objects.filter(assignee=user, state=ContactState.WRAP_UP).exists()
            if live:
                raise InputError("wrap_up_pending", _("Finish the wrap-up of your last call first."),
                                 status=409, rule="CH-TEL")
        tech = _to_engine_technician(row)
        if tech.status is engine.TechnicianStatus.OFFLINE:
            tech.status = engine.TechnicianStatus.PAUSED  # so make_available stamps idle_since
        tech.make_available(now=now())
        _store_technician(row, tech, now())
        _technician_changed(row)
    dispatch()
    row.refresh_from_db()
    return row


# ---- the core: apply an engine action to a stored contact ----------------------

@dataclass
class Outcome:
    contact: Contact
    events: list[engine.Event]
    alerts: list[Alert]


def _engine_contact(row: Contact) -> engine.Contact:
    contact = engine.Contact.from_dict(row.data)
    contact.id = str(row.pk)
    return contact


# A call the caller's transaction already locked (by the PBX's id): the next action on it reuses the lock.
_locked: contextvars.ContextVar[Contact | None] = contextvars.ContextVar("atiende_contact_locked", default=None)


def _locking() -> Any:
    # The customer (for an organisation's policy) is read only when the call has one.
    return Contact.objects.select_for_update(of=("self",)).select_related("queue")


def _lock(contact_id: int) -> Contact:
    row = _locked.get()
    if row is not None and row.pk == contact_id:
        return row
    row = _locking().filter(pk=contact_id).first()
    if row is None:
        raise InputError("unknown_contact", _("There is no contact %(id)s.") % {"id": contact_id}, status=404)
    return row


@contextlib.contextmanager
def call_locked(external_id: str) -> Iterator[Contact]:
    """Lock the call the telephony knows as ``external_id``, in one query, for the caller's transaction.

    Actions on that contact inside the block reuse the lock instead of looking
    the call up again. Use inside ``transaction.atomic()``.
    """
    row = _locking().filter(external_id=external_id).first()
    if row is None:
        raise InputError("unknown_call", _("No call has the id %(id)s.") % {"id": external_id}, status=404,
                         field="call_id")
    token = _locked.set(row)
    try:
        yield row
    finally:
        _locked.reset(token)


def _organisation_id(row: Contact) -> int | None:
    return row.customer.organisation_id if row.customer_id and row.customer else None


def _apply(row: Contact, action: Callable[[engine.Contact, engine.Policy], list[engine.Event]], *,
           actor: User | None = None, extra_alerts: Iterable[engine.Alert] = ()) -> Outcome:
    """Run ``action`` on the engine's contact and persist everything it changed. Call inside a transaction."""
    policy = policy_for(row.queue, _organisation_id(row))
    contact = _engine_contact(row)
    before = _deadline_keys(contact, policy)
    events = action(contact, policy)
    return _persist(row, contact, policy, events, list(extra_alerts), actor, before)


def _deadline_keys(contact: engine.Contact, policy: engine.Policy) -> set[str]:
    return {d.key for d in deadlines_for(contact, policy)}


def _persist(row: Contact, contact: engine.Contact, policy: engine.Policy, events: list[engine.Event],
             alerts: list[engine.Alert], actor: User | None, before: set[str], *, insert: bool = False) -> Outcome:
    previous_assignee = row.assignee_id
    previous_offered = row.offered_to_id
    row.state = contact.state.value
    row.assignee_id = contact.assignee
    row.offered_to_id = contact.offered_to
    row.answered_at = contact.answered_at
    row.ended_at = contact.ended_at
    row.data = contact.to_dict()
    row.version += 1
    if insert:
        row.save(force_insert=True)
    else:
        row.save(update_fields=["state", "assignee", "offered_to", "answered_at", "ended_at", "data", "version"])
    if events:
        ContactEvent.objects.bulk_create([
            ContactEvent(contact=row, kind=e.kind, at=e.at, actor=actor, rule=e.rule or "", data=_json(e.data))
            for e in events
        ])
    _sync_deadlines(row, contact, policy, before)
    _sync_technicians(events, previous_assignee, previous_offered, contact)
    stored = [
        Alert(kind=a.kind, rule=a.rule, level=a.level, contact=row, technician_id=a.technician,
              message_es=a.es, message_en=a.en, created_at=a.at)
        for a in alerts
    ]
    if stored:
        Alert.objects.bulk_create(stored)
    if events or stored:
        from atiende.contact import live

        live.after_commit(row, events, stored)
    return Outcome(row, events, stored)


def _sync_deadlines(row: Contact, contact: engine.Contact, policy: engine.Policy, before: set[str]) -> None:
    """Stored deadlines = what the state implies: drop the ones it no longer implies, add the new.

    ``before`` is what the state implied before the change (all stored, by this
    same rule), so an action that changes no timer costs no query.
    """
    implied = {d.key: d for d in deadlines_for(contact, policy)}
    stale = before - implied.keys()
    if stale:
        Deadline.objects.filter(contact=row, key__in=stale, fired_at__isnull=True).delete()
    new = [Deadline(contact=row, kind=d.kind.value, key=d.key, due_at=d.due_at)
           for key, d in implied.items() if key not in before]
    if new:
        Deadline.objects.bulk_create(new, ignore_conflicts=True)


def _sync_technicians(events: list[engine.Event], previous_assignee: int | None, previous_offered: int | None,
                      contact: engine.Contact) -> None:
    """Keep technicians' states in step with what happened to the call (one UPDATE each)."""
    moment = events[-1].at if events else now()
    for event in events:
        if event.kind == "offered":
            _reserve(event.data["technician"])
        elif event.kind == "returned_to_queue" and event.data.get("technician"):
            _release(event.data["technician"], moment, contact)
        elif event.kind == "answered":
            _start_call(event.data["technician"], moment)
        elif event.kind == "transfer_accepted":
            _hand_back(event.data["from"], contact, moment)
            _start_call(event.data["to"], moment)
        elif event.kind == "supervisor_joined":
            if (event.data.get("mode") == "take_over" and previous_assignee
                    and previous_assignee != event.data["supervisor"]):
                _hand_back(previous_assignee, contact, moment)
            # Taking over, joining or coaching, the supervisor is on the call: no other is offered them (PO-5).
            _reserve(event.data["supervisor"])
        elif event.kind == "hangup":
            if contact.assignee:
                _set_technician(contact.assignee, status=TechnicianStatus.WRAP_UP, unless_busy_beyond=contact)
            for supervisor in contact.supervisors:
                if supervisor != contact.assignee:  # no wrap-up for who only joined: back to what they did
                    _hand_back(supervisor, contact, moment)
        elif event.kind == "ended" and contact.assignee:
            _end_wrap_up(contact.assignee, moment, contact)
        elif event.kind == "abandoned" and previous_offered:
            _release(previous_offered, moment, contact)


def _busy_beyond(contact: engine.Contact) -> Exists:
    """True for a technician's state row when another call than ``contact`` rings at them or is in their hands.

    A technician may be on one call while another ends without them: a ring that
    times out after they took a transfer, a PBX answer from their extension. The
    end of that other call must not set them free or into wrap-up mid-call.
    """
    others = Contact.objects.filter(Q(assignee_id=OuterRef("user_id"), state__in=IN_CONVERSATION)
                                    | Q(offered_to_id=OuterRef("user_id"), state=ContactState.OFFERED))
    if contact.id:
        others = others.exclude(pk=int(contact.id))
    return Exists(others)


@dataclass(frozen=True)
class _Elsewhere:
    """A technician's other calls, seen from one call: see :func:`_elsewhere`."""

    on_a_call: bool  # answered and in their hands, ringing at them, or joined (supervisor)
    wrap_up_pending: bool  # a call of theirs in wrap-up ("cierre")
    kept: dict[str, str] | None  # where those calls take them afterwards (their ``returns_to`` entry)


def _elsewhere(user_id: int, contact_id: str | int | None) -> _Elsewhere:
    """What else this technician is doing besides the call ``contact_id`` (None: any call counts).

    A supervisor who joins or coaches (PO-5) is on the call without being its
    assignee: the engine lists them in ``supervisors`` (JSON), found through their
    ``supervisor_joined`` event on live calls and checked against the list (one
    who took the call over and handed it on has left it). One query.
    """
    joined = ContactEvent.objects.filter(contact=OuterRef("pk"), kind="supervisor_joined",
                                         data__supervisor=user_id)
    rows = Contact.objects.filter(
        Q(assignee_id=user_id, state__in=(*IN_CONVERSATION, ContactState.WRAP_UP))
        | Q(offered_to_id=user_id, state=ContactState.OFFERED)
        | Q(Exists(joined), state__in=IN_CONVERSATION))
    if contact_id:
        rows = rows.exclude(pk=int(contact_id))
    on_a_call = wrap_up_pending = False
    kept: dict[str, str] | None = None
    for state, assignee, offered, data in rows.order_by("pk").values_list("state", "assignee_id", "offered_to_id",
                                                                           "data"):
        mine = assignee == user_id
        if state == ContactState.WRAP_UP:
            wrap_up_pending = wrap_up_pending or mine
        elif state == ContactState.OFFERED:
            on_a_call = on_a_call or offered == user_id
            continue  # a call that rings at them keeps nothing for them
        elif mine or user_id in (data.get("supervisors") or []):
            on_a_call = True
        else:
            continue
        kept = kept or (data.get("returns_to") or {}).get(str(user_id))
    return _Elsewhere(on_a_call, wrap_up_pending, kept)


def _set_technician(user_id: int, *, unless_busy_beyond: engine.Contact | None = None, **fields: Any) -> None:
    rows = TechnicianState.objects.filter(user_id=user_id)
    if unless_busy_beyond is not None:
        if _elsewhere(user_id, unless_busy_beyond.id).on_a_call:
            return  # still on another call (a supervisor on two at once): busy, whatever this one does
        rows = rows.exclude(_busy_beyond(unless_busy_beyond))
    updated = rows.update(updated_at=timezone.now(), **fields)
    if not updated and User.objects.filter(pk=user_id).exists():
        # A PBX may report a technician who never signed in to the console: start their state now.
        clean = {k: v for k, v in fields.items() if not hasattr(v, "resolve_expression")}
        if "calls_today" in fields:
            clean["calls_today"] = 1
        TechnicianState.objects.get_or_create(user_id=user_id, defaults=clean)


def _reserve(user_id: int) -> None:
    _set_technician(user_id, status=TechnicianStatus.BUSY, idle_since=None, pause_reason="")


def _release(user_id: int, moment: datetime, contact: engine.Contact) -> None:
    _set_technician(user_id, status=TechnicianStatus.AVAILABLE, idle_since=moment, pause_reason="",
                    unless_busy_beyond=contact)


def _end_wrap_up(user_id: int, moment: datetime, contact: engine.Contact) -> None:
    """The wrap-up is over (engine.Technician.finish_wrap_up): only a technician still in "cierre" is freed.

    A pause taken during the wrap-up stands with its reason; a technician who took
    another call meanwhile stays busy. One conditional UPDATE, so a pause that
    commits first is never overwritten. A supervisor who took the call over goes
    back to the state they had before (``returns_to``), not to the routing pool.
    """
    _hand_back(user_id, contact, moment, only_from=TechnicianStatus.WRAP_UP)


def _hand_back(user_id: int, contact: engine.Contact, moment: datetime, *, only_from: str | None = None) -> None:
    """This technician is done with the call: where they go next (engine.state_after_calls).

    Still on another call (a supervisor joined to two at once, PO-5): busy, until
    the last of them ends for them. Else the wrap-up of a call of their own if one
    is still running ("cierre": a call joined during it does not skip it), then the
    state ``contact.returns_to`` keeps for them (their pause with its reason, not
    taking calls), else the routing pool.
    """
    elsewhere = _elsewhere(user_id, contact.id)
    if elsewhere.on_a_call:
        return
    status, reason = engine.state_after_calls(contact.returns_to.get(str(user_id)),
                                              wrap_up_pending=elsewhere.wrap_up_pending)
    rows = TechnicianState.objects.filter(user_id=user_id).exclude(_busy_beyond(contact))
    if only_from is not None:
        rows = rows.filter(status=only_from)
    rows.update(status=status.value, pause_reason=reason,
                idle_since=moment if status is engine.TechnicianStatus.AVAILABLE else None,
                updated_at=timezone.now())


def _start_call(user_id: int, moment: datetime) -> None:
    today = now().date()
    # PO-3: calls are counted per day; the first call of a new day starts the count again.
    _set_technician(
        user_id, status=TechnicianStatus.BUSY, idle_since=None, pause_reason="", calls_day=today,
        calls_today=Case(When(calls_day=today, then=F("calls_today") + 1), default=Value(1)),
    )


def _json(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        out[key] = value.isoformat() if isinstance(value, datetime) else value
    return out


# ---- arrivals and routing ------------------------------------------------------

@dataclass
class Routed:
    contact: Contact
    technician: User | None
    decision: engine.RoutingDecision | None


@single_writer
def create_contact(*, queue: str, direction: str = "inbound", caller: str = "", callee: str = "",
                   customer_id: int | None = None, external_id: str | None = None, level2_requested: bool = False,
                   required_skills: Iterable[str] = (), route: bool = True) -> Routed:
    """A new call arrives: store it with its deadlines and, in the same transaction, ring a technician."""
    if direction not in ("inbound", "outbound"):
        raise InputError("invalid_direction", _("Direction must be inbound or outbound."), field="direction")
    with _tx():
        queue_row = _queue_named(queue)
        moment = now()
        organisation_id = None
        if customer_id is not None:
            from atiende.desk.models import Customer

            organisation_id = Customer.objects.filter(pk=customer_id).values_list("organisation_id", flat=True).first()
        contact = engine.Contact(
            id="", queue=queue_row.name, created_at=moment, direction=engine.contact.Direction(direction),
            caller=caller, callee=callee, required_skills=tuple(required_skills),
            level2_requested=level2_requested, organisation=str(organisation_id) if organisation_id else None,
        )
        policy = policy_for(queue_row, organisation_id)
        events = [engine.Event("created", moment, {"queue": queue_row.name, "direction": direction, "from": caller,
                                                   "to": callee, "level2_requested": level2_requested})]
        chosen: TechnicianState | None = None
        decision = None
        if route:
            chosen, decision = _choose_technician(queue_row, contact, policy)
            if chosen is not None:
                events += contact.offer(chosen.user_id, now=moment)
        row = Contact(queue=queue_row, direction=direction, caller=caller, callee=callee, customer_id=customer_id,
                      external_id=external_id, created_at=moment, version=0)
        _persist(row, contact, policy, events, [], None, set(), insert=True)
    return Routed(row, chosen.user if chosen else None, decision)


def _choose_technician(queue: Queue, contact: engine.Contact, policy: engine.Policy,
                       ) -> tuple[TechnicianState | None, engine.RoutingDecision | None]:
    """Pick the best available technician and lock their row (SKIP LOCKED: a racing claim takes another)."""
    config = queue_config(queue)
    tiers = open_tiers(contact, config, policy, now=now())  # only tiers that may take it now (PO-2, CT-ENT)
    available = _team_filtered(TechnicianState.objects.select_related("user")
                               .filter(status=TechnicianStatus.AVAILABLE, user__tier__in=tiers), queue)
    available = available.order_by(F("idle_since").asc(nulls_last=True), "calls_today", "user_id")
    # The engine picks the longest idle among those who fit: read the technicians in
    # that order, a page at a time, until a page holds someone who fits. Who turned
    # this call down is left out by the engine (pick_technician, routing.turned_down).
    candidates: dict[int, TechnicianState] = {}
    pool: list[engine.Technician] = []
    decision = None
    for start in itertools.count(0, CANDIDATES_PAGE):
        rows = list(available[start:start + CANDIDATES_PAGE])
        fitting = [t for t in rows if _serves(t, queue, team_checked=True)]
        candidates.update((t.user_id, t) for t in fitting)
        pool += [_to_engine_technician(t) for t in fitting]
        if len(rows) < CANDIDATES_PAGE or pick_technician(contact, pool, config, policy, now=now()).technician:
            break
    # If racing calls take every fitting technician of the pages read, this call waits
    # in the queue and the worker's next routing pass (dispatch) rings the next one.
    for _attempt in range(8):
        decision = pick_technician(contact, pool, config, policy, now=now())
        if decision.technician is None:
            return None, decision
        claimed = (TechnicianState.objects.select_for_update(skip_locked=True)
                   .filter(pk=decision.technician, status=TechnicianStatus.AVAILABLE)
                   .values_list("pk", flat=True).first())
        if claimed is not None:
            return candidates[decision.technician], decision
        pool = [t for t in pool if t.id != decision.technician]  # someone else got them first
    return None, decision


@single_writer
def route_contact(*, contact_id: int) -> Routed:
    """Ring the best available technician for this waiting contact, if any (longest idle first...)."""
    with _tx():
        row = _lock(contact_id)
        if row.state != ContactState.WAITING:
            return Routed(row, row.offered_to or row.assignee, None)
        contact = _engine_contact(row)
        policy = policy_for(row.queue, _organisation_id(row))
        chosen, decision = _choose_technician(row.queue, contact, policy)
        if chosen is None:
            return Routed(row, None, decision)
        _apply(row, lambda c, p: c.offer(chosen.user_id, now=now()))
        return Routed(row, chosen.user, decision)


def _team_members(team_id: int, user: Any) -> Any:
    """Membership rows of the team ``team_id`` for ``user`` (an id, or OuterRef for a subquery)."""
    return User.teams.through.objects.filter(team_id=team_id, user_id=user)


def _team_filtered(states: Any, queue: Queue) -> Any:
    """TechnicianState rows ``queue``'s calls may go to, as far as teams go, in the same query.

    A queue with a team (ET-4: its supervisors see its calls) is served by that team's
    members, technicians and supervisors alike, and by whoever has it named in their
    own ``queues`` list (a deliberate assignment across teams; that list is checked by
    :func:`_serves` on the rows read). A shared queue (no team): everyone, as before.
    The team is tested with an EXISTS on the membership table, so it adds no round
    trip and no duplicate rows for people in several teams.
    """
    if queue.team_id is None:
        return states
    # PostgreSQL runs the EXISTS as one hashed subplan over the team's rows (index on team_id).
    return states.filter(Exists(_team_members(queue.team_id, OuterRef("user_id"))) | ~Q(queues=[]))


def serves_queue(queue: Queue, *, queues_served: Iterable[str] | None, team_ids: Collection[int]) -> bool:
    """Whether ``queue``'s calls may go to a person (push, pull, a transfer to the queue): THE rule.

    Their ``queues`` list, when they have one, says it all: listed, they serve it,
    whatever its team. With no list, every shared queue and every queue of their own
    teams (``team_ids``).
    """
    served = list(queues_served or ())
    if served:
        return queue.name in served
    return queue.team_id is None or queue.team_id in team_ids


def waiting_for(user: User, queues_served: Iterable[str] | None) -> Q:
    """:func:`serves_queue` as a filter on contacts: the calls of the queues whose calls may go to ``user``."""
    served = list(queues_served or ())
    if served:
        return Q(queue__name__in=served)
    return Q(queue__team__isnull=True) | Q(
        queue__team__in=User.teams.through.objects.filter(user_id=user.pk).values("team_id"))


def may_accept_transfer(queue: Queue, *, tier: int, skills: Iterable[str] | None,
                        queues_served: Iterable[str] | None, team_ids: Collection[int]) -> bool:
    """Whether a person may accept a transfer to ``queue`` (TR-4): they serve it (:func:`serves_queue`) and it
    takes their tier and every skill it asks for. The acceptance, the live offers and the console all ask this."""
    config = queue_config(queue)
    return (serves_queue(queue, queues_served=queues_served, team_ids=team_ids)
            and tier in config.tiers and config.skills <= frozenset(skills or ()))


def _serves(row: TechnicianState, queue: Queue, *, team_checked: bool = False) -> bool:
    """:func:`serves_queue` for a stored state row. ``team_checked``: the row comes from
    :func:`_team_filtered`, so with no list they are a member already; else membership is looked up here,
    only when it matters."""
    team = queue.team_id
    member = not row.queues and team is not None and (team_checked or _team_members(team, row.user_id).exists())
    return serves_queue(queue, queues_served=row.queues, team_ids={team} if member and team is not None else ())


@single_writer
def dispatch(*, limit: int = 50) -> int:
    """Route waiting contacts, oldest first, while technicians are free. Returns how many were offered."""
    free = TechnicianState.objects.filter(status=TechnicianStatus.AVAILABLE).count()
    if not free:
        return 0
    offered = misses = 0
    waiting_ids = list(Contact.objects.filter(state=ContactState.WAITING).order_by("created_at", "id")
                       .values_list("pk", flat=True)[:limit])
    for contact_id in waiting_ids:
        routed = route_contact(contact_id=contact_id)
        if routed.technician is not None:
            offered += 1
            if offered >= free:
                break
        elif routed.decision is None or not routed.decision.turned_down:
            # Skills or tiers may suit a later contact, but a long run of misses means nobody is free.
            # (A call only its decliners could take says nothing of the next: someone free fits it.)
            misses += 1
            if misses >= 5:
                break
    return offered


# Pull mode reads waiting contacts this many at a time, oldest first, and looks at most this far.
CLAIM_PAGE = 50
CLAIM_SCAN = 1000


@single_writer
def claim_next_contact(*, user: User, queue: str | None = None) -> Contact | None:
    """Pull mode: an available technician takes the oldest waiting contact they may serve.

    The same rules as pushed routing: the technician's queues (``TechnicianState.queues``;
    with none, the shared queues and their own teams', as ``_serves``), not a call they
    declined or let ring out (routing.turned_down), the skills the queue and the call need,
    and the tiers open for that call now
    (the first tier; one more as the wait nears the PO-2 maximum; tier 2 up for a
    customer who asked for level 2, CT-ENT); a supervisor who steps in to take
    calls is held to the skills, not the tiers. Waiting contacts are read without
    a lock, oldest first, and the first that fits is locked with ``SKIP LOCKED``
    (PostgreSQL): racing technicians each get a different contact, and a contact
    is never offered twice.

    None: nobody is waiting (in ``queue``, when given), or the calls this technician
    could take were all taken meanwhile. Calls waiting of which none is theirs to take
    (another queue, a tier not open to them yet, a skill they lack) is a different
    answer: ``InputError`` ``none_you_can_take`` (404), so they are not told the
    queue is empty while callers wait (PO-2: it may open to their tier later).
    """
    _require_staff(user)
    with _tx():
        me = TechnicianState.objects.select_for_update().select_related("user").get(pk=technician_state(user).pk)
        if me.status != TechnicianStatus.AVAILABLE:
            raise InputError("not_available", _("Become available before taking a call."), status=409,
                             rule="CH-TEL")
        waiting = Contact.objects.filter(state=ContactState.WAITING)
        if queue:
            waiting = waiting.filter(queue__name=queue)
        from atiende.contact import selectors  # selectors import this module

        if selectors.is_manager(user) and not selectors.is_admin(user):
            # ET-4: a supervisor answering calls takes them only from queues they may see, or named in
            # their own queues (a deliberate assignment; push routing rings them with those too), and
            # hears nothing of the others': they do not count as calls waiting below.
            waiting = waiting.filter(Q(queue__in=selectors.supervised_queues(user).values("pk"))
                                     | Q(queue__name__in=list(me.queues)))
        qs = waiting.filter(waiting_for(user, me.queues))  # as pushed routing: serves_queue
        # A supervisor who steps in to take calls may take any call of their queues, whatever its tier.
        row, fitting_seen = _first_claimable(qs.select_related("queue", "customer").order_by("created_at", "id"),
                                             _to_engine_technician(me), any_tier=selectors.is_manager(user))
        if row is None:
            if not fitting_seen and waiting.exists():
                raise InputError("none_you_can_take",
                                 _("Calls are waiting, but none you can take now (queue, tier or skills)."),
                                 status=404, rule="PO-2")
            return None
        _apply(row, lambda c, p: c.offer(user.pk, now=now()), actor=user)
        return row


def _first_claimable(waiting: Any, me: engine.Technician, *, any_tier: bool = False) -> tuple[Contact | None, bool]:
    """The oldest of ``waiting`` that this technician may serve now, locked; None if none is free.

    Also whether any of those read would have fitted them (and was taken by someone else meanwhile).
    """
    policies: dict[tuple[int, int | None], engine.Policy] = {}
    moment = now()
    last: Contact | None = None
    fitting_seen = False
    for _page in range(CLAIM_SCAN // CLAIM_PAGE):
        page_qs = waiting
        if last is not None:  # keyset paging: rows leaving the queue meanwhile shift nothing
            page_qs = page_qs.filter(Q(created_at__gt=last.created_at) | Q(created_at=last.created_at,
                                                                             id__gt=last.pk))
        rows = list(page_qs[:CLAIM_PAGE])
        for row in rows:
            organisation = _organisation_id(row)
            key = (row.queue_id, organisation)
            if key not in policies:
                policies[key] = policy_for(row.queue, organisation)
            contact, config = _engine_contact(row), queue_config(row.queue)
            # The same test as pushed routing (pick_technician): the skills, and a tier open now (PO-2, CT-ENT).
            if not set(config.skills) | set(contact.required_skills) <= me.skills:
                continue
            if not any_tier and me.tier not in open_tiers(contact, config, policies[key], now=moment):
                continue
            if contact.declined_by and turned_down(contact, me.id, policies[key], now=moment):
                continue  # they declined it or let it ring out: it waits for someone else, as in push routing
            fitting_seen = True
            locked = (Contact.objects.select_for_update(skip_locked=True)
                      .filter(pk=row.pk, state=ContactState.WAITING).values_list("pk", flat=True).first())
            if locked is not None:
                return Contact.objects.select_related("queue", "customer").get(pk=locked), True
        if len(rows) < CLAIM_PAGE:
            return None, fitting_seen
        last = rows[-1]
    return None, fitting_seen


def _require_serves_queue(user: User, queue_name: str) -> None:
    """Who accepts a transfer to a queue must be someone that queue's calls may go to (TR-4)."""
    queue = Queue.objects.filter(name=queue_name).first()
    row = TechnicianState.objects.filter(user=user).first()  # none: no queues list
    if queue is None or not may_accept_transfer(
            queue, tier=user.tier, skills=user.skills, queues_served=row.queues if row else None,
            team_ids=set(user.teams.values_list("pk", flat=True))):
        raise Refusal(
            "not_in_queue", rule="TR-4", status=403,
            es=f"La transferencia es para la cola «{queue_name}», que usted no atiende (cola, nivel o habilidades).",
            en=f"The transfer is for the queue '{queue_name}', which you do not serve (queue, tier or skills).",
        )


# ---- technician and supervisor actions ----------------------------------------

def _act(contact_id: int, actor: User | None, action: Callable[[engine.Contact, engine.Policy], list[engine.Event]],
         *, expected_version: int | None = None, then_dispatch: bool = False,
         record: Callable[[Contact], None] | None = None) -> Outcome:
    with _tx():
        row = _lock(contact_id)
        if expected_version is not None and row.version != expected_version:
            raise InputError("stale_version", _("The call changed meanwhile; reload and try again."), status=409)
        outcome = _apply(row, action, actor=actor)
        if record is not None:
            record(row)  # in the same transaction: the action and its record stand or fall together
    if then_dispatch:
        dispatch()
    return outcome


def _actor_id(actor: User | None) -> int | None:
    return actor.pk if actor is not None else None


@single_writer
def answer(*, contact_id: int, user: User | None = None, technician_id: int | None = None,
           from_pbx: bool = False) -> Outcome:
    """The technician picks up. In the console only the one it rings at may (``offered_to_someone_else``).

    ``from_pbx``: the telephony reports who really answered and is the source of truth: with
    a ring group or call pickup another phone may take a call Atiende rang elsewhere. The
    offer to the rung technician ends (they are free again, and may get a waiting call)
    and the call is answered by the one who took it. A technician who answers at the phone
    while paused (with its reason) or not signed in goes back to that state after the call
    (``returns_to``, as a supervisor taking over), not into routing.
    """
    who = technician_id if technician_id is not None else _actor_id(user)
    released: list[int] = []
    before = _state_to_return_to(who) if from_pbx and who is not None else None

    def action(c: engine.Contact, p: engine.Policy) -> list[engine.Event]:
        moment = now()
        events: list[engine.Event] = []
        if (from_pbx and who is not None and c.state is engine.ContactState.OFFERED
                and c.offered_to is not None and c.offered_to != who):
            released.append(c.offered_to)
            events += c.return_to_queue(now=moment, cause="answered_elsewhere")
        events += c.answer(now=moment, technician=who)
        if before is not None and before["status"] in (TechnicianStatus.PAUSED, TechnicianStatus.OFFLINE):
            c.returns_to[str(who)] = before
        return events

    outcome = _act(contact_id, user, action)
    if released:
        dispatch()  # the technician Atiende had rung is free again: a waiting call may go to them
    return outcome


def _state_to_return_to(user_id: int) -> dict[str, str] | None:
    """Where this technician goes back to after a call they come onto now (kept in its ``returns_to``).

    What they are doing now (status, pause reason; no state row: not signed in for
    calls, desconectado). On another call or in a wrap-up of their own, where that
    call takes them afterwards (engine.state_to_keep): a supervisor who joins two calls
    goes back, after the last, to what they did before the first. None: the pool.
    """
    found = TechnicianState.objects.filter(user_id=user_id).values_list("status", "pause_reason").first()
    status, reason = (str(found[0]), str(found[1])) if found else (TechnicianStatus.OFFLINE.value, "")
    if status == TechnicianStatus.AVAILABLE:
        return {"status": status, "pause_reason": ""}  # nothing else going on: no need to look
    elsewhere = _elsewhere(user_id, None)  # every call: joining one again keeps what it already keeps
    return engine.state_to_keep(status, reason, wrap_up_pending=elsewhere.wrap_up_pending,
                                kept_elsewhere=elsewhere.kept)


@single_writer
def decline_offer(*, contact_id: int, user: User) -> Outcome:
    def action(c: engine.Contact, p: engine.Policy) -> list[engine.Event]:
        if c.offered_to != user.pk:
            raise Refusal("not_your_call", rule="CH-TEL", status=403,
                          es="Esta llamada no está sonando en su puesto.", en="This call is not ringing at you.")
        return c.return_to_queue(now=now(), cause="declined")
    return _act(contact_id, user, action, then_dispatch=True)


@single_writer
def put_on_hold(*, contact_id: int, user: User | None, reason: str, customer_consent: bool,
                expected_minutes: float | None) -> Outcome:
    return _act(contact_id, user, lambda c, p: c.put_on_hold(
        reason=reason, customer_consent=customer_consent, expected_minutes=expected_minutes, now=now(),
        by=_on_the_call(user, c)),
        record=_consent_record("hold", user, reason))


@single_writer
def resume(*, contact_id: int, user: User | None) -> Outcome:
    return _act(contact_id, user, lambda c, p: c.resume(now=now(), by=_on_the_call(user, c)))


@single_writer
def request_transfer(*, contact_id: int, user: User | None, purpose: str, customer_consent: bool,
                     to_technician: int | None = None, to_queue: str | None = None) -> Outcome:
    if to_queue is not None:
        _queue_named(to_queue)
    if to_technician is not None and not User.objects.filter(pk=to_technician, is_active=True).exclude(
            role=Role.CUSTOMER).exists():
        raise InputError("unknown_technician", _("There is no such technician."), status=404, field="to_technician")
    return _act(contact_id, user, lambda c, p: c.request_transfer(
        purpose=purpose, customer_consent=customer_consent, now=now(), timeout_seconds=p.transfer_timeout_seconds,
        to_technician=to_technician, to_queue=to_queue, by=_on_the_call(user, c)),
        record=_consent_record("transfer", user, purpose))


def _consent_record(scope: str, user: User | None, note: str) -> Callable[[Contact], None]:
    """HO-3 / TR-3 / ET-2: the consent the engine just relied on becomes a consent record.

    The engine refuses a hold or transfer without the customer's consent; once it
    accepts one, who consented, to what, how and when is kept with the privacy
    records (tied to the contact, so it counts even before the caller is identified).
    """

    def record(row: Contact) -> None:
        from atiende.privacy.services import give_consent

        give_consent(customer=row.customer, scope=scope, method="spoken_phone", recorded_by=user,
                     contact_ref=str(row.pk), given_at=now(), note=note[:500])

    return record


@single_writer
def accept_transfer(*, contact_id: int, user: User) -> Outcome:
    _require_staff(user)
    busy = Contact.objects.filter(assignee=user).exclude(pk=contact_id).filter(
        state__in=IN_CONVERSATION).exists()
    if busy:
        raise Refusal("receiver_busy", rule="TR-4", es="Termine su llamada actual antes de aceptar otra.",
                      en="Finish your current call before accepting another.")

    def action(c: engine.Contact, p: engine.Policy) -> list[engine.Event]:
        if c.state is engine.ContactState.TRANSFER_PENDING and c.transfer is not None and c.transfer.to_queue:
            _require_serves_queue(user, c.transfer.to_queue)  # a queue transfer: only someone of that queue
        return c.accept_transfer(by=user.pk, now=now())

    return _act(contact_id, user, action)


@single_writer
def decline_transfer(*, contact_id: int, user: User) -> Outcome:
    return _act(contact_id, user, lambda c, p: c.decline_transfer(by=user.pk, now=now()))


@single_writer
def escalate(*, contact_id: int, user: User, reason: str = "") -> Outcome:
    """PO-5: ask a supervisor for help; always possible while the call is live, for whoever has it.

    The technician who has the call, or a supervisor in scope (ET-4); the receiver
    of a pending transfer must accept it first (TR-4).
    """
    _require_staff(user)
    supervisor = _acting_technician(user, contact_id) is None
    with _tx():
        row = _lock(contact_id)
        policy = policy_for(row.queue, _organisation_id(row))
        contact = _engine_contact(row)
        before = _deadline_keys(contact, policy)
        moment = now()
        events = contact.escalate(by=user.pk, reason=reason, now=moment, by_supervisor=supervisor)
        alerts = []
        if events:
            alerts.append(engine.Alert(
                "escalation", "PO-5", "warning", moment, contact.id, user.pk,
                f"{user.display_name} pide ayuda de un supervisor: {reason or 'sin motivo indicado'}.",
                f"{user.display_name} asks for a supervisor: {reason or 'no reason given'}.",
            ))
        return _persist(row, contact, policy, events, alerts, user, before)


@single_writer
def supervise(*, contact_id: int, user: User, mode: str) -> Outcome:
    if user.role not in (Role.SUPERVISOR, Role.ADMINISTRATOR) and not user.is_superuser:
        raise InputError("supervisors_only", _("Only a supervisor can join, take over or coach a call."),
                         status=403, rule="PO-5")
    try:
        chosen = engine.SupervisorMode(mode)
    except ValueError:
        raise InputError("invalid_mode", _("Mode must be join, take_over or coach."), field="mode") from None
    _require_in_scope(user, contact_id)
    # What the supervisor was doing: while on the call they are busy (routing rings them no call),
    # after it they go back to it (returns_to), whether they took it over, joined or coach; on two
    # calls at once, or joining during their own wrap-up, see _state_to_return_to and _hand_back.
    before = _state_to_return_to(user.pk)
    return _act(contact_id, user, lambda c, p: c.supervisor_joins(supervisor=user.pk, mode=chosen, now=now(),
                                                                  state_before=before))


@single_writer
def hang_up(*, contact_id: int, user: User | None = None, cause: str = "normal") -> Outcome:
    """End the call. ``user`` None: the PBX (via CTI) reports it; else the technician who has the call
    or a supervisor in scope (the receiver of a pending transfer must accept it first, TR-4)."""
    if user is not None:
        _require_staff(user)
    by = _acting_technician(user, contact_id)
    freed: list[int] = []

    def action(c: engine.Contact, p: engine.Policy) -> list[engine.Event]:
        events = c.hang_up(now=now(), cause=cause, by=by)
        if any(e.kind == "hangup" for e in events):
            freed.extend(s for s in c.supervisors if s != c.assignee)
        return events

    outcome = _act(contact_id, user, action)
    if freed:
        dispatch()  # a supervisor who was available before joining is free again: a waiting call may go to them
    return outcome


@single_writer
def finish_wrap_up(*, contact_id: int, user: User | None) -> Outcome:
    return _act(contact_id, user, lambda c, p: c.finish_wrap_up(
        now=now(), by=_actor_id(user) if _acts_as_technician(user) else None), then_dispatch=True)


def _require_in_scope(user: User, contact_id: int) -> None:
    """ET-4: a supervisor acts only on their teams' and shared queues' calls; others look missing (404)."""
    from atiende.contact import selectors  # selectors import this module

    if not selectors.manager_may_see(user, contact_id):
        raise InputError("unknown_contact", _("There is no contact %(id)s.") % {"id": contact_id}, status=404)


def _acting_technician(user: User | None, contact_id: int) -> int | None:
    """Whom the engine checks as the one acting on the call: a technician's id; None for the PBX
    (no user) and for a supervisor or administrator, whose scope (ET-4) is checked here."""
    if user is None:
        return None
    if _acts_as_technician(user):
        return user.pk
    _require_in_scope(user, contact_id)
    return None


def _on_the_call(user: User | None, contact: engine.Contact) -> int | None:
    """Who holds, resumes or transfers the call, for the engine to check that it is theirs.

    None for the PBX. A technician: the one who has it. A supervisor or administrator: only a call they
    are on (PO-5: taken over, or joined or coaching, as the engine's ``supervisors`` lists them): the
    customer's consent to a hold or a transfer (HO-3, TR-3) is asked by someone on the line, so a
    supervisor who is not joins or takes the call over first. Their scope (ET-4) is checked first.
    """
    if user is None:
        return None
    manager = _acting_technician(user, int(contact.id)) is None  # a supervisor or administrator, in scope
    if manager and user.pk != contact.assignee and user.pk not in contact.supervisors:
        raise Refusal("join_first", rule="PO-5", status=403,
                      es="Únase a la llamada o tome el control antes de actuar sobre ella.",
                      en="Join the call or take it over before acting on it.")
    return user.pk


def _acts_as_technician(user: User | None) -> bool:
    return user is not None and user.role == Role.TECHNICIAN and not user.is_superuser


@single_writer
def acknowledge_alert(*, alert_id: int, user: User) -> Alert:
    with _tx():
        alert = Alert.objects.select_for_update().filter(pk=alert_id).first()
        if alert is None:
            raise InputError("unknown_alert", _("There is no such alert."), status=404)
        from atiende.contact import selectors  # selectors import this module

        is_manager = selectors.is_manager(user)
        # ET-4: another team's alert is answered like a missing one.
        if is_manager and not selectors.visible_alerts(user, open_only=False).filter(pk=alert.pk).exists():
            raise InputError("unknown_alert", _("There is no such alert."), status=404)
        if not is_manager and alert.technician_id != user.pk:
            raise InputError("not_your_alert", _("This alert is not yours."), status=403)
        if alert.acknowledged_at is None:
            alert.acknowledged_at = now()
            alert.acknowledged_by = user
            alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
    return alert


# ---- deadlines: claimed and fired by workers ------------------------------------

@single_writer
def claim_due_deadlines(*, worker: str, limit: int = 100, at: datetime | None = None) -> list[int]:
    """Lease due deadlines to this worker. A crashed worker's lease runs out and another takes over."""
    moment = at or now()
    with _tx():
        ids = list(
            Deadline.objects.select_for_update(skip_locked=True)
            .filter(fired_at__isnull=True, due_at__lte=moment)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=moment))
            .order_by("due_at", "id").values_list("pk", flat=True)[:limit]
        )
        if ids:
            Deadline.objects.filter(pk__in=ids).update(
                claimed_by=worker, lease_until=moment + timedelta(seconds=LEASE_SECONDS))
    return ids


@single_writer
def fire_deadline(*, deadline_id: int, at: datetime | None = None) -> Outcome | None:
    """Fire one claimed deadline: the engine decides whether it still applies (late is fine)."""
    moment = at or now()
    with _tx():
        contact_id = Deadline.objects.filter(pk=deadline_id, fired_at__isnull=True).values_list(
            "contact_id", flat=True).first()
        if contact_id is None:
            return None
        row = _lock(contact_id)
        deadline = Deadline.objects.filter(pk=deadline_id, fired_at__isnull=True).first()
        if deadline is None:  # the contact moved on meanwhile and the deadline was dropped
            return None
        policy = policy_for(row.queue, _organisation_id(row))
        contact = _engine_contact(row)
        implied = {d.key: d for d in deadlines_for(contact, policy)}
        later = implied.get(deadline.key)
        if later is not None and later.due_at > moment:
            # Not due yet: the policy changed since it was stored (a longer PO-1 maximum, a longer
            # wrap-up...). Store it again at its right time instead of losing it.
            Deadline.objects.filter(pk=deadline_id).update(due_at=later.due_at, claimed_by="", lease_until=None)
            return None
        before = set(implied)
        fired = engine.fire(contact, deadline.key, policy, now=moment)
        Deadline.objects.filter(pk=deadline_id).update(fired_at=moment)
        outcome = _persist(row, contact, policy, fired.events, fired.alerts, None, before)
    if any(e.kind in ("returned_to_queue", "ended") for e in fired.events) or deadline.kind in (
            "wait_warning", "wait_breach"):
        dispatch()  # a technician became free, or one more tier opened (PO-2 overflow)
    return outcome


@single_writer
def run_due_deadlines(*, worker: str | None = None, limit: int = 100, at: datetime | None = None) -> int:
    """Claim and fire everything that is due now; overdue deadlines after a restart fire at once."""
    name = worker or f"worker-{uuid.uuid4().hex[:8]}"
    fired = 0
    while True:
        ids = claim_due_deadlines(worker=name, limit=limit, at=at)
        if not ids:
            return fired
        for deadline_id in ids:
            if fire_deadline(deadline_id=deadline_id, at=at) is not None:
                fired += 1
        if len(ids) < limit:
            return fired


@single_writer
def offered_to(*, user: User) -> Contact | None:
    """The call ringing at this technician now, if any."""
    return Contact.objects.filter(offered_to=user, state=ContactState.OFFERED).first()
