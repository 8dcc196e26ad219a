"""The call figures added up in SQL, the same on SQLite and PostgreSQL (issue 20: a million calls in < 2 s).

:func:`call_facts` returns the :class:`~atiende.reports.core.rows.CallFacts` that
``figures.tally_calls`` computes from the rows one call at a time, with one grouped
query instead of reading every call into Python: one pass, grouped by technician,
direction, local day of the answer and the call's PO-3 target, with conditional counts and
sums (durations in whole microseconds: integer sums are exact, so the means equal the pure
core's to the bit). Python then adds the groups up by technician (by name, as the rows
are), and PO-3's answered calls by technician and local day.

:func:`work_order_facts` does the same for the work orders: counts by channel and local
day, by team, priority and SLA states, by channel of those closed (with EXISTS for a
reopening and a customer's follow-up), and the sums of the stored business seconds.

A call's limits (PO-1, PO-2, PO-3) come from its queue's and organisation's policies as
``contact.selectors.policy_for`` layers them (the queue's overrides win over the
organisation's, which win over the defaults): one ``CASE`` per limit, a branch per queue
or organisation that overrides it. A local day is ``(epoch seconds + UTC offset) // 86400``
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
    F,
    FloatField,
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
from atiende.people.models import User
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

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(EXTRACT(EPOCH FROM {sql}) * 1000000 AS BIGINT)", list(params)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        # Django keeps UTC as 'YYYY-MM-DD HH:MM:SS[.ffffff]'; strftime('%s') would round the fraction.
        sql, params = compiler.compile(self.source_expressions[0])
        return (f"(CAST(strftime('%%s', substr({sql}, 1, 19)) AS INTEGER) * 1000000 + CASE WHEN length({sql}) > 19 "
                f"THEN CAST(substr({sql}, 21, 6) AS INTEGER) ELSE 0 END)", [*params, *params, *params])


class JsonNumber(Func):
    """A key of a JSON object column as a number (an integer truncated toward zero, or a float); a value
    that is not a JSON number counts as 0, as ``figures.number_of`` reads it."""

    def __init__(self, column: str, key: str, *, integer: bool) -> None:
        self.key, self.integer = key, integer
        super().__init__(F(column), output_field=BigIntegerField() if integer else FloatField())

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        value = f"(({sql})::jsonb ->> %s)::numeric"
        value = f"TRUNC({value})::bigint" if self.integer else f"({value})::float8"
        return (f"CASE WHEN jsonb_typeof(({sql})::jsonb -> %s) = 'number' THEN {value} ELSE 0 END",
                [*params, self.key, *params, self.key])

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        path = f"$.{self.key}"
        value = f"CAST(json_extract({sql}, %s) AS {'INTEGER' if self.integer else 'REAL'})"
        return (f"CASE WHEN json_type({sql}, %s) IN ('integer', 'real') THEN {value} ELSE 0 END",
                [*params, path, *params, path])


def _limit(field: str, scale: int) -> Case | Value:
    """A call's limit of one policy field (times ``scale``): its queue's override, else its organisation's,
    else the default, as ``policy_for`` resolves them."""
    default = round(getattr(DEFAULT_POLICY, field) * scale)
    branches = []
    for queue in Queue.objects.exclude(policy={}).only("pk", "name", "policy"):
        if field in (queue.policy or {}):
            branches.append(When(queue_id=queue.pk, then=big(round(getattr(policy_for(queue), field) * scale))))
    organisations = [o for o, p in OrganisationPolicy.objects.values_list("organisation_id", "policy")
                     if field in (p or {})]
    if organisations:
        policies = policy_set([], organisations)
        for organisation in organisations:
            value = getattr(policies.resolve(organisation=str(organisation)), field)
            branches.append(When(customer__organisation_id=organisation, then=big(round(value * scale))))
    if not branches:
        return big(default)
    return Case(*branches, default=big(default), output_field=BigIntegerField())


def _local_day(field: str, period: Period) -> Case:
    """Days since 1970-01-01 of the local date of a timestamp, NULL outside the spans covered."""
    spans = period.offsets(max(period.start - timedelta(days=1), _epoch_floor(period)),
                           period.end + timedelta(days=8))
    moment = EpochMicros(field)
    return Case(*[When(Q(**{f"{field}__gte": start, f"{field}__lt": end}),
                       then=(moment + big(offset * MICRO)) / big(DAY_US)) for start, end, offset in spans],
                default=None, output_field=BigIntegerField())


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
    facts = CallFacts()
    answered, ended = Q(answered_at__isnull=False), Q(answered_at__isnull=False, ended_at__isnull=False)
    measured = calls.alias(
        arrived_us=EpochMicros("created_at"), answered_us=EpochMicros("answered_at"),
        ended_us=EpochMicros("ended_at"),
        wait_us=Greatest(F("answered_us") - F("arrived_us"), big(0), output_field=BigIntegerField()),
        handle_us=Greatest(F("ended_us") - F("answered_us"), big(0), output_field=BigIntegerField()),
        gave_up_us=F("ended_us") - F("arrived_us"),
        wait_limit=_limit("max_wait_seconds", MICRO), call_limit=_limit("max_call_seconds", MICRO),
        holds=JsonNumber("data", "hold_count", integer=True),
        hold_seconds=JsonNumber("data", "hold_seconds", integer=False),
        hold_overruns=JsonNumber("data", "hold_overruns", integer=True),
        transfers=JsonNumber("data", "transfer_count", integer=True),
    ).annotate(
        outbound=Case(When(direction="outbound", then=Value(True)), default=Value(False),
                      output_field=BooleanField()),
        day=_local_day("answered_at", period), target=_limit("calls_per_day", 1),
    )
    zero = big(0)
    rows = list(measured.values("assignee_id", "outbound", "day", "target").annotate(
        offered=Count("pk"), answered=Count("pk", filter=answered),
        abandoned=Count("pk", filter=Q(answered_at__isnull=True, state=ContactState.ABANDONED)),
        wait_total=Sum("wait_us", filter=answered, default=zero),
        handled=Count("pk", filter=ended), handle_total=Sum("handle_us", filter=ended, default=zero),
        po1=Count("pk", filter=ended & Q(handle_us__gt=F("call_limit"))),
        po2_met=Count("pk", filter=answered & Q(wait_us__lte=F("wait_limit"))),
        po2_late=Count("pk", filter=Q(answered_at__isnull=True, state=ContactState.ABANDONED, ended_at__isnull=False,
                                      gave_up_us__gt=F("wait_limit"))),
        transferred=Count("pk", filter=answered & Q(transfers__gt=0)),
        transfer_total=Sum("transfers", filter=answered, default=zero),
        with_hold=Count("pk", filter=answered & Q(holds__gt=0)),
        hold_total=Sum("holds", filter=answered, default=zero),
        hold_seconds_total=Sum("hold_seconds", filter=answered, default=Value(0.0)),
        overrun_total=Sum("hold_overruns", filter=answered, default=zero),
    ).order_by())
    late: list[tuple[int, Any, int]] = []
    if any(not r["outbound"] and r["day"] is None and r["answered"] and r["assignee_id"] for r in rows):
        late = list(calls.exclude(direction="outbound").filter(answered, assignee__isnull=False)
                    .alias(day=_local_day("answered_at", period)).filter(day__isnull=True)
                    .annotate(target=_limit("calls_per_day", 1)).values_list("assignee_id", "answered_at", "target"))
    names = _names({r["assignee_id"] for r in rows})
    counted: list[tuple[str, date, int, int]] = []
    for row in rows:
        if row["outbound"]:
            facts.outbound += row["offered"]
            continue
        tally = CallTally(
            offered=row["offered"], answered=row["answered"], abandoned=row["abandoned"],
            wait_us=int(row["wait_total"]), handled=row["handled"], handle_us=int(row["handle_total"]),
            po1=row["po1"], po2_met=row["po2_met"], po2_counted=row["answered"] + row["po2_late"],
            transferred=row["transferred"], transfers=int(row["transfer_total"]), with_hold=row["with_hold"],
            holds=int(row["hold_total"]), hold_seconds=float(row["hold_seconds_total"]),
            hold_overruns=int(row["overrun_total"]))
        facts.by_technician.setdefault(names[row["assignee_id"]], CallTally()).add(tally)
        if row["answered"] and row["assignee_id"] is not None and row["day"] is not None:
            counted.append((names[row["assignee_id"]], EPOCH + timedelta(days=int(row["day"])), row["answered"],
                            int(row["target"])))
    counted += [(names[pk], period.local_date(at), 1, int(target)) for pk, at, target in late]
    for name, day, n, target in counted:
        before, highest = facts.days.get((name, day), (0, 0))
        facts.days[(name, day)] = (before + n, max(highest, target))
    return facts


def work_order_facts(work_orders: QuerySet[Any], period: Period, *, reopened: Any, followed: Any,
                     calendars: Any) -> WorkOrderFacts:
    """The work-order figures' building blocks of these work orders (created or closed in the period, already
    filtered), as ``figures.tally_work_orders`` makes them from the rows. ``reopened`` and ``followed`` are
    the EXISTS of a reopening and of a customer's message after the first response; ``calendars`` counts
    the business seconds of a clock stored before they were kept (``selectors.Calendars``)."""
    facts = WorkOrderFacts()
    created = work_orders.filter(created_at__gte=period.start, created_at__lt=period.end)
    for row in (created.annotate(day=_local_day("created_at", period)).values("channel", "day")
                .annotate(n=Count("pk")).order_by()):
        day = EPOCH + timedelta(days=int(row["day"])) if row["day"] is not None else None
        if day is None:
            continue
        facts.created[(row["channel"], day)] = facts.created.get((row["channel"], day), 0) + row["n"]
    for channel, at in (created.annotate(day=_local_day("created_at", period)).filter(day__isnull=True)
                        .values_list("channel", "created_at")):
        day = period.local_date(at)
        facts.created[(channel, day)] = facts.created.get((channel, day), 0) + 1
    first_n = first_sum = resolution_n = resolution_sum = 0.0
    for row in (created.values("team__name", "priority", "sla__first_response_state", "sla__resolution_state")
                .annotate(n=Count("pk"), first_n=Count("sla__first_response_seconds"),
                          first_sum=Sum("sla__first_response_seconds"),
                          resolution_n=Count("sla__resolution_seconds"),
                          resolution_sum=Sum("sla__resolution_seconds")).order_by()):
        key = (row["team__name"] or UNASSIGNED, row["priority"], row["sla__first_response_state"] or "none",
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
    closed = work_orders.filter(closed_at__gte=period.start, closed_at__lt=period.end, phase=Phase.CLOSURE)
    for row in (closed.alias(was_reopened=reopened, followed=followed).values("channel")
                .annotate(closed=Count("pk"), first=Count("pk", filter=Q(was_reopened=False, followed=False)),
                          reopened=Count("pk", filter=Q(was_reopened=True))).order_by()):
        facts.closed[row["channel"]] = (row["closed"], row["first"], row["reopened"])
    return facts
