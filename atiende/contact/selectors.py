"""Reads: a contact's live view (state, timers, alerts), queues and their policies, who serves a queue,
technicians, alerts."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from atiende import engine
from atiende.contact.clock import now
from atiende.contact.models import (
    Alert,
    Contact,
    ContactChannel,
    ContactEvent,
    ContactState,
    Deadline,
    OrganisationPolicy,
    Queue,
    TechnicianState,
)
from atiende.db import single_writer
from atiende.desk.models import ContactPoint
from atiende.engine import EventKind
from atiende.engine.contact import OPEN_STATES, STATE_LABELS
from atiende.engine.routing import MAX_TIER, MIN_TIER, QueueConfig
from atiende.errors import InputError
from atiende.people.models import User
from atiende.people.roles import is_admin, is_manager
from atiende.practices import Refusal
from atiende.reports.core.figures import nearest_rank
from atiende.telephony.numbers import normalise_number

LIVE = list(OPEN_STATES)  # the engine's: every state of a call not over yet


def contact_view(row: Contact, *, language: str = "es", at: datetime | None = None) -> dict[str, Any]:
    """Everything a console shows about one contact."""
    moment = at or now()
    contact = engine.Contact.from_dict(row.data)
    label_es, label_en = STATE_LABELS[contact.state]
    hold = contact.hold
    transfer = contact.transfer
    escalation = contact.escalation
    return {
        "id": row.pk,
        "state": contact.state.value,
        "state_label": label_en if language.startswith("en") else label_es,
        "queue": row.queue.name,
        "direction": contact.direction.value,
        "from": row.caller,
        "to": row.callee,
        "external_id": row.external_id,
        "customer_id": row.customer_id,
        "assignee": row.assignee_id,
        "offered_to": row.offered_to_id,
        "level2_requested": contact.level2_requested,
        # An outbound call the technician dialled themselves ("pbx" or "hand") or a call-back routed to them
        # ("callback"), or one they dialled from their desk phone ("desk"): engine.Contact.dialled; "" inbound.
        "dialled": contact.dialled,
        "version": row.version,
        "created_at": row.created_at,
        "answered_at": contact.answered_at,
        "ended_at": contact.ended_at,
        "timers": {
            "waited_seconds": round(contact.waited_seconds(moment), 1),
            "talking_seconds": round(contact.talking_seconds(moment), 1),
            "on_hold_seconds": round(contact.on_hold_seconds(moment), 1),
            "hold_announced_end": hold.announced_end if hold else None,
            "hold_overrun_seconds": round(max(0.0, (moment - hold.announced_end).total_seconds()), 1)
            if hold else 0.0,
            "transfer_deadline": transfer.deadline if transfer else None,
        },
        "hold": None if hold is None else {
            "reason": hold.reason, "expected_minutes": hold.expected_minutes, "started_at": hold.started_at,
            "announced_end": hold.announced_end, "reminded_at": hold.reminded_at,
        },
        "transfer": None if transfer is None else {
            "requested_by": transfer.requested_by, "to_technician": transfer.to_technician,
            "to_queue": transfer.to_queue, "purpose": transfer.purpose, "deadline": transfer.deadline,
        },
        "escalation": None if escalation is None else {
            "requested_by": escalation.requested_by, "reason": escalation.reason,
            "supervisor": escalation.supervisor, "mode": escalation.mode.value if escalation.mode else None,
            "joined_at": escalation.joined_at,
        },
        "counts": {
            "holds": contact.hold_count, "hold_overruns": contact.hold_overruns,
            "transfers": contact.transfer_count, "transfer_requests": contact.transfer_requests,
            "escalations": contact.escalation_count,
        },
        "deadlines": [
            {"kind": d.kind, "due_at": d.due_at, "fired_at": d.fired_at}
            for d in Deadline.objects.filter(contact=row).order_by("due_at")
        ],
        "alerts": [alert_view(a, language=language) for a in Alert.objects.filter(contact=row)],
    }


def alert_view(alert: Alert, *, language: str = "es") -> dict[str, Any]:
    return {
        "id": alert.pk, "kind": alert.kind, "rule": alert.rule, "level": alert.level,
        "contact": alert.contact_id, "technician": alert.technician_id,
        "message": alert.message(language), "created_at": alert.created_at,
        "acknowledged_at": alert.acknowledged_at,
    }


# ---- ET-4: who sees which live contacts -----------------------------------------
# The ONE scoping rule of the contact center; the API, the services' manager actions
# (supervise, acknowledge an alert) and the consoles' wallboard all call these.
#   - administrators (and superusers) see everything;
#   - a supervisor sees the contacts of queues of their teams and of shared queues (no team),
#     plus calls they handle themselves (taken over), the technicians of their teams (and
#     technicians in no team), and the alerts of those calls and technicians;
#   - a technician sees their own contacts and offers (unchanged).
# Anything outside is answered as if it did not exist (404), never 403.


def _my_teams(user: User) -> QuerySet[Any]:
    # A subquery, not a list: the filter costs no extra round trip.
    return User.teams.through.objects.filter(user_id=user.pk).values("team_id")


def supervised_queues(user: User) -> QuerySet[Queue]:
    """The queues whose contacts this manager sees: all for administrators, their teams' and shared for supervisors."""
    qs = Queue.objects.all()
    if is_admin(user):
        return qs
    if not is_manager(user):
        return qs.none()
    return qs.filter(Q(team__isnull=True) | Q(team__in=_my_teams(user)))


def visible_queues(user: User) -> QuerySet[Queue]:
    """The queues a user may know of: an administrator all; a supervisor those they supervise; anyone else the
    queues whose calls may go to them (:func:`serves_queue`: their own list, else shared and their teams')."""
    if is_admin(user):
        return Queue.objects.all()
    state = TechnicianState.objects.filter(user=user).values_list("queues", flat=True).first()
    served = list(state or ())
    if is_manager(user):  # and the queues named in their own list (they take those calls: claim_next_contact)
        return Queue.objects.filter(Q(pk__in=supervised_queues(user).values("pk")) | Q(name__in=served))
    if served:
        return Queue.objects.filter(name__in=served)
    return Queue.objects.filter(Q(team__isnull=True) | Q(team__in=_my_teams(user)))


def supervised_technicians(user: User) -> QuerySet[User]:
    """The people whose live state this manager sees: members of their teams, and people in no team."""
    qs = User.objects.all()
    if is_admin(user):
        return qs
    if not is_manager(user):
        return qs.filter(pk=user.pk)
    members = User.teams.through.objects.filter(team_id__in=_my_teams(user)).values("user_id")
    in_some_team = User.teams.through.objects.values("user_id")
    return qs.filter(Q(pk__in=members) | ~Q(pk__in=in_some_team))


def contacts_in_scope(user: User) -> QuerySet[Contact]:
    """Every contact (any state) this user may read or act on as a manager or as the technician on it."""
    qs = Contact.objects.select_related("queue")
    if is_admin(user):
        return qs
    mine = Q(assignee=user) | Q(offered_to=user)
    if is_manager(user):
        # A call the supervisor took over stays theirs even if its queue changes team.
        return qs.filter(Q(queue__in=supervised_queues(user)) | mine)
    return qs.filter(mine)


def manager_may_see(user: User, contact_id: int) -> bool:
    """ET-4: whether this supervisor or administrator may see (and act on) this contact."""
    return is_manager(user) and contacts_in_scope(user).filter(pk=contact_id).exists()


def visible_contacts(user: User) -> QuerySet[Contact]:
    """The live contacts on this user's list (see the rule above)."""
    return contacts_in_scope(user).filter(state__in=LIVE).order_by("created_at", "id")


def visible_alerts(user: User, *, open_only: bool = True) -> QuerySet[Alert]:
    qs = Alert.objects.all()
    if open_only:
        qs = qs.filter(acknowledged_at__isnull=True)
    if is_admin(user):
        return qs
    if not is_manager(user):
        return qs.filter(technician=user)
    # A call's alert follows its queue; an alert about no call follows its technician.
    return qs.filter(Q(contact__queue__in=supervised_queues(user))
                     | Q(contact__isnull=True, technician__in=supervised_technicians(user))
                     | Q(contact__isnull=True, technician__isnull=True))


def live_update_scope(user: User) -> tuple[frozenset[int] | None, int]:
    """For websockets: the queue ids whose live updates this manager may receive in full (None: all, for
    administrators), and their own id (a call they handle is theirs whatever its queue). ET-4."""
    if is_admin(user):
        return None, user.pk
    return frozenset(supervised_queues(user).values_list("pk", flat=True)), user.pk


def may_receive_update(scope: tuple[frozenset[int] | None, int], contact: dict[str, Any]) -> bool:
    """Whether an update message's contact (``queue_id``, ``assignee``) is inside ``live_update_scope``."""
    queues, me = scope
    return queues is None or contact.get("queue_id") in queues or contact.get("assignee") == me


def visible_technician_states(user: User) -> QuerySet[TechnicianState]:
    return (TechnicianState.objects.select_related("user").filter(user__in=supervised_technicians(user))
            .order_by("user__username"))


def technician_view(row: TechnicianState) -> dict[str, Any]:
    return {
        "user": row.user_id, "username": row.user.username, "tier": row.user.tier, "skills": row.user.skills,
        "status": row.status, "pause_reason": row.pause_reason, "idle_since": row.idle_since,
        "calls_today": row.calls_today if row.calls_day == now().date() else 0,
    }


def events_of(row: Contact) -> QuerySet[ContactEvent]:
    return ContactEvent.objects.filter(contact=row).order_by("at", "id")


def stats(*, since: datetime, user: User | None = None) -> dict[str, Any]:
    """The board's figures since a moment: waits, abandonment, holds, transfers (TR-1), alerts, calls (PO-3).

    Answered, abandoned, the abandonment rate and the waits are those of **inbound** calls: an outbound
    call nobody picked up is not a customer who gave up waiting, and its "wait" is the customer's phone
    ringing. Outbound calls are counted apart (``outbound``). Transfers, holds, escalations and the calls
    per technician (PO-3) count every call.

    With a user, only the contacts and alerts they may see count (ET-4); without, everything (reports, CLI).
    """
    from collections import Counter

    # Calls only: visitors at the walk-in desk (CH-PRE) have their own figures (the walk-ins report), and a
    # chat's "wait" and "abandonment" are not a caller's (CH-VIR): neither is mixed into the calls' figures.
    events = ContactEvent.objects.filter(at__gte=since, contact__channel=ContactChannel.PHONE)
    alert_rows = Alert.objects.all()
    if user is not None:
        events = events.filter(contact__in=contacts_in_scope(user).values("pk"))
        alert_rows = visible_alerts(user, open_only=False)
    every_answer = list(events.filter(kind=EventKind.ANSWERED).values_list("contact__direction", "data"))
    answered = [d for direction, d in every_answer if direction != "outbound"]
    waits = sorted(d.get("waited_seconds", 0.0) for d in answered)
    ended_unanswered = Counter(events.filter(kind=EventKind.ABANDONED).values_list("contact__direction", flat=True))
    abandoned = sum(n for direction, n in ended_unanswered.items() if direction != "outbound")
    offered_calls = len(answered) + abandoned
    outbound_answered = len(every_answer) - len(answered)
    resumed = list(events.filter(kind=EventKind.RESUMED).values_list("data", flat=True))
    transfers = events.filter(kind=EventKind.TRANSFER_ACCEPTED).count()
    returned = Counter(d.get("cause") for d in events.filter(kind=EventKind.TRANSFER_RETURNED).values_list("data", flat=True))
    alerts = Counter(alert_rows.filter(created_at__gte=since).values_list("rule", "level"))
    per_technician = Counter(d.get("technician") for _direction, d in every_answer)
    return {
        "since": since,
        "answered": len(answered),
        "abandoned": abandoned,
        "abandonment_rate": round(abandoned / offered_calls, 3) if offered_calls else 0.0,
        "wait_seconds": {
            "mean": round(sum(waits) / len(waits), 1) if waits else 0.0,
            "p90": round(nearest_rank(waits, 0.9), 1) if waits else 0.0,
            "max": round(waits[-1], 1) if waits else 0.0,
        },
        "holds": events.filter(kind=EventKind.HOLD).count(),
        "hold_overruns": sum(1 for d in resumed if d.get("overrun_seconds", 0) > 0),
        "outbound": {"answered": outbound_answered, "unanswered": ended_unanswered.get("outbound", 0)},
        "transfers": transfers,
        "transfer_rate": round(transfers / len(every_answer), 3) if every_answer else 0.0,  # TR-1
        "transfers_declined": returned.get("declined", 0),
        "transfers_timed_out": returned.get("timeout", 0),
        "escalations": events.filter(kind=EventKind.ESCALATED).count(),
        "alerts": [{"rule": rule, "level": level, "count": n} for (rule, level), n in sorted(alerts.items())],
        "calls_per_technician": {str(k): v for k, v in per_technician.items() if k is not None},  # PO-3
    }


# ---- queues, policies and who serves them ------------------------------------------

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
                policies.set_organisation(str(organisation), _usable(policy))
    for name, policy in queues:
        if policy and name not in policies.queues:
            policies.set_queue(name, _usable(policy))
    return policies


def _usable(overrides: dict[str, Any]) -> dict[str, Any]:
    """The stored overrides that are valid today. A value stored before its range was checked (1e308 seconds)
    must not break every call of its queue: it is left out (the default applies) until someone saves the
    policy again, which refuses it with its rule."""
    usable = {}
    for key, value in overrides.items():
        try:
            engine.DEFAULT_POLICY.with_overrides({key: value})
        except Refusal:
            continue
        usable[key] = value
    return usable


def queue_config(queue: Queue) -> QueueConfig:
    # Tiers stored before their range was checked (2^63) are left out, as policies are (see _usable).
    tiers = sorted({t for t in (queue.tiers or []) if isinstance(t, int) and MIN_TIER <= t <= MAX_TIER}) or [1]
    return QueueConfig(queue.name, tuple(tiers), frozenset(queue.skills or []))


def customer_for_caller(number: str) -> int | None:
    """The customer whose phone is this number, when exactly one customer has it; else None.

    Numbers compare as the telephony keys them (:mod:`atiende.telephony.numbers`,
    with the desk's region ``ATIENDE_DEFAULT_REGION``): «+34 600 11 22 33»,
    «0034600112233», «34600112233» and, in Spain, «600 11 22 33» are one number;
    Argentina's mobile 9 and Mexico's old 1 are left out of the comparison. So a
    call from a known customer gets their organisation's policy (PO-1..PO-3). Two customers
    sharing a number (a switchboard) leave the call unlinked: the technician
    identifies the caller. One indexed lookup on ``ContactPoint.number``.
    """
    wanted = normalise_number(number or "", settings.ATIENDE_DEFAULT_REGION)
    if sum(ch.isdigit() for ch in wanted) < 6:  # anonymous, an extension, nothing: no customer phone
        return None
    found = list(ContactPoint.objects.filter(number=wanted, kind__in=[ContactPoint.Kind.PHONE,
                                                                         ContactPoint.Kind.MOBILE])
                 .order_by().values_list("customer_id", flat=True).distinct()[:2])  # no ordering: DISTINCT on the id
    return found[0] if len(found) == 1 else None


def queue_named(name: str) -> Queue:
    queue = Queue.objects.filter(name=name).first()
    if queue is None:
        raise InputError("unknown_queue", _("There is no queue named %(name)s.") % {"name": name},
                         status=404, field="queue", rule="CH-TEL")
    return queue


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


@single_writer
def offered_to(*, user: User) -> Contact | None:
    """The call ringing at this technician now, if any."""
    return Contact.objects.filter(offered_to=user, state=ContactState.OFFERED).first()
