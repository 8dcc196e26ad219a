"""The calls added up by hour, so that a report over a million calls reads a few thousand rows (issue 20).

``roll_up_calls`` (run by the worker) adds up the phone calls of each whole UTC hour that ended more
than a day and an hour ago, grouped as ``aggregates.call_groups`` groups them plus the queue, the
customer's organisation and the limits each call was judged against (``models.CallHour``), and records
the hour as built (``models.CallHourBuilt``) with the version its calls had (``models.CallHourChange``,
bumped by a database trigger whenever a call of an hour older than a day is inserted, updated or deleted,
or its customer changes organisation: migration reports/0005).

``call_facts`` (what the reports read) takes an hour from the sums only while it is current: built with the
version it still has, with local days in the period's time zone, and with every group's limits still the
ones ``contact.selectors.policy_for`` gives its queue and organisation now. The rest of the period (the
last day, hours changed since, a period cut inside an hour, a changed policy) is read from the calls as
before, and both are added up the same way (``aggregates.fold_calls``). Technicians' names, queues' teams
and the filters are read now, through the same joins as the calls'.

The version is read before the calls: a call written while an hour is being added up leaves a version
newer than the one recorded, so that hour is read from the calls until it is added up again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, TruncHour
from django.utils import timezone

from atiende.contact.models import Contact, ContactChannel, Queue
from atiende.contact.selectors import policy_set
from atiende.reports import aggregates
from atiende.reports.core.figures import MICRO
from atiende.reports.core.rows import CallFacts, Period
from atiende.reports.models import CallHour, CallHourBuilt, CallHourChange

HOUR = timedelta(hours=1)
SETTLED = timedelta(days=1, hours=1)  # the trigger watches calls older than a day; an hour more of margin
BATCH_HOURS = 24
# A run shares the worker's round with the timers (holds, transfers): about a second of work at a million
# calls a month. A month of history is added up in 30 rounds after an upgrade; then an hour an hour.
MOST_HOURS_PER_RUN = 24
# Two workers adding up at once: the second skips (PostgreSQL; SQLite writes one transaction at a time).
LOCK_KEY = 2026_20_01


def _hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _calls() -> QuerySet[Contact]:
    return Contact.objects.filter(channel=ContactChannel.PHONE)


def roll_up_calls(*, at: datetime | None = None, most: int = MOST_HOURS_PER_RUN) -> int:
    """Add up the hours not built yet, or changed since, that ended at least ``SETTLED`` before ``at`` (at most
    ``most`` hours a run, changed ones first); returns how many hours were built (0 while another worker
    is at it)."""
    # The real clock, not the engine's injectable one: the trigger judges "older than a day" by the database's.
    last = _hour((at or timezone.now()) - SETTLED)  # hours before this one are settled
    zone = settings.TIME_ZONE
    stale = sorted({h for h, in CallHourBuilt.objects.filter(hour__lt=last).exclude(zone=zone).values_list("hour")}
                   | {h for h, version, built in CallHourChange.objects.filter(hour__lt=last).annotate(
                       built=Subquery(CallHourBuilt.objects.filter(hour=OuterRef("hour")).values("version")))
                      .values_list("hour", "version", "built") if built != version})
    newest = CallHourBuilt.objects.order_by("-hour").values_list("hour", flat=True).first()
    if newest is None:
        first = _calls().filter(created_at__lt=last).order_by("created_at").values_list("created_at", flat=True).first()
        start = _hour(first) if first is not None else last
    else:
        start = newest + HOUR
    hours = stale[:most]
    moment = start
    while moment < last and len(hours) < most:
        hours.append(moment)
        moment += HOUR
    # An hour below the newest built that never was (its calls inserted late) is marked by the trigger, so it
    # comes in with the changed ones; until it is built it is read from the calls.
    built = 0
    for batch in _batches(sorted(set(hours))):
        built += _build(batch, zone)
    return built


def _batches(hours: list[datetime]) -> list[list[datetime]]:
    """Consecutive hours in runs of at most ``BATCH_HOURS`` (one grouped pass each)."""
    found: list[list[datetime]] = []
    for hour in hours:
        if found and hour - found[-1][-1] == HOUR and len(found[-1]) < BATCH_HOURS:
            found[-1].append(hour)
        else:
            found.append([hour])
    return found


def _build(hours: list[datetime], zone: str) -> int:
    start, end = hours[0], hours[-1] + HOUR
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEY])
                if not cursor.fetchone()[0]:
                    return 0  # another worker is adding up; its hours are current when it commits
        # The versions first: a call written from here on leaves a newer version than the one recorded.
        versions = dict(CallHourChange.objects.filter(hour__gte=start, hour__lt=end).values_list("hour", "version"))
        if connection.vendor == "postgresql":
            # A transaction bumps an hour once (migration 0006); if this one bumped these hours itself, its own
            # writes after the roll-up must bump them again. Only its own rows: nobody else's lock is waited on.
            CallHourChange.objects.filter(hour__gte=start, hour__lt=end, last_txid=RawSQL("txid_current()", [])
                                          ).update(last_txid=None)
        # The period only dates the answers (spans of one UTC offset around the hours, in the zone).
        period = Period(start.astimezone(ZoneInfo(zone)).date() - timedelta(days=1),
                        (end + timedelta(days=1)).date(), zone)
        calls = _calls().filter(created_at__gte=start, created_at__lt=end)
        groups, late = aggregates.call_groups(
            calls.annotate(hour=TruncHour("created_at", tzinfo=UTC)), period,
            by=("hour", "queue_id", "customer__organisation_id"), limits=True)
        rows: dict[tuple[Any, ...], CallHour] = {}
        late_by: dict[tuple[Any, ...], int] = {}
        for assignee, answered_at, _target, hour, queue, organisation in late:
            moment = (assignee, answered_at, hour, queue, organisation)
            late_by[moment] = late_by.get(moment, 0) + 1
        for group in groups:
            key = (group["hour"], group["queue_id"], group["customer__organisation_id"], group["assignee_id"],
                   group["outbound"], group["day"], aggregates.micros(group["wait_limit"]),
                   aggregates.micros(group["call_limit"]))
            rows[key] = CallHour(
                hour=group["hour"], queue_id=group["queue_id"], organisation_id=group["customer__organisation_id"],
                assignee_id=group["assignee_id"], outbound=group["outbound"], day=group["day"],
                wait_limit_us=key[6], call_limit_us=key[7], offered=group["offered"], answered=group["answered"],
                abandoned=group["abandoned"], wait_us=aggregates.micros(group["wait_total"]),
                handled=group["handled"], handle_us=aggregates.micros(group["handle_total"]), po1=group["po1"],
                po2_met=group["po2_met"], po2_late=group["po2_late"], transferred=group["transferred"],
                transfers=int(group["transfer_total"]), with_hold=group["with_hold"], holds=int(group["hold_total"]),
                hold_seconds=float(group["hold_seconds_total"]), hold_overruns=int(group["overrun_total"]))
        if late_by:
            _date_late(rows, late_by, period)
        CallHour.objects.filter(hour__gte=start, hour__lt=end).delete()
        CallHour.objects.bulk_create(rows.values(), batch_size=2000)
        built_at = timezone.now()
        CallHourBuilt.objects.filter(hour__in=hours).delete()
        CallHourBuilt.objects.bulk_create([CallHourBuilt(hour=h, version=versions.get(h, 0), zone=zone,
                                                         built_at=built_at) for h in hours])
    return len(hours)


def _date_late(rows: dict[tuple[Any, ...], CallHour], late: dict[tuple[Any, ...], int], period: Period) -> None:
    """Answers the offsets' spans do not date (a call answered weeks after it arrived): their group came with
    no day; split each such group's answered calls by the local date Python gives them. Their other sums
    stay in the undated group (only PO-3 reads the day, and it counts answered calls)."""
    epoch = datetime(1970, 1, 1).date()
    for (assignee, answered_at, hour, queue, organisation), n in late.items():
        undated = next(row for key, row in rows.items() if key[:6] == (hour, queue, organisation, assignee, False, None)
                       and row.answered >= n)
        day = (period.local_date(answered_at) - epoch).days
        undated.answered -= n  # moved to a dated row that only counts them as answered
        undated.offered -= n
        key = (hour, queue, organisation, assignee, False, day, undated.wait_limit_us, undated.call_limit_us)
        dated = rows.get(key)
        if dated is None:
            dated = rows[key] = CallHour(
                hour=hour, queue_id=queue, organisation_id=organisation, assignee_id=assignee, outbound=False,
                day=day, wait_limit_us=undated.wait_limit_us, call_limit_us=undated.call_limit_us, offered=0,
                answered=0, abandoned=0, wait_us=0, handled=0, handle_us=0, po1=0, po2_met=0, po2_late=0,
                transferred=0, transfers=0, with_hold=0, holds=0, hold_seconds=0.0, hold_overruns=0)
        dated.offered += n
        dated.answered += n


# ---- reading ------------------------------------------------------------------------------------------

def current_hours(period: Period) -> list[tuple[datetime, datetime]]:
    """The runs [start, end) of whole hours of the period whose sums are current (see the module's text)."""
    changed = CallHourChange.objects.filter(hour=OuterRef("hour")).values("version")
    hours = (CallHourBuilt.objects.filter(hour__gte=period.start, hour__lte=period.end - HOUR, zone=period.time_zone)
             .annotate(now=Coalesce(Subquery(changed), 0, output_field=IntegerField()))
             .order_by("hour").values_list("hour", "version", "now"))
    runs: list[tuple[datetime, datetime]] = []
    for hour, version, current in hours:
        if version != current:
            continue
        if runs and runs[-1][1] == hour:
            runs[-1] = (runs[-1][0], hour + HOUR)
        else:
            runs.append((hour, hour + HOUR))
    return runs


def _within(runs: list[tuple[datetime, datetime]], field: str) -> Q:
    found = Q(pk__in=[])  # no run: nothing
    for start, end in runs:
        found |= Q(**{f"{field}__gte": start, f"{field}__lt": end})
    return found


def _gaps(runs: list[tuple[datetime, datetime]], period: Period) -> list[tuple[datetime, datetime]]:
    """The rest of the period: read from the calls, as ranges of the arrival (its index finds them)."""
    found, moment = [], period.start
    for start, end in runs:
        if moment < start:
            found.append((moment, start))
        moment = end
    if moment < period.end:
        found.append((moment, period.end))
    return found


def call_facts(calls: QuerySet[Contact], period: Period, summed: QuerySet[CallHour] | None = None) -> CallFacts:
    """``aggregates.call_facts`` of these calls (the period's, filtered), with the current hours read from
    ``summed`` (the same filters on :class:`CallHour`; None: all of them) instead of from the calls."""
    runs = current_hours(period)
    if not runs:
        return aggregates.call_facts(calls, period)
    summed = (CallHour.objects.all() if summed is None else summed).filter(_within(runs, "hour"))
    groups: list[dict[str, Any]] = [dict(g) for g in summed.values("assignee_id", "outbound", "day", "queue_id", "organisation_id", "wait_limit_us",
                                "call_limit_us").annotate(
        offered=Sum("offered"), answered=Sum("answered"), abandoned=Sum("abandoned"), wait_total=Sum("wait_us"),
        handled=Sum("handled"), handle_total=Sum("handle_us"), po1=Sum("po1"), po2_met=Sum("po2_met"),
        po2_late=Sum("po2_late"), transferred=Sum("transferred"), transfer_total=Sum("transfers"),
        with_hold=Sum("with_hold"), hold_total=Sum("holds"), hold_seconds_total=Sum("hold_seconds"),
        overrun_total=Sum("hold_overruns")).order_by()]
    queues = {q.pk: q for q in Queue.objects.filter(pk__in={g["queue_id"] for g in groups})}
    # The limits as contact.selectors.policy_for layers them now, for every queue and organisation at once.
    stored = policy_set([(q.name, q.policy) for q in queues.values()], {g["organisation_id"] for g in groups})
    policies: dict[tuple[int, int | None], Any] = {}
    for group in groups:
        key = (group["queue_id"], group["organisation_id"])
        if key not in policies:
            policies[key] = None if key[0] not in queues else stored.resolve(
                organisation=str(key[1]) if key[1] else None, queue=queues[key[0]].name)
        policy = policies[key]
        if (policy is None or group["wait_limit_us"] != round(policy.max_wait_seconds * MICRO)
                or group["call_limit_us"] != round(policy.max_call_seconds * MICRO)):
            return aggregates.call_facts(calls, period)  # a limit changed since: judge every call again
        group["target"] = int(policy.calls_per_day)
        for name in ("offered", "answered", "abandoned", "wait_total", "handled", "handle_total", "po1", "po2_met",
                     "po2_late", "transferred", "transfer_total", "with_hold", "hold_total", "overrun_total"):
            group[name] = int(group[name] or 0)
        group["hold_seconds_total"] = float(group["hold_seconds_total"] or 0.0)
    rest, late = aggregates.call_groups(calls.filter(_within(_gaps(runs, period), "created_at")), period)
    return aggregates.fold_calls(groups + rest, late, period)


def inbound_calls(calls: QuerySet[Contact], period: Period, summed: QuerySet[CallHour] | None = None) -> int:
    """How many of these calls are inbound: the current hours' sums and the rest counted."""
    runs = current_hours(period)
    if not runs:
        return calls.exclude(direction="outbound").count()
    summed = (CallHour.objects.all() if summed is None else summed).filter(_within(runs, "hour"), outbound=False)
    return int(summed.aggregate(n=Sum("offered"))["n"] or 0) + (
        calls.filter(_within(_gaps(runs, period), "created_at")).exclude(direction="outbound").count())
