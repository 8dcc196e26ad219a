"""The call figures added up in SQL, the same on SQLite and PostgreSQL (issue 20: a million calls in < 2 s).

:func:`call_facts` returns the :class:`~atiende.reports.core.rows.CallFacts` that
``figures.tally_calls`` computes from the rows one call at a time, with one grouped
query instead of reading every call into Python: one pass, grouped by technician,
direction, local day of the answer and the call's PO-3 target, with conditional counts and
sums (durations exact to the microsecond: intervals on PostgreSQL, whole microseconds on
SQLite, so the means equal the pure core's to the bit; holds and transfers from the call's
own columns, which ``Contact.save`` copies from the engine's data, not from the JSON). Python
then adds the groups up by technician (by name, as the rows are), and PO-3's answered calls
by technician and local day.

The hours of calls already added up (reports/rollup.py) are folded with the same :func:`fold_calls`.

:func:`work_order_facts` does the same for the work orders (only the parts a report asks for): counts by channel and local
day, by team, priority and SLA states, by channel of those closed (with EXISTS for a
reopening and a customer's follow-up), and the sums of the stored business seconds.

A call's limits (PO-1, PO-2, PO-3) come from its queue's and organisation's policies as
``contact.selectors.policy_for`` layers them (the queue's overrides win over the
organisation's, which win over the defaults): one ``CASE`` per limit, a branch per queue
or organisation that overrides it. A local day is the UTC date of the moment plus the UTC offset
inside each span of one offset (``Period.offsets``); the rare call answered outside the
spans covered (more than a week after the period) is read and dated in Python.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    Count,
    DurationField,
    F,
    Func,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Greatest

from atiende.contact.models import Contact, ContactState, OrganisationPolicy, Queue
from atiende.contact.selectors import policy_for, policy_set
from atiende.desk.models import Phase
from atiende.engine.policies import DEFAULT_POLICY
from atiende.people.models import Team, User
from atiende.reports.core.figures import MICRO, UNASSIGNED
from atiende.reports.core.rows import CallFacts, CallTally, Period, WorkOrderFacts, display_name

DAY_US = 86_400 * MICRO
EPOCH = date(1970, 1, 1)


def big(number: int) -> Value:
    """An integer constant as BIGINT: a plain ``Value(int)`` goes to PostgreSQL as a 4-byte integer and
    wraps past 2^31 (7,200,000,000 µs became -1,389,934,592) without an error."""
    return Value(number, output_field=BigIntegerField())


class EpochMicros(Func):
    """A timestamp as whole microseconds since 1970-01-01 UTC (a BIGINT), exactly, on both databases."""

    output_field = BigIntegerField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, tuple[Any, ...]]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(EXTRACT(EPOCH FROM {sql}) * 1000000 AS BIGINT)", tuple(params)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, tuple[Any, ...]]:
        # Django keeps UTC as 'YYYY-MM-DD HH:MM:SS[.ffffff]'; strftime('%s') would round the fraction.
        sql, params = compiler.compile(self.source_expressions[0])
        return (f"(CAST(strftime('%%s', substr({sql}, 1, 19)) AS INTEGER) * 1000000 + CASE WHEN length({sql}) > 19 "
                f"THEN CAST(substr({sql}, 21, 6) AS INTEGER) ELSE 0 END)", (*params, *params, *params))


class Elapsed(Func):
    """``later - earlier`` as a duration, exact to the microsecond: on PostgreSQL an interval (integer
    arithmetic; reading each timestamp as epoch seconds would be a NUMERIC per row, most of a report's time
    at a million calls), on SQLite whole microseconds (how Django keeps a DurationField there)."""

    output_field = DurationField()

    def __init__(self, later: str, earlier: str) -> None:
        super().__init__(F(later), F(earlier))

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, tuple[Any, ...]]:
        later, earlier = (compiler.compile(e) for e in self.source_expressions)
        return f"({later[0]} - {earlier[0]})", (*later[1], *earlier[1])

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, tuple[Any, ...]]:
        later, earlier = (compiler.compile(EpochMicros(e)) for e in self.source_expressions)
        return f"({later[0]} - {earlier[0]})", (*later[1], *earlier[1])


class LocalDay(Func):
    """Days since 1970-01-01 of the date a timestamp has at a fixed UTC offset (seconds): on PostgreSQL
    by timestamp arithmetic and a cast to date, on SQLite from the epoch microseconds."""

    output_field = BigIntegerField()

    def __init__(self, field: str, offset: int) -> None:
        self.offset = int(offset)
        super().__init__(F(field))

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, tuple[Any, ...]]:
        sql, params = compiler.compile(self.source_expressions[0])
        return (f"((({sql}) AT TIME ZONE 'UTC') + INTERVAL '{self.offset} seconds')::date - DATE '1970-01-01'",
                tuple(params))

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, tuple[Any, ...]]:
        sql, params = compiler.compile(EpochMicros(self.source_expressions[0]))
        return f"(({sql}) + {self.offset * MICRO}) / {DAY_US}", tuple(params)


def micros(duration: timedelta | int | None) -> int:
    """A duration summed in SQL as whole microseconds (exact: no float on the way)."""
    if duration is None:
        return 0
    if isinstance(duration, int):
        return duration
    return (duration.days * 86_400 + duration.seconds) * MICRO + duration.microseconds


def _limit(field: str, scale: int, *, duration: bool = False) -> Case | Value:
    """A call's limit of one policy field (times ``scale``; seconds as a duration if ``duration``): its queue's
    override, else its organisation's, else the default, as ``policy_for`` resolves them."""

    def value(number: float) -> Value:
        if duration:
            return Value(timedelta(microseconds=round(number * MICRO)), output_field=DurationField())
        return big(round(number * scale))

    branches = []
    for queue in Queue.objects.exclude(policy={}).only("pk", "name", "policy"):
        if field in (queue.policy or {}):
            branches.append(When(queue_id=queue.pk, then=value(getattr(policy_for(queue), field))))
    organisations = [o for o, p in OrganisationPolicy.objects.values_list("organisation_id", "policy")
                     if field in (p or {})]
    if organisations:
        policies = policy_set([], organisations)
        for organisation in organisations:
            branches.append(When(customer__organisation_id=organisation,
                                 then=value(getattr(policies.resolve(organisation=str(organisation)), field))))
    default = value(getattr(DEFAULT_POLICY, field))
    if not branches:
        return default
    return Case(*branches, default=default, output_field=DurationField() if duration else BigIntegerField())


def _local_day(field: str, period: Period) -> Case:
    """Days since 1970-01-01 of the local date of a timestamp, NULL outside the spans covered."""
    spans = period.offsets(max(period.start - timedelta(days=1), _epoch_floor(period)),
                           period.end + timedelta(days=8))
    return Case(*[When(Q(**{f"{field}__gte": start, f"{field}__lt": end}), then=LocalDay(field, offset))
                  for start, end, offset in spans], default=None, output_field=BigIntegerField())


def _epoch_floor(period: Period) -> Any:
    from datetime import UTC, datetime

    return max(period.start, datetime(1970, 1, 2, tzinfo=UTC))  # day numbers below are positive


def _names(ids: set[int | None]) -> dict[int | None, str]:
    names: dict[int | None, str] = {None: UNASSIGNED}
    for pk, first, last, username in User.objects.filter(pk__in=[i for i in ids if i is not None]).values_list(
            "pk", "first_name", "last_name", "username"):
        names[pk] = display_name(first, last, username) or UNASSIGNED
    return names


def call_facts(calls: QuerySet[Contact], period: Period) -> CallFacts:
    """The call figures' building blocks of these calls (already filtered to the period and the scope), in one
    pass over them: grouped by technician, direction, local day of the answer and that call's PO-3 target."""
    groups, late = call_groups(calls, period)
    return fold_calls(groups, late, period)


def call_groups(calls: QuerySet[Contact], period: Period, *, by: tuple[str, ...] = (),
                limits: bool = False) -> tuple[list[dict[str, Any]], list[tuple[Any, ...]]]:
    """The grouped pass of :func:`call_facts`: one dict per (technician, direction, local day of the answer,
    PO-3 target, and the fields ``by``; with ``limits`` also the call's PO-2 and PO-1 limits, as intervals),
    and the answered inbound calls with a technician that the spans of offsets do not date (``late``:
    technician id, answer, target, then the fields ``by``)."""
    answered, ended = Q(answered_at__isnull=False), Q(answered_at__isnull=False, ended_at__isnull=False)
    none = Value(timedelta(0), output_field=DurationField())
    measured = calls.alias(
        wait=Greatest(Elapsed("answered_at", "created_at"), none, output_field=DurationField()),
        handle=Greatest(Elapsed("ended_at", "answered_at"), none, output_field=DurationField()),
        gave_up=Elapsed("ended_at", "created_at"),
    ).annotate(
        wait_limit=_limit("max_wait_seconds", MICRO, duration=True),
        call_limit=_limit("max_call_seconds", MICRO, duration=True),
        outbound=Case(When(direction="outbound", then=Value(True)), default=Value(False),
                      output_field=BooleanField()),
        day=_local_day("answered_at", period), target=_limit("calls_per_day", 1),
    )
    keys = ("assignee_id", "outbound", "day", "target", *by, *(("wait_limit", "call_limit") if limits else ()))
    zero = big(0)
    groups = list(measured.values(*keys).annotate(
        offered=Count("pk"), answered=Count("pk", filter=answered),
        abandoned=Count("pk", filter=Q(answered_at__isnull=True, state=ContactState.ABANDONED)),
        wait_total=Sum("wait", filter=answered),
        handled=Count("pk", filter=ended), handle_total=Sum("handle", filter=ended),
        po1=Count("pk", filter=ended & Q(handle__gt=F("call_limit"))),
        po2_met=Count("pk", filter=answered & Q(wait__lte=F("wait_limit"))),
        po2_late=Count("pk", filter=Q(answered_at__isnull=True, state=ContactState.ABANDONED, ended_at__isnull=False,
                                      gave_up__gt=F("wait_limit"))),
        transferred=Count("pk", filter=answered & Q(transfer_count__gt=0)),
        transfer_total=Sum("transfer_count", filter=answered, default=zero),
        with_hold=Count("pk", filter=answered & Q(hold_count__gt=0)),
        hold_total=Sum("hold_count", filter=answered, default=zero),
        hold_seconds_total=Sum("hold_seconds", filter=answered, default=Value(0.0)),
        overrun_total=Sum("hold_overruns", filter=answered, default=zero),
    ).order_by())
    late: list[tuple[Any, ...]] = []
    if any(not r["outbound"] and r["day"] is None and r["answered"] and r["assignee_id"] for r in groups):
        late = list(calls.exclude(direction="outbound").filter(answered, assignee__isnull=False)
                    .alias(day=_local_day("answered_at", period)).filter(day__isnull=True)
                    .annotate(target=_limit("calls_per_day", 1)).values_list("assignee_id", "answered_at", "target",
                                                                             *by))
    return groups, late


def fold_calls(groups: list[dict[str, Any]], late: list[tuple[Any, ...]], period: Period) -> CallFacts:
    """:class:`CallFacts` from the groups of :func:`call_groups` (or of the hours added up, reports/rollup.py):
    added up by technician (by name, as the rows are), and PO-3's answered calls by technician and local day."""
    facts = CallFacts()
    names = _names({r["assignee_id"] for r in groups})
    counted: list[tuple[str, date, int, int]] = []
    for row in groups:
        if row["outbound"]:
            facts.outbound += row["offered"]
            facts.outbound_answered += row["answered"]
            facts.outbound_not_reached += row["abandoned"]
            continue
        tally = CallTally(
            offered=row["offered"], answered=row["answered"], abandoned=row["abandoned"],
            wait_us=micros(row["wait_total"]), handled=row["handled"], handle_us=micros(row["handle_total"]),
            po1=row["po1"], po2_met=row["po2_met"], po2_counted=row["answered"] + row["po2_late"],
            transferred=row["transferred"], transfers=int(row["transfer_total"]), with_hold=row["with_hold"],
            holds=int(row["hold_total"]), hold_seconds=float(row["hold_seconds_total"]),
            hold_overruns=int(row["overrun_total"]))
        facts.by_technician.setdefault(names[row["assignee_id"]], CallTally()).add(tally)
        if row["answered"] and row["assignee_id"] is not None and row["day"] is not None:
            counted.append((names[row["assignee_id"]], EPOCH + timedelta(days=int(row["day"])), row["answered"],
                            int(row["target"])))
    counted += [(names[pk], period.local_date(at), 1, int(target)) for pk, at, target, *_ in late]
    for name, day, n, target in counted:
        before, highest = facts.days.get((name, day), (0, 0))
        facts.days[(name, day)] = (before + n, max(highest, target))
    return facts


WORK_ORDER_PARTS = frozenset({"created", "clocks", "closed"})


def work_order_facts(work_orders: QuerySet[Any], period: Period, *, reopened: Any, followed: Any,
                     calendars: Any, parts: frozenset[str] = WORK_ORDER_PARTS) -> WorkOrderFacts:
    """The work-order figures' building blocks of these work orders (created or closed in the period, already
    filtered), as ``figures.tally_work_orders`` makes them from the rows. ``reopened`` and ``followed`` are
    the EXISTS of a reopening and of a customer's message after the first response; ``calendars`` counts
    the business seconds of a clock stored before they were kept (``selectors.Calendars``).

    ``parts``: which of them to add up (each is a pass over the period's work orders; the other fields stay
    empty): ``created`` (by channel and local day), ``clocks`` (SLA states and business seconds), ``closed``
    (first-contact resolution). A report asks only for what it shows (``catalogue.Definition.needs``)."""
    facts = WorkOrderFacts()
    created = work_orders.filter(created_at__gte=period.start, created_at__lt=period.end)
    if "created" in parts:
        _created(facts, created, period)
    if "clocks" in parts:
        _clocks(facts, created, calendars)
    if "closed" in parts:
        _closed(facts, work_orders, period, reopened, followed)
    return facts


def _created(facts: WorkOrderFacts, created: QuerySet[Any], period: Period) -> None:
    undated = False
    for row in (created.annotate(day=_local_day("created_at", period)).values("channel", "day")
                .annotate(n=Count("pk")).order_by()):
        if row["day"] is None:
            undated = True
            continue
        day = EPOCH + timedelta(days=int(row["day"]))
        facts.created[(row["channel"], day)] = facts.created.get((row["channel"], day), 0) + row["n"]
    if not undated:  # the spans cover the whole period, so this is only for a period before 1970-01-02
        return
    for channel, at in (created.annotate(day=_local_day("created_at", period)).filter(day__isnull=True)
                        .values_list("channel", "created_at")):
        day = period.local_date(at)
        facts.created[(channel, day)] = facts.created.get((channel, day), 0) + 1


def _clocks(facts: WorkOrderFacts, created: QuerySet[Any], calendars: Any) -> None:
    first_n = first_sum = resolution_n = resolution_sum = 0.0
    grouped = list(created.values("team_id", "priority", "sla__first_response_state", "sla__resolution_state")
                   .annotate(n=Count("pk"), first_n=Count("sla__first_response_seconds"),
                             first_sum=Sum("sla__first_response_seconds"),
                             resolution_n=Count("sla__resolution_seconds"),
                             resolution_sum=Sum("sla__resolution_seconds")).order_by())
    # Team names read apart: joining the team into a pass over every work order costs a hash join per row.
    teams = dict(Team.objects.filter(pk__in={r["team_id"] for r in grouped if r["team_id"] is not None})
                 .values_list("pk", "name"))
    for row in grouped:
        key = (teams.get(row["team_id"]) or UNASSIGNED, row["priority"], row["sla__first_response_state"] or "none",
               row["sla__resolution_state"] or "none")
        facts.clocks[key] = facts.clocks.get(key, 0) + row["n"]
        first_n += row["first_n"]
        first_sum += row["first_sum"] or 0.0
        resolution_n += row["resolution_n"]
        resolution_sum += row["resolution_sum"] or 0.0
    # Clocks stopped before their business seconds were kept: counted here, one by one (a passing case).
    legacy = created.filter(Q(sla__first_response_at__isnull=False, sla__first_response_seconds__isnull=True)
                            | Q(sla__resolved_at__isnull=False, sla__resolution_seconds__isnull=True))
    for team_id, at, first_at, resolved_at, pauses, first, resolution in legacy.values_list(
            "team_id", "created_at", "sla__first_response_at", "sla__resolved_at", "sla__pauses",
            "sla__first_response_seconds", "sla__resolution_seconds"):
        counted = calendars.seconds(team_id, at, first_at, resolved_at, pauses, first, resolution)
        if first is None and counted[0] is not None:
            first_n, first_sum = first_n + 1, first_sum + counted[0]
        if resolution is None and counted[1] is not None:
            resolution_n, resolution_sum = resolution_n + 1, resolution_sum + counted[1]
    facts.first_response, facts.resolution = (int(first_n), first_sum), (int(resolution_n), resolution_sum)


def _closed(facts: WorkOrderFacts, work_orders: QuerySet[Any], period: Period, reopened: Any, followed: Any) -> None:
    closed = work_orders.filter(closed_at__gte=period.start, closed_at__lt=period.end, phase=Phase.CLOSURE)
    for row in (closed.alias(was_reopened=reopened, followed=followed).values("channel")
                .annotate(closed=Count("pk"), first=Count("pk", filter=Q(was_reopened=False, followed=False)),
                          reopened=Count("pk", filter=Q(was_reopened=True))).order_by()):
        facts.closed[row["channel"]] = (row["closed"], row["first"], row["reopened"])
