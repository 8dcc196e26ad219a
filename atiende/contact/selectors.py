"""Reads: a contact's live view (state, timers, alerts), queues, technicians, alerts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from atiende import engine
from atiende.contact import services
from atiende.contact.models import Alert, Contact, ContactEvent, Deadline, Queue, TechnicianState
from atiende.engine.contact import STATE_LABELS
from atiende.people.models import Role, User

LIVE = ["waiting", "offered", "talking", "on_hold", "transfer_pending", "escalated", "wrap_up"]


def is_manager(user: User) -> bool:
    return user.is_superuser or user.role in (Role.SUPERVISOR, Role.ADMINISTRATOR)


def contact_view(row: Contact, *, language: str = "es", at: datetime | None = None) -> dict[str, Any]:
    """Everything a console shows about one contact."""
    moment = at or services.now()
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


def is_admin(user: User) -> bool:
    return bool(user.is_superuser or user.role == Role.ADMINISTRATOR)


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
        "calls_today": row.calls_today if row.calls_day == services.now().date() else 0,
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

    events = ContactEvent.objects.filter(at__gte=since)
    alert_rows = Alert.objects.all()
    if user is not None:
        events = events.filter(contact__in=contacts_in_scope(user).values("pk"))
        alert_rows = visible_alerts(user, open_only=False)
    every_answer = list(events.filter(kind="answered").values_list("contact__direction", "data"))
    answered = [d for direction, d in every_answer if direction != "outbound"]
    waits = sorted(d.get("waited_seconds", 0.0) for d in answered)
    ended_unanswered = Counter(events.filter(kind="abandoned").values_list("contact__direction", flat=True))
    abandoned = sum(n for direction, n in ended_unanswered.items() if direction != "outbound")
    offered_calls = len(answered) + abandoned
    outbound_answered = len(every_answer) - len(answered)
    resumed = list(events.filter(kind="resumed").values_list("data", flat=True))
    transfers = events.filter(kind="transfer_accepted").count()
    returned = Counter(d.get("cause") for d in events.filter(kind="transfer_returned").values_list("data", flat=True))
    alerts = Counter(alert_rows.filter(created_at__gte=since).values_list("rule", "level"))
    per_technician = Counter(d.get("technician") for _direction, d in every_answer)
    return {
        "since": since,
        "answered": len(answered),
        "abandoned": abandoned,
        "abandonment_rate": round(abandoned / offered_calls, 3) if offered_calls else 0.0,
        "wait_seconds": {
            "mean": round(sum(waits) / len(waits), 1) if waits else 0.0,
            "p90": round(waits[int(0.9 * (len(waits) - 1))], 1) if waits else 0.0,
            "max": round(waits[-1], 1) if waits else 0.0,
        },
        "holds": events.filter(kind="hold").count(),
        "hold_overruns": sum(1 for d in resumed if d.get("overrun_seconds", 0) > 0),
        "outbound": {"answered": outbound_answered, "unanswered": ended_unanswered.get("outbound", 0)},
        "transfers": transfers,
        "transfer_rate": round(transfers / len(every_answer), 3) if every_answer else 0.0,  # TR-1
        "transfers_declined": returned.get("declined", 0),
        "transfers_timed_out": returned.get("timeout", 0),
        "escalations": events.filter(kind="escalated").count(),
        "alerts": [{"rule": rule, "level": level, "count": n} for (rule, level), n in sorted(alerts.items())],
        "calls_per_technician": {str(k): v for k, v in per_technician.items() if k is not None},  # PO-3
    }
