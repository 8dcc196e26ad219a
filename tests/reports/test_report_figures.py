"""Each report's figures agree with an independent count of the raw rows (SQL aggregates written
here, not the report's code), on SQLite and PostgreSQL; periods are local days, DST included."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from statistics import fmean
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Avg, Count
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atiende.contact.models import Contact, Queue
from atiende.desk.models import Commitment, Customer, SatisfactionSurvey, WorkOrder
from atiende.reports import services
from atiende.reports.core.rows import Period
from atiende.sla.models import WorkOrderSla

MADRID = ZoneInfo("Europe/Madrid")
# The October 2026 change (Sunday 25, 03:00 back to 02:00) sits inside the period.
FIRST, LAST = date(2026, 10, 24), date(2026, 10, 26)
START = datetime(2026, 10, 23, 20, tzinfo=UTC)

moments = st.integers(0, 5 * 24 * 3600).map(lambda s: START + timedelta(seconds=s))
channels = st.sampled_from(["presencial", "telefonico", "email", "portal", "chat"])
states = st.sampled_from(["none", "running", "warning", "paused", "met", "breached"])


def section(report, key):
    return next(s for s in report.sections if s.key == key)


def figure(report, key):
    return next(r["value"] for r in section(report, "summary").rows if r["key"] == key)


def in_period(field):
    period = Period(FIRST, LAST, "Europe/Madrid")
    return {f"{field}__gte": period.start, f"{field}__lt": period.end}


def test_a_period_is_local_days_and_the_day_clocks_go_back_has_25_hours():
    period = Period(date(2026, 10, 25), date(2026, 10, 25), "Europe/Madrid")
    assert period.end - period.start == timedelta(hours=25)
    assert period.contains(datetime(2026, 10, 25, 23, 30, tzinfo=MADRID))
    assert not period.contains(datetime(2026, 10, 26, 0, 0, tzinfo=MADRID))
    assert period.contains(datetime(2026, 10, 24, 22, 0, tzinfo=UTC))  # 00:00 in Madrid (UTC+2 that night)
    spring = Period(date(2026, 3, 29), date(2026, 3, 29), "Europe/Madrid")
    assert spring.end - spring.start == timedelta(hours=23)


@pytest.mark.django_db
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(st.lists(st.tuples(moments, channels, st.booleans(), states, states), max_size=25))
def test_work_order_reports_agree_with_sql_counts(rows):
    WorkOrder.objects.all().delete()
    customer = Customer.objects.get_or_create(name="Carmen")[0]
    for number, (created, channel, closed, first_state, resolution_state) in enumerate(rows, start=1):
        work_order = WorkOrder.objects.create(
            number=number, title="x", customer=customer, channel=channel, created_at=created,
            phase="cierre" if closed else "identificacion", closed_at=created + timedelta(hours=30) if closed else None)
        WorkOrderSla.objects.create(work_order=work_order, started_at=created, first_response_state=first_state,
                                    resolution_state=resolution_state)
    report = services.build(name="volume", first=FIRST, last=LAST)
    expected = dict(WorkOrder.objects.filter(**in_period("created_at")).values_list("channel")
                    .annotate(n=Count("id")).values_list("channel", "n"))
    got = {r["channel"]: r["work_orders"] for r in section(report, "by_channel").rows}
    assert got == {c: expected.get(c, 0) for c in got}
    assert figure(report, "work_orders") == sum(expected.values())
    report = services.build(name="sla", first=FIRST, last=LAST)
    created = WorkOrderSla.objects.filter(**in_period("work_order__created_at"))
    for row in section(report, "by_clock").rows:
        states_of = dict(created.values_list(f"{row['clock']}_state").annotate(n=Count("pk"))
                         .values_list(f"{row['clock']}_state", "n"))
        assert row["met"] == states_of.get("met", 0) and row["breached"] == states_of.get("breached", 0)
        assert row["open"] == sum(states_of.get(s, 0) for s in ("running", "warning", "paused"))
        decided = row["met"] + row["breached"]
        assert row["share_met"] == (None if decided == 0 else pytest.approx(row["met"] / decided))
    report = services.build(name="first-contact", first=FIRST, last=LAST)
    closed = WorkOrder.objects.filter(**in_period("closed_at"), phase="cierre").count()
    assert figure(report, "closed") == closed
    assert figure(report, "first_contact") == closed  # no follow-ups, none reopened


call_rows = st.tuples(moments, st.integers(0, 600), st.sampled_from(["answered", "abandoned", "waiting"]),
                      st.integers(0, 1800), st.integers(0, 3), st.integers(0, 2), st.booleans())


@pytest.mark.django_db
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(st.lists(call_rows, max_size=30))
def test_call_reports_agree_with_sql_counts(rows):
    Contact.objects.all().delete()
    queue = Queue.objects.get_or_create(name="soporte", defaults={"tiers": [1]})[0]
    for arrived, wait, outcome, handle, holds, transfers, outbound in rows:
        answered = arrived + timedelta(seconds=wait) if outcome == "answered" else None
        ended = (answered + timedelta(seconds=handle) if answered else
                 arrived + timedelta(seconds=wait) if outcome == "abandoned" else None)
        Contact.objects.create(queue=queue, state={"answered": "ended", "abandoned": "abandoned",
                                                   "waiting": "waiting"}[outcome],
                               direction="outbound" if outbound else "inbound", created_at=arrived,
                               answered_at=answered, ended_at=ended,
                               data={"hold_count": holds, "hold_seconds": 30.0 * holds, "hold_overruns": holds // 2,
                                     "transfer_count": transfers})
    inbound = Contact.objects.filter(**in_period("created_at"), direction="inbound")
    report = services.build(name="calls", first=FIRST, last=LAST)
    assert figure(report, "offered") == inbound.count()
    assert figure(report, "answered") == inbound.filter(answered_at__isnull=False).count()
    assert figure(report, "abandoned") == inbound.filter(state="abandoned").count()
    waits = [(a - c).total_seconds() for c, a in inbound.filter(answered_at__isnull=False)
             .values_list("created_at", "answered_at")]
    assert figure(report, "asa") == (pytest.approx(fmean(waits)) if waits else None)
    handles = [(e - a).total_seconds() for a, e in inbound.filter(answered_at__isnull=False)
               .values_list("answered_at", "ended_at")]
    assert figure(report, "aht") == (pytest.approx(fmean(handles)) if handles else None)
    assert figure(report, "po1_breaches") == sum(1 for h in handles if h > 900)
    within = sum(1 for w in waits if w <= 180)
    late_abandoned = sum(1 for c, e in inbound.filter(state="abandoned").values_list("created_at", "ended_at")
                         if (e - c).total_seconds() > 180)
    assert figure(report, "po2_share") == (
        None if not waits and not late_abandoned else pytest.approx(within / (len(waits) + late_abandoned)))
    answered = [d for (d,) in inbound.filter(answered_at__isnull=False).values_list("data")]
    report = services.build(name="transfers", first=FIRST, last=LAST)
    moved = sum(1 for d in answered if d["transfer_count"] > 0)
    assert figure(report, "transferred") == moved
    assert figure(report, "rate") == (pytest.approx(moved / len(answered)) if answered else None)
    report = services.build(name="holds", first=FIRST, last=LAST)
    assert figure(report, "holds") == sum(d["hold_count"] for d in answered)
    assert figure(report, "overruns") == sum(d["hold_overruns"] for d in answered)


@pytest.mark.django_db
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(st.lists(st.tuples(moments, st.integers(1, 5), st.sampled_from(["", "Muy amable", "Tardaron"])), max_size=20),
       st.lists(st.tuples(moments, st.sampled_from(["pendiente", "cumplido", "incumplido", "cancelado"])),
                max_size=20))
def test_satisfaction_and_commitment_reports_agree_with_sql_counts(surveys, promises):
    WorkOrder.objects.all().delete()
    customer = Customer.objects.get_or_create(name="Carmen")[0]
    for number, (answered, rating, comment) in enumerate(surveys, start=1):
        work_order = WorkOrder.objects.create(number=number, title="x", customer=customer, created_at=START)
        SatisfactionSurvey.objects.create(work_order=work_order, token=f"t{number}", answered_at=answered,
                                          rating=rating, resolved=rating > 2, comment=comment)
    holder = WorkOrder.objects.create(number=999, title="y", customer=customer, created_at=START)
    for due, status in promises:
        Commitment.objects.create(work_order=holder, description="Llamar", due_at=due, status=status)
    report = services.build(name="satisfaction", first=FIRST, last=LAST)
    answered = SatisfactionSurvey.objects.filter(**in_period("answered_at"))
    expected = dict(answered.values_list("rating").annotate(n=Count("pk")).values_list("rating", "n"))
    assert {r["rating"]: r["answers"] for r in section(report, "distribution").rows} == {
        r: expected.get(r, 0) for r in range(1, 6)}
    average = answered.aggregate(a=Avg("rating"))["a"]
    assert figure(report, "mean_rating") == (None if average is None else pytest.approx(average))
    assert len(section(report, "comments").rows) == answered.exclude(comment="").count()
    report = services.build(name="commitments", first=FIRST, last=LAST)
    due = Commitment.objects.filter(**in_period("due_at"))
    assert figure(report, "kept") == due.filter(status="cumplido").count()
    assert figure(report, "missed") == due.filter(status="incumplido").count()
    assert figure(report, "due") == due.count()
