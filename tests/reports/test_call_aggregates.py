"""The call figures added up in SQL equal the pure core's, call by call, on SQLite and PostgreSQL.

Random calls over queues and organisations with their own limits (PO-1, PO-2, PO-3), two technicians
with the same name, answers on both sides of the October DST change and weeks after the period, data
the engine would not write (strings, booleans, fractions): ``selectors.call_facts`` (grouped SQL) gives
the same counts and microsecond sums as ``figures.tally_calls`` over ``selectors.call_rows``, and the
same reports.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atiende.contact.models import Contact, OrganisationPolicy, Queue
from atiende.desk.models import Customer, Organisation
from atiende.people.models import Team, User
from atiende.reports import selectors
from atiende.reports.core import catalogue, figures
from atiende.reports.core.rows import Period

PERIOD = Period(date(2026, 10, 24), date(2026, 10, 26), "Europe/Madrid")
START = datetime(2026, 10, 23, 20, tzinfo=UTC)

arrivals = st.integers(0, 4 * 24 * 3600 * 1000).map(lambda ms: START + timedelta(milliseconds=ms))
odd_numbers = st.one_of(st.integers(0, 4), st.floats(0, 400, allow_nan=False).map(lambda f: round(f, 3)),
                        st.sampled_from(["3", True, None, [1]]))
calls = st.tuples(
    arrivals, st.integers(0, 3),  # queue
    st.integers(0, 3),  # customer (0: none; 1, 2: organisations with a policy; 3: without)
    st.integers(0, 4),  # technician (0: nobody)
    st.sampled_from(["answered", "answered", "abandoned", "waiting", "late"]),
    st.one_of(st.integers(0, 400_000_000),  # wait, microseconds: anything, or right at a limit
              st.sampled_from([20_000_000, 60_000_000, 180_000_000, 180_000_001])),
    st.one_of(st.none(), st.integers(0, 1_200_000_000),  # handle, microseconds (None: not ended)
              st.sampled_from([120_000_000, 300_000_000, 900_000_000, 900_000_001])),
    st.booleans(),  # outbound
    st.fixed_dictionaries({"hold_count": odd_numbers, "hold_seconds": odd_numbers, "hold_overruns": odd_numbers,
                           "transfer_count": odd_numbers}),
)


def _world():
    team = Team.objects.get_or_create(name="Soporte")[0]
    queues = [Queue.objects.get_or_create(name=name, defaults={"tiers": [1], "team": team, "policy": policy})[0]
              for name, policy in (("soporte", {}), ("urgente", {"max_wait_seconds": 20, "calls_per_day": 2}),
                                   ("ventas", {"max_call_seconds": 300}), ("sin-cola", {}))]
    customers = [None]
    for n, policy in enumerate(({"max_wait_seconds": 60, "calls_per_day": 1}, {"max_call_seconds": 120}, None)):
        organisation = Organisation.objects.get_or_create(name=f"Org {n}")[0]
        if policy:
            OrganisationPolicy.objects.get_or_create(organisation=organisation, defaults={"policy": policy})
        customers.append(Customer.objects.get_or_create(name=f"Cliente {n}", organisation=organisation)[0])
    people = [None] + [User.objects.get_or_create(username=username, defaults={
        "role": "tecnico", "first_name": first, "last_name": last})[0]
        for username, first, last in (("lucia", "Lucía", "Pérez"), ("lucia2", "Lucía", "Pérez"),
                                      ("jorge", "", ""), ("ana", "Ana", ""))]
    return queues, customers, people


def _store(rows):
    Contact.objects.all().delete()
    queues, customers, people = _world()
    for arrived, queue, customer, technician, outcome, wait, handle, outbound, data in rows:
        answered = arrived + timedelta(microseconds=wait) if outcome in ("answered", "late") else None
        if outcome == "late":
            answered += timedelta(days=12)  # outside the spans of offsets the SQL dates
        ended = None if handle is None else (answered or arrived) + timedelta(microseconds=handle)
        Contact.objects.create(queue=queues[queue], customer=customers[customer], assignee=people[technician],
                               state="abandoned" if outcome == "abandoned" else
                               "waiting" if outcome == "waiting" else "ended",
                               direction="outbound" if outbound else "inbound", created_at=arrived,
                               answered_at=answered, ended_at=ended, data=data)


def _same(sql, core):
    assert sql.outbound == core.outbound and sql.days == core.days
    assert sorted(sql.by_technician) == sorted(core.by_technician)
    for name, tally in core.by_technician.items():
        mine = sql.by_technician[name]
        assert mine.hold_seconds == pytest.approx(tally.hold_seconds, rel=1e-12, abs=1e-9)
        mine.hold_seconds = tally.hold_seconds  # float sums: the order of adding may differ in the last bit
        assert mine == tally, name


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(st.lists(calls, max_size=40))
def test_sql_call_figures_equal_the_pure_cores_call_by_call(rows):
    _store(rows)
    scope = selectors.Scope(None)
    for filters in ({}, {"technician": "lucia"}, {"queue": "urgente"}, {"channel": "email"}):
        sql = selectors.call_facts(PERIOD, filters, scope)
        core = figures.tally_calls(selectors.call_rows(PERIOD, filters, scope), PERIOD)
        _same(sql, core)
        assert selectors.inbound_calls(PERIOD, filters, scope) == core.total().offered
    for name in ("calls", "transfers", "holds", "volume"):  # volume: only the inbound calls counted
        by_sql = catalogue.build(name, selectors.load(catalogue.REPORTS[name].needs, PERIOD, {}, scope), PERIOD)
        rows_only = selectors.Rows(calls=selectors.call_rows(PERIOD, {}, scope))
        by_rows = catalogue.build(name, rows_only, PERIOD)
        assert by_sql.to_json() == by_rows.to_json()
    # Late events after the calls ended (a transfer and a hold recorded afterwards): the columns the SQL
    # reads follow the engine's data, so both ways still agree.
    for contact in Contact.objects.order_by("pk")[:3]:
        data = contact.data if isinstance(contact.data, dict) else {}
        contact.data = {**data, "transfer_count": 2, "hold_count": 1, "hold_seconds": 30.5}
        contact.save(update_fields=["data"])
    _same(selectors.call_facts(PERIOD, {}, scope), figures.tally_calls(selectors.call_rows(PERIOD, {}, scope), PERIOD))


@pytest.mark.django_db
def test_a_day_of_calls_counts_against_the_highest_target_of_its_policies_and_the_local_date():
    queues, customers, people = _world()
    # 23:30 and 00:30 in Madrid (UTC+1 after the change): two local days, one call each.
    for moment, queue in ((datetime(2026, 10, 25, 22, 30, tzinfo=UTC), queues[0]),
                          (datetime(2026, 10, 25, 23, 30, tzinfo=UTC), queues[1]),
                          (datetime(2026, 10, 25, 23, 40, tzinfo=UTC), queues[1])):
        Contact.objects.create(queue=queue, assignee=people[1], state="ended", created_at=moment,
                               answered_at=moment, ended_at=moment + timedelta(minutes=3))
    facts = selectors.call_facts(PERIOD, {}, selectors.Scope(None))
    assert facts.days == {("Lucía Pérez", date(2026, 10, 25)): (1, 30), ("Lucía Pérez", date(2026, 10, 26)): (2, 2)}


@pytest.mark.django_db
def test_answered_right_at_the_maximum_wait_is_within_it_and_ending_right_at_the_maximum_call_is_not_over():
    queues, _customers, people = _world()
    moment = datetime(2026, 10, 24, 10, tzinfo=UTC)
    for wait, handle in ((180, 900), (180.000001, 900.000001)):
        answered = moment + timedelta(seconds=wait)
        Contact.objects.create(queue=queues[0], assignee=people[3], state="ended", created_at=moment,
                               answered_at=answered, ended_at=answered + timedelta(seconds=handle))
    facts = selectors.call_facts(PERIOD, {}, selectors.Scope(None))
    assert (facts.total().po2_met, facts.total().po2_counted, facts.total().po1) == (1, 2, 1)
    assert facts == figures.tally_calls(selectors.call_rows(PERIOD, {}, selectors.Scope(None)), PERIOD)
