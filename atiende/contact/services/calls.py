"""What technicians and supervisors do to a call: answer, hold, transfer, escalate, supervise, hang up."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

from atiende import engine
from atiende.contact import selectors
from atiende.contact.clock import now
from atiende.contact.models import (
    IN_CONVERSATION,
    Contact,
    Queue,
    TechnicianState,
    TechnicianStatus,
)
from atiende.contact.selectors import may_accept_transfer, queue_named
from atiende.contact.services.apply import Outcome, load, run
from atiende.contact.services.locking import lock_contact, tx
from atiende.contact.services.routing import create_contact, dispatch
from atiende.contact.services.technicians import require_staff, state_to_return_to
from atiende.db import single_writer
from atiende.engine.outcome import Action
from atiende.engine.timers import Fired
from atiende.errors import InputError
from atiende.people.models import User
from atiende.people.roles import STAFF, is_manager, is_technician, role_filter
from atiende.practices import Refusal
from atiende.privacy.services import give_consent


def _act(contact_id: int, actor: User | None, action: Action, *, expected_version: int | None = None,
         record: Callable[[Contact], None] | None = None) -> Outcome:
    """One event on one call: lock and load it once, decide, store once; then route again if it freed someone."""
    with tx():
        row = lock_contact(contact_id)
        if expected_version is not None and row.version != expected_version:
            raise InputError("stale_version", _("The call changed meanwhile; reload and try again."), status=409)
        outcome = run(load(row), action, actor=actor)
        if record is not None:
            record(row)  # in the same transaction: the action and its record stand or fall together
    if outcome.routes_again:
        dispatch()  # a technician may be free again (an offer ended, a wrap-up, supervisors who only joined)
    return outcome


def _actor_id(actor: User | None) -> int | None:
    return actor.pk if actor is not None else None


@single_writer
def answer(*, contact_id: int, user: User | None = None, technician_id: int | None = None,
           from_pbx: bool = False, state_read: tuple[str | None, str | None] | None = None) -> Outcome:
    """The technician picks up. In the console only the one it rings at may (``offered_to_someone_else``).

    ``from_pbx``: the telephony reports who really answered and is the source of truth: with
    a ring group or call pickup another phone may take a call Atiende rang elsewhere. The
    offer to the rung technician ends (they are free again, and may get a waiting call)
    and the call is answered by the one who took it. A technician who answers at the phone
    while paused (with its reason) or not signed in goes back to that state after the call
    (``returns_to``, as a supervisor taking over), not into routing. ``state_read``: that technician's status
    and pause reason as the caller's transaction read them already (see ``state_to_return_to``).
    """
    who = technician_id if technician_id is not None else _actor_id(user)
    before = state_to_return_to(who, read=state_read) if from_pbx and who is not None else None

    def action(c: engine.Contact, p: engine.Policy) -> list[engine.Event]:
        moment = now()
        events: list[engine.Event] = []
        if (from_pbx and who is not None and c.state is engine.ContactState.OFFERED
                and c.offered_to is not None and c.offered_to != who):
            events += c.return_to_queue(now=moment, cause="answered_elsewhere")
        events += c.answer(now=moment, technician=who)
        if before is not None and before["status"] in (TechnicianStatus.PAUSED, TechnicianStatus.OFFLINE):
            c.returns_to[str(who)] = before
        return events

    # The technician Atiende had rung is free again: a waiting call may go to them (outcome.routes_again).
    return _act(contact_id, user, action)


@single_writer
def desk_dial(*, queue: str | Queue, technician: User, caller: str = "", callee: str = "",
              external_id: str | None = None, customer_id: int | None = None) -> Contact:
    """A technician dials a customer from their desk phone and the PBX reports it (a CTI ``new_call`` outbound,
    or the generic protocol's ``newCall`` with direction ``out``): the outbound contact is stored and is theirs
    from the dial (``engine.Contact.dial``, ``dialled`` "desk"), so they are busy at once and routing offers them
    nothing else; routing never offers it to anyone. The PBX's answer connects them; a hangup before it is a
    dial nobody answered: the contact ends unanswered (not reached), counted apart from inbound abandons, and
    they go back to what they were doing (a pause or a wrap-up is kept, ``returns_to``). A PBX that never
    reports it back: it ends not reached after ``dial_timeout_seconds``. Call inside the event's transaction."""
    before = state_to_return_to(technician.pk, read=getattr(technician, "phone_state", None))
    keep = None if before is None or before["status"] == TechnicianStatus.AVAILABLE else before
    with tx():
        row = create_contact(queue=queue, direction="outbound", caller=caller, callee=callee,
                             external_id=external_id, customer_id=customer_id, route=False).contact
        run(load(row), lambda c, p: c.dial(technician.pk, by_hand=False, desk=True, now=now(), state_before=keep))
    return row


@single_writer
def decline_offer(*, contact_id: int, user: User) -> Outcome:
    """The technician turns down a call ringing at them (back to the queue); never one they dialled themselves
    (``own_dial``, CH-PRO: its outcome is recorded in the campaign)."""
    return _act(contact_id, user, lambda c, p: c.decline(user.pk, now=now()))


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
                     to_technician: int | User | None = None, to_queue: str | None = None,
                     consent_method: str = "spoken_phone") -> Outcome:
    """``to_technician``: an id, or a user the caller already found among the active staff (the CTI protocols'
    directory), which is not looked up again. ``consent_method``: how the customer consented (a chat's
    customer answers in writing: ``written``)."""
    if to_queue is not None:
        queue_named(to_queue)
    receiver = to_technician.pk if isinstance(to_technician, User) else to_technician
    if receiver is not None and not isinstance(to_technician, User) and not User.objects.filter(
            role_filter(STAFF), pk=receiver, is_active=True).exists():
        raise InputError("unknown_technician", _("There is no such technician."), status=404, field="to_technician")
    return _act(contact_id, user, lambda c, p: c.request_transfer(
        purpose=purpose, customer_consent=customer_consent, now=now(), timeout_seconds=p.transfer_timeout_seconds,
        to_technician=receiver, to_queue=to_queue, by=_on_the_call(user, c)),
        record=_consent_record("transfer", user, purpose, method=consent_method))


def _consent_record(scope: str, user: User | None, note: str, *,
                    method: str = "spoken_phone") -> Callable[[Contact], None]:
    """HO-3 / TR-3 / ET-2: the consent the engine just relied on becomes a consent record.

    The engine refuses a hold or transfer without the customer's consent; once it
    accepts one, who consented, to what, how and when is kept with the privacy
    records (tied to the contact, so it counts even before the caller is identified).
    """

    def record(row: Contact) -> None:
        give_consent(customer=row.customer, scope=scope, method=method, recorded_by=user,
                     contact_ref=str(row.pk), given_at=now(), note=note[:500])

    return record


@single_writer
def accept_transfer(*, contact_id: int, user: User) -> Outcome:
    require_staff(user)
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
    require_staff(user)
    supervisor = _acting_technician(user, contact_id) is None

    def action(c: engine.Contact, p: engine.Policy) -> Fired:
        moment = now()
        events = c.escalate(by=user.pk, reason=reason, now=moment, by_supervisor=supervisor)
        alerts = [engine.Alert(
            "escalation", "PO-5", "warning", moment, c.id, user.pk,
            f"{user.display_name} pide ayuda de un supervisor: {reason or 'sin motivo indicado'}.",
            f"{user.display_name} asks for a supervisor: {reason or 'no reason given'}.",
        )] if events else []
        return Fired(events, alerts)

    return _act(contact_id, user, action)


@single_writer
def supervise(*, contact_id: int, user: User, mode: str) -> Outcome:
    if not is_manager(user):
        raise InputError("supervisors_only", _("Only a supervisor can join, take over or coach a call."),
                         status=403, rule="PO-5")
    try:
        chosen = engine.SupervisorMode(mode)
    except ValueError:
        raise InputError("invalid_mode", _("Mode must be join, take_over or coach."), field="mode") from None
    _require_in_scope(user, contact_id)
    # What the supervisor was doing: while on the call they are busy (routing rings them no call),
    # after it they go back to it (returns_to), whether they took it over, joined or coach; on two
    # calls at once, or joining during their own wrap-up, see state_to_return_to and hand_back.
    before = state_to_return_to(user.pk)
    return _act(contact_id, user, lambda c, p: c.supervisor_joins(supervisor=user.pk, mode=chosen, now=now(),
                                                                  state_before=before))


@single_writer
def hang_up(*, contact_id: int, user: User | None = None, cause: str = "normal") -> Outcome:
    """End the call. ``user`` None: the PBX (via CTI) reports it; else the technician who has the call
    or a supervisor in scope (the receiver of a pending transfer must accept it first, TR-4)."""
    if user is not None:
        require_staff(user)
    by = _acting_technician(user, contact_id)
    # A supervisor who only joined and was available before is free again: a waiting call may go to them
    # (outcome.routes_again).
    return _act(contact_id, user, lambda c, p: c.hang_up(now=now(), cause=cause, by=by))


@single_writer
def finish_wrap_up(*, contact_id: int, user: User | None) -> Outcome:
    return _act(contact_id, user, lambda c, p: c.finish_wrap_up(
        now=now(), by=_actor_id(user) if _acts_as_technician(user) else None))


def _require_in_scope(user: User, contact_id: int) -> None:
    """ET-4: a supervisor acts only on their teams' and shared queues' calls; others look missing (404)."""
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
    return is_technician(user)


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
