"""The calls added up by hour give the same figures as the calls themselves, on SQLite and PostgreSQL.

The random calls of ``test_call_aggregates`` (queues and organisations with their own limits, answers on
both sides of the October DST change and weeks later, odd engine data), added up by
``rollup.roll_up_calls`` in full or up to a random hour, then changed the ways calls change after the
fact (a late event through ``save``, a reassignment through ``update()``, a deletion, a customer moving
to another organisation, a queue's new limits): ``selectors.call_facts`` and the call reports equal the
pure core's reading of the calls row by row at every step, and the hours are read from the sums only
while they are current.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atiende.contact.models import Contact, Queue
from atiende.desk.models import Customer, Organisation
from atiende.reports import rollup, selectors
from atiende.reports.core import catalogue, figures
from atiende.reports.core.rows import Period
from atiende.reports.models import CallHour, CallHourBuilt, CallHourChange
from tests.reports.test_call_aggregates import PERIOD, START, _same, _store, calls

SCOPE = selectors.Scope(None)
ALL = 10_000  # hours a run may add up: all of them
FILTERS = ({}, {"technician": "lucia"}, {"queue": "urgente"}, {"team": "Soporte"})


def _check(period: Period = PERIOD) -> None:
    for filters in FILTERS:
        core = figures.tally_calls(selectors.call_rows(period, filters, SCOPE), period)
        _same(selectors.call_facts(period, filters, SCOPE), core)
        assert selectors.inbound_calls(period, filters, SCOPE) == core.total().offered
    for name in ("calls", "transfers", "holds", "volume"):
        by_sql = catalogue.build(name, selectors.load(catalogue.REPORTS[name].needs, period, {}, SCOPE), period)
        by_rows = catalogue.build(name, selectors.Rows(calls=selectors.call_rows(period, {}, SCOPE)), period)
        assert by_sql.to_json() == by_rows.to_json(), name


def _from_the_first_call() -> list:
    first = Contact.objects.order_by("created_at").values_list("created_at", flat=True).first()
    if first is None or first >= PERIOD.end:
        return []
    return [(max(PERIOD.start, first.replace(minute=0, second=0, microsecond=0)), PERIOD.end)]


def _fresh(rows) -> None:
    # The calls go first: deleting them marks their hours changed (the triggers), and an earlier example's call
    # in an hour before this one's first call would leave that hour to be added up (empty) and read as current.
    Contact.objects.all().delete()
    CallHour.objects.all().delete()
    CallHourBuilt.objects.all().delete()
    CallHourChange.objects.all().delete()
    _store(rows)


@pytest.mark.django_db
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(st.lists(calls, min_size=1, max_size=40), st.one_of(st.none(), st.integers(0, 4 * 24)),
       st.integers(0, 4), st.sampled_from([ALL, ALL, 7]))
def test_figures_from_the_hours_added_up_equal_the_calls_row_by_row(rows, up_to_hour, change, most):
    _fresh(rows)
    at = None if up_to_hour is None else START + timedelta(hours=up_to_hour) + rollup.SETTLED
    rollup.roll_up_calls(at=at, most=most)  # 7: a run that stops part way
    if up_to_hour is None and most == ALL:  # every hour from the first call's built: the rest of the period is read from the sums
        assert rollup.current_hours(PERIOD) == _from_the_first_call()
    _check()
    first = Contact.objects.order_by("pk").first()
    if change == 0:  # an event recorded after the call ended, through the model
        first.data = {"transfer_count": 3, "hold_count": 2, "hold_seconds": 12.5}
        first.save(update_fields=["data"])
    elif change == 1:  # reassigned in bulk (no save, no signal)
        Contact.objects.filter(pk=first.pk).update(assignee=None, answered_at=first.created_at)
    elif change == 2:
        first.delete()
    elif change == 3:  # the customer's organisation decides the call's limits
        Customer.objects.filter(name__startswith="Cliente").update(organisation=Organisation.objects.get(name="Org 2"))
    else:  # a queue's new limits: every call of it is judged against them
        Queue.objects.filter(name="soporte").update(policy={"max_wait_seconds": 5, "max_call_seconds": 60,
                                                            "calls_per_day": 1})
    _check()
    rollup.roll_up_calls(at=at, most=ALL)  # added up again: the changed hours are current again
    _check()


@pytest.mark.django_db
def test_a_changed_hour_is_read_from_the_calls_until_it_is_added_up_again():
    _fresh([(START + timedelta(hours=30, minutes=10), 0, 0, 1, "answered", 5_000_000, 60_000_000, False, {})])
    assert rollup.roll_up_calls(most=ALL) > 0
    hour = START.replace(minute=0) + timedelta(hours=30)
    assert CallHour.objects.filter(hour=hour).count() == 1
    assert rollup.current_hours(PERIOD) == [(hour, PERIOD.end)]
    Contact.objects.update(ended_at=None)  # any write to a call older than a day marks its hour
    assert rollup.current_hours(PERIOD) == [(hour + timedelta(hours=1), PERIOD.end)]
    assert selectors.call_facts(PERIOD, {}, SCOPE).total().handled == 0
    rollup.roll_up_calls(most=ALL)
    assert rollup.current_hours(PERIOD) == [(hour, PERIOD.end)]
    assert selectors.call_facts(PERIOD, {}, SCOPE).total().handled == 0


@pytest.mark.django_db
def test_a_period_in_another_time_zone_reads_the_calls():
    _fresh([(START + timedelta(hours=h), 1, 1, 1, "answered", 5_000_000, 60_000_000, False, {}) for h in (5, 29, 53)])
    rollup.roll_up_calls(most=ALL)
    elsewhere = Period(date(2026, 10, 24), date(2026, 10, 26), "America/Bogota")
    assert rollup.current_hours(elsewhere) == []
    _check(elsewhere)
    _check()


@pytest.mark.django_db
def test_live_calls_are_not_added_up_and_do_not_mark_their_hour():
    _fresh([])
    queue = Queue.objects.get(name="soporte")
    call = Contact.objects.create(queue=queue, state="waiting")  # now: younger than a day
    call.state = "ended"
    call.save(update_fields=["state"])
    assert not CallHourChange.objects.exists()
    assert rollup.roll_up_calls(most=ALL) == 0 and not CallHour.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_second_worker_adding_up_at_the_same_time_skips_instead_of_counting_twice():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite writes one transaction at a time")
    import psycopg

    _fresh([(START + timedelta(hours=h), 1, 1, 1, "answered", 5_000_000, 60_000_000, False, {}) for h in (5, 29)])
    settings_dict = connection.settings_dict
    other = psycopg.connect(host=settings_dict["HOST"] or None, port=settings_dict["PORT"] or None,
                            dbname=settings_dict["NAME"], user=settings_dict["USER"],
                            password=settings_dict["PASSWORD"] or None, autocommit=False)
    try:
        other.execute("SELECT pg_advisory_xact_lock(%s)", [rollup.LOCK_KEY])  # a worker in the middle of it
        assert rollup.roll_up_calls(most=ALL) == 0
        assert not CallHour.objects.exists() and not CallHourBuilt.objects.exists()
    finally:
        other.rollback()
        other.close()
    assert rollup.roll_up_calls(most=ALL) > 0
    assert CallHour.objects.filter(answered=1).count() == 2
    _check()
