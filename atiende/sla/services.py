"""Keeping each work order's SLA clocks up to date, and raising their warnings and breaches.

:func:`refresh` rebuilds one work order's clocks from what its history says
(:func:`facts_of`), the policy that applies and its team's calendar, stores them in
``WorkOrderSla`` and raises what is due. It runs after every change of a work order
(``receivers``: each ``WorkOrderEvent`` once committed), and the worker runs
:func:`check_due` for the clocks that reach 80 % or their target while nobody touches
the work order. Everything is derived again each time, never patched: the same history
gives the same clocks, whichever process computes them.

The facts, from the work order's own records:

- **first response**: a work order opened by the staff on the phone or at the counter
  was answered as it was opened (the customer was being served); otherwise the first
  public message from the help desk.
- **waiting for the customer**: from a public message of the help desk until the
  customer's next public message (``WorkOrder.awaiting_customer_since`` in the desk);
  the resolution clock stands still meanwhile.
- **resolved**: closed (SP-1); reopened, the clock goes on, the closed days not counted.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from atiende import config_cache
from atiende.desk import rows as raw
from atiende.desk.models import (
    Channel,
    Customer,
    Message,
    MessageDirection,
    Phase,
    Visibility,
    WorkOrder,
    WorkOrderEvent,
)
from atiende.notifications.services import with_change
from atiende.people.models import User
from atiende.people.roles import STAFF, account_role
from atiende.sla.core import calendar as core_calendar
from atiende.sla.core import policy as core_policy
from atiende.sla.core.clock import (
    Clock,
    ClockState,
    Facts,
    Pause,
    Status,
    Targets,
    elapsed,
    evaluate,
)
from atiende.sla.models import WEEKDAYS, ClockName, SlaAlert, SlaPolicy, TeamCalendar, WorkOrderSla

log = logging.getLogger(__name__)

# Channels where the customer is being served while the work order is opened.
SERVED_WHEN_OPENED = (Channel.PHONE, Channel.IN_PERSON)


def calendar_for(team_id: int | None) -> core_calendar.BusinessCalendar:
    """The team's calendar; all day, every day in UTC for a team without one (or a broken one).

    Kept by the process until the settings change (:mod:`atiende.config_cache`): a work order's clocks do not
    read the calendar again."""
    return config_cache.cached(("sla.calendar", team_id), lambda: _calendar_for(team_id))


def _calendar_for(team_id: int | None) -> core_calendar.BusinessCalendar:
    row = TeamCalendar.objects.filter(team_id=team_id).prefetch_related("holidays").first() if team_id else None
    if row is None:
        return core_calendar.BusinessCalendar.always_open()
    try:
        return calendar_of(row)
    except core_calendar.CalendarError:
        log.warning("team calendar %s cannot be used; the clock runs all day", row.pk, exc_info=True)
        return core_calendar.BusinessCalendar.always_open()


def calendar_of(row: TeamCalendar, holidays: Iterable[date] | None = None) -> core_calendar.BusinessCalendar:
    hours = {index: core_calendar.parse_hours(getattr(row, name)) for index, name in enumerate(WEEKDAYS)}
    days = holidays if holidays is not None else [h.day for h in row.holidays.all()] if row.pk else []
    return core_calendar.BusinessCalendar(time_zone=row.time_zone, hours=hours, holidays=frozenset(days))


def policies() -> list[core_policy.Policy]:
    """The active policies, kept by the process until the settings change (:mod:`atiende.config_cache`)."""
    return config_cache.cached("sla.policies", _policies)


def _policies() -> list[core_policy.Policy]:
    return [core_policy.Policy(key=p.pk, targets=Targets(p.first_response_minutes, p.resolution_minutes),
                               priority=p.priority or None, queue=p.team_id, organisation=p.organisation_id,
                               rank=p.rank)
            for p in SlaPolicy.objects.filter(active=True)]


def _at(value: Any) -> datetime | None:
    moment = parse_datetime(value) if isinstance(value, str) else value if isinstance(value, datetime) else None
    return moment


def facts_of(work_order: WorkOrder) -> Facts:
    """What the clocks need, read from the work order, its public messages and its history."""
    events = (WorkOrderEvent.objects.filter(work_order=work_order, kind__in=CLOCK_EVENTS)
              .order_by("at", "id").values_list("kind", "changes", "at"))
    messages = (Message.objects.filter(work_order=work_order, visibility=Visibility.PUBLIC)
                .order_by("created_at", "id").values_list("direction", "created_at"))
    return _facts(work_order, list(events), list(messages))


CLOCK_EVENTS = ("phase", "reopened")


def _facts(work_order: WorkOrder, events: list[tuple[str, Any, datetime]],
           messages: list[tuple[str, datetime]]) -> Facts:
    """The facts from the work order's history lines (``CLOCK_EVENTS``) and public messages, oldest first."""
    started = work_order.created_at
    first_response: datetime | None = None
    if work_order.channel in SERVED_WHEN_OPENED and account_role(work_order.created_by) in STAFF:
        first_response = started
    closures: list[tuple[datetime, datetime | None]] = []
    for kind, changes, at in events:
        phase = (changes or {}).get("phase") or [None, None]
        if kind == "phase" and phase[-1] == Phase.CLOSURE and (not closures or closures[-1][1] is not None):
            closures.append((at, None))
        elif kind == "reopened" and closures and closures[-1][1] is None:
            closures[-1] = (closures[-1][0], at)
    if work_order.phase == Phase.CLOSURE and (not closures or closures[-1][1] is not None):
        closures.append((work_order.closed_at or work_order.updated_at, None))  # closed without a history line
    pauses: list[Pause] = []
    waiting_since: datetime | None = None
    for direction, at in messages:
        if direction == MessageDirection.OUTBOUND:
            if first_response is None:
                first_response = at
            if waiting_since is None and not _inside(closures, at):
                waiting_since = at
        elif waiting_since is not None:
            pauses.append((waiting_since, at))
            waiting_since = None
    if waiting_since is not None:
        pauses.append((waiting_since, None))
    resolved = closures[-1][0] if closures and closures[-1][1] is None else None
    if first_response is None and resolved is not None:
        first_response = resolved  # solved without a written reply: the closing contact answered them (SP-1)
    reopened = [(start, end) for start, end in closures if end is not None]
    return Facts(started_at=started, first_response_at=first_response, resolved_at=resolved,
                 pauses=tuple(pauses) + tuple(reopened))


def _inside(closures: list[tuple[datetime, datetime | None]], moment: datetime) -> bool:
    return any(start <= moment and (end is None or moment < end) for start, end in closures)


def status_of(row: WorkOrderSla, team_id: int | None, now: datetime | None = None) -> Status:
    """The clocks of a stored row at ``now`` (for pages: no write)."""
    facts = Facts(started_at=row.started_at, first_response_at=row.first_response_at, resolved_at=row.resolved_at,
                  pauses=tuple(stored_pauses(row.pauses)))
    targets = Targets(row.first_response_minutes, row.resolution_minutes)
    return evaluate(targets, calendar_for(team_id), facts, now or timezone.now())


def stored_pauses(stored: Any) -> Iterable[Pause]:
    for item in stored or []:
        start = _at(item[0])
        if start is not None:
            yield start, _at(item[1])


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def business_seconds(calendar: core_calendar.BusinessCalendar, created: datetime, first_response_at: datetime | None,
                     resolved_at: datetime | None, pauses: Iterable[Pause]) -> tuple[float | None, float | None]:
    """Business seconds from creation to the first response, and to the resolution less the pauses."""
    first = None if first_response_at is None else elapsed(calendar, created, first_response_at)
    resolution = None if resolved_at is None else elapsed(calendar, created, resolved_at, tuple(pauses))
    return first, resolution


def refresh(work_order_id: int, *, now: datetime | None = None) -> WorkOrderSla | None:
    """Rebuild and store the clocks of one work order, and raise the warnings and breaches reached."""
    return refresh_many([work_order_id], now=now).get(work_order_id)


def refresh_many(work_order_ids: Iterable[int], *, now: datetime | None = None) -> dict[int, WorkOrderSla]:
    """:func:`refresh` for several work orders with the statements of one: their rows, history lines and public
    messages read once for all, their clocks written with one upsert (a batch of mail, ``receivers``)."""
    now = now or timezone.now()
    ids = sorted(set(work_order_ids))
    work_orders = _work_orders(ids)
    if not work_orders:
        return {}
    events: dict[int, list[tuple[str, Any, datetime]]] = {pk: [] for pk in ids}
    lines = raw.columns(WorkOrderEvent, "e", "work_order", "kind", "changes", "at")
    said = raw.columns(Message, "m", "work_order", "direction", "created_at")
    # Hand-written, as the ORM would read them: building its queries cost more than running them.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {lines.columns} FROM {raw.table(WorkOrderEvent)} e WHERE e.work_order_id IN "
                       f"({raw.placeholders(ids)}) AND e.kind IN ({raw.placeholders(CLOCK_EVENTS)}) "
                       "ORDER BY e.work_order_id, e.at, e.id", [*ids, *CLOCK_EVENTS])
        for row in cursor.fetchall():
            work_order_id, kind, changes, at = lines.values(row)
            events[work_order_id].append((kind, changes, at))
        messages: dict[int, list[tuple[str, datetime]]] = {pk: [] for pk in ids}
        cursor.execute(f"SELECT {said.columns} FROM {raw.table(Message)} m WHERE m.work_order_id IN "
                       f"({raw.placeholders(ids)}) AND m.visibility = %s ORDER BY m.work_order_id, m.created_at, m.id",
                       [*ids, str(Visibility.PUBLIC)])
        for row in cursor.fetchall():
            work_order_id, direction, at = said.values(row)
            messages[work_order_id].append((direction, at))
    rows: dict[int, WorkOrderSla] = {}
    statuses: list[tuple[WorkOrder, Status]] = []
    for work_order in work_orders:
        row, status = _clocks(work_order, _facts(work_order, events[work_order.pk], messages[work_order.pk]), now)
        rows[work_order.pk] = row
        statuses.append((work_order, status))
    # One statement (INSERT ... ON CONFLICT DO UPDATE) for all, where a read, a savepoint and a write took four each.
    raw.insert_many(list(rows.values()), unique=("work_order",), update=UPSERTED)
    for told, status in statuses:
        _raise_alerts(told, status, now)
    return rows


def _work_orders(ids: Sequence[int]) -> list[WorkOrder]:
    """The work orders with their author in hand (``created_by``) and their customer's organisation
    (``sla_organisation_id``: a policy may be for one), by key: one hand-written statement."""
    order, author = raw.shape(WorkOrder, "w"), raw.shape(User, "u")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {order.columns}, {author.columns}, c.organisation_id FROM {raw.table(WorkOrder)} w "
                       f"LEFT JOIN {raw.table(User)} u ON u.id = w.created_by_id "
                       f"LEFT JOIN {raw.table(Customer)} c ON c.id = w.customer_id "
                       f"WHERE w.id IN ({raw.placeholders(ids)}) ORDER BY w.id", list(ids))
        fetched = cursor.fetchall()
    found = []
    created_by = WorkOrder._meta.get_field("created_by")
    for row in fetched:
        work_order = order.build(row, 0)
        created_by.set_cached_value(work_order, author.build(row, order.width))  # type: ignore[union-attr]
        work_order.sla_organisation_id = row[order.width + author.width]  # type: ignore[union-attr]
        found.append(work_order)
    return found  # type: ignore[return-value]


def start_many(opened: Iterable[tuple[WorkOrder, Iterable[Message]]], *, now: datetime | None = None) -> None:
    """The clocks of work orders opened in this transaction, from the rows in hand (a set of mail, ``desk.bulk``):
    what :func:`refresh_many` would write, without reading back what was just written. Each comes with every
    message it holds (nothing else in its history moves a clock: no phase, no reopening) and with its customer on
    ``work_order.customer`` (a policy may be for the customer's organisation). One upsert for all."""
    now = now or timezone.now()
    rows: list[WorkOrderSla] = []
    statuses: list[tuple[WorkOrder, Status]] = []
    for work_order, messages in opened:
        customer = work_order.customer if work_order.customer_id else None
        work_order.sla_organisation_id = customer.organisation_id if customer is not None else None  # type: ignore[attr-defined]
        public = sorted((m for m in messages if m.visibility == Visibility.PUBLIC), key=lambda m: (m.created_at, m.pk))
        row, status = _clocks(work_order, _facts(work_order, [], [(m.direction, m.created_at) for m in public]), now)
        rows.append(row)
        statuses.append((work_order, status))
    raw.insert_many(rows, unique=("work_order",), update=UPSERTED)
    for told, status in statuses:
        _raise_alerts(told, status, now)


def start(work_order: WorkOrder, *, now: datetime | None = None) -> WorkOrderSla:
    """The clocks of a work order just opened, from the row in hand: no history line after its opening and no
    message yet, so nothing to read but the policies and the calendar (kept by the process). One statement
    stores them; the row is left on ``work_order.sla`` for the answer that follows."""
    now = now or timezone.now()
    customer = work_order.customer if work_order.customer_id else None
    work_order.sla_organisation_id = customer.organisation_id if customer is not None else None  # type: ignore[attr-defined]
    row, status = _clocks(work_order, _facts(work_order, [], []), now)
    raw.upsert(row, unique=("work_order",), update=UPSERTED)  # hand-written, built once (issue 25)
    _raise_alerts(work_order, status, now)
    WorkOrderSla._meta.get_field("work_order").remote_field.set_cached_value(work_order, row)
    return row


UPSERTED = ["policy_id", "first_response_minutes", "resolution_minutes", "started_at", "first_response_at",
            "resolved_at", "pauses", "paused", "first_response_due", "resolution_due", "first_response_state",
            "resolution_state", "first_response_breached", "resolution_breached", "next_check_at", "updated_at",
            "first_response_seconds", "resolution_seconds"]


def _clocks(work_order: WorkOrder, facts: Facts, now: datetime) -> tuple[WorkOrderSla, Status]:
    chosen = core_policy.choose(policies(), priority=work_order.priority, queue=work_order.team_id,
                                organisation=work_order.sla_organisation_id)  # type: ignore[attr-defined]
    targets = chosen.targets if chosen else Targets()
    calendar = calendar_for(work_order.team_id)
    status = evaluate(targets, calendar, facts, now)
    first_seconds, resolution_seconds = business_seconds(calendar, work_order.created_at, facts.first_response_at,
                                                         facts.resolved_at, facts.pauses)
    row = WorkOrderSla(
        work_order_id=work_order.pk, policy_id=chosen.key if chosen else None,
        first_response_minutes=targets.first_response_minutes, resolution_minutes=targets.resolution_minutes,
        started_at=facts.started_at, first_response_at=facts.first_response_at,
        resolved_at=facts.resolved_at, pauses=[[_iso(s), _iso(e)] for s, e in facts.pauses],
        paused=status.paused,
        first_response_due=status.first_response.due_at, resolution_due=status.resolution.due_at,
        first_response_state=status.first_response.state.value,
        resolution_state=status.resolution.state.value,
        first_response_breached=status.first_response.breached,
        resolution_breached=status.resolution.breached,
        next_check_at=_next_check(status, now), updated_at=now,
        first_response_seconds=first_seconds, resolution_seconds=resolution_seconds,
    )
    return row, status


def _next_check(status: Status, now: datetime) -> datetime | None:
    upcoming = [moment for clock in (status.first_response, status.resolution)
                if clock.state in (ClockState.RUNNING, ClockState.WARNING)
                for moment in (clock.warn_at, clock.due_at) if moment is not None and moment > now]
    return min(upcoming) if upcoming else None


def _raise_alerts(work_order: WorkOrder, status: Status, now: datetime) -> None:
    for name, clock in ((ClockName.FIRST_RESPONSE, status.first_response), (ClockName.RESOLUTION, status.resolution)):
        for kind in _reached(clock):
            if SlaAlert.objects.filter(work_order=work_order, clock=name, kind=kind).exists():
                continue
            try:
                with transaction.atomic():  # a savepoint: another worker may have raised it a moment ago
                    alert = SlaAlert.objects.create(work_order=work_order, clock=name, kind=kind, at=now,
                                                    due_at=clock.due_at)
                    _tell(alert, work_order)
            except IntegrityError:
                continue


def _reached(clock: Clock) -> list[str]:
    if clock.state == ClockState.BREACHED:
        # A clock stopped late never warned in time; the breach says it all.
        return [SlaAlert.Kind.BREACH] if clock.stopped_at is not None else [SlaAlert.Kind.WARNING, SlaAlert.Kind.BREACH]
    if clock.state == ClockState.WARNING:
        return [SlaAlert.Kind.WARNING]
    return []


def _tell(alert: SlaAlert, work_order: WorkOrder) -> None:
    """Notify of the alert in its own transaction (issue 16): the alert and its notifications commit together,
    so a process killed after the commit neither loses the notification nor raises the alert again."""
    from atiende.sla import alerts  # the notifications of an alert (people, texts)

    with_change(lambda: alerts.notify_alert(alert, work_order))


def check_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Refresh the clocks that reach a warning or their target by ``now``; returns how many were looked at.

    Run by the worker twice a minute. A refresh stores the next instant to look at, so a clock is
    looked at when it may have changed, not on every round.
    """
    now = now or timezone.now()
    due = list(WorkOrderSla.objects.filter(next_check_at__lte=now).order_by("next_check_at")
               .values_list("work_order_id", flat=True)[:limit])
    for work_order_id in due:
        try:
            with transaction.atomic():
                refresh(work_order_id, now=now)
        except Exception:  # one broken work order must not stop the others' clocks
            log.exception("SLA refresh of work order %s failed", work_order_id)
    return len(due)


def recheck_open(*, now: datetime | None = None) -> int:
    """A policy or a calendar changed: every open work order's clocks are looked at again soon."""
    now = now or timezone.now()
    return WorkOrderSla.objects.filter(resolved_at__isnull=True).update(next_check_at=now)


def clock_state(status: Status) -> dict[str, Any]:
    """The SLA of a work order as the API and the pages show it (see docs/reports.md)."""
    return {
        "first_response_due": status.first_response.due_at, "resolution_due": status.resolution.due_at,
        "paused": status.paused, "breached": status.breached, "warning": status.warning,
        "first_response": status.first_response.to_json(), "resolution": status.resolution.to_json(),
    }
