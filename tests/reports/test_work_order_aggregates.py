"""The work-order figures added up in SQL equal the pure core's, row by row, on SQLite and PostgreSQL.

Random work orders created and closed around the October DST change, in teams or none, with SLA states,
business seconds stored or (rows kept before they were) counted from the team's calendar, reopened or
followed up by the customer after the first response: ``selectors.work_order_facts`` (grouped SQL) gives
what ``figures.tally_work_orders`` makes of ``selectors.work_order_rows``, and the same reports.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atiende.desk.models import Customer, Message, WorkOrder, WorkOrderEvent
from atiende.people.models import Team
from atiende.reports import selectors
from atiende.reports.core import catalogue, figures
from atiende.reports.core.rows import Period
from atiende.sla.models import WorkOrderSla

PERIOD = Period(date(2026, 10, 24), date(2026, 10, 26), "Europe/Madrid")
START = datetime(2026, 10, 23, 20, tzinfo=UTC)

moments = st.integers(0, 4 * 24 * 3600).map(lambda s: START + timedelta(seconds=s))
states = st.sampled_from(["none", "running", "warning", "paused", "met", "breached"])
work_orders = st.tuples(
    moments, st.sampled_from(["presencial", "telefonico", "email", "portal", "chat"]), st.integers(0, 2),
    st.sampled_from(["baja", "normal", "alta", "urgente"]), states, states,
    st.one_of(st.none(), st.integers(60, 3 * 24 * 3600)),  # first response after (s)
    st.one_of(st.none(), st.integers(60, 3 * 24 * 3600)),  # closed after (s)
    st.booleans(),  # business seconds stored (else: counted from the calendar)
    st.booleans(),  # reopened
    st.booleans(),  # the customer wrote after the first response
)


def _store(rows):
    WorkOrder.objects.all().delete()
    customer = Customer.objects.get_or_create(name="Carmen")[0]
    teams = [None, Team.objects.get_or_create(name="Soporte")[0], Team.objects.get_or_create(name="Ventas")[0]]
    events, messages = [], []
    for number, (created, channel, team, priority, first_state, resolution_state, first_after, closed_after,
                 stored, reopened, followed) in enumerate(rows, start=1):
        closed_at = None if closed_after is None else created + timedelta(seconds=closed_after)
        work_order = WorkOrder.objects.create(
            number=number, title="x", customer=customer, channel=channel, team=teams[team], priority=priority,
            created_at=created, phase="cierre" if closed_at else "identificacion", closed_at=closed_at)
        first_at = None if first_after is None else created + timedelta(seconds=first_after)
        WorkOrderSla.objects.create(
            work_order=work_order, started_at=created, first_response_state=first_state,
            resolution_state=resolution_state, first_response_at=first_at, resolved_at=closed_at,
            pauses=[[(created + timedelta(minutes=5)).isoformat(), (created + timedelta(minutes=65)).isoformat()]],
            first_response_seconds=first_after * 0.5 if stored and first_at else None,
            resolution_seconds=closed_after * 0.25 if stored and closed_at else None)
        if reopened:
            events.append(WorkOrderEvent(work_order=work_order, kind="reopened", at=created))
        if followed and first_at:
            messages.append(Message(work_order=work_order, direction="in", channel="email", visibility="public",
                                    body="¿Hay novedades?", created_at=first_at + timedelta(minutes=1)))
    WorkOrderEvent.objects.bulk_create(events)
    Message.objects.bulk_create(messages)


def _same(sql, core):
    assert (sql.created, sql.closed, sql.clocks) == (core.created, core.closed, core.clocks)
    for clock in ("first_response", "resolution"):
        (n, total), (m, expected) = getattr(sql, clock), getattr(core, clock)
        assert n == m and total == pytest.approx(expected, rel=1e-12, abs=1e-9)


@pytest.mark.django_db
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(st.lists(work_orders, max_size=25))
def test_sql_work_order_figures_equal_the_pure_cores_row_by_row(rows):
    _store(rows)
    scope = selectors.Scope(None)
    for filters in ({}, {"team": "Soporte"}, {"channel": "email"}):
        sql = selectors.work_order_facts(PERIOD, filters, scope)
        core = figures.tally_work_orders(selectors.work_order_rows(PERIOD, filters, scope), PERIOD)
        _same(sql, core)
    for name in ("volume", "first-contact", "sla"):
        # What the report itself reads (only its part of the figures), and everything at once.
        by_sql = catalogue.build(name, selectors.load(catalogue.REPORTS[name].needs, PERIOD, {}, scope),
                                 PERIOD).to_json()
        assert by_sql == catalogue.build(name, selectors.load(("work_orders",), PERIOD, {}, scope), PERIOD).to_json()
        rows_only = selectors.Rows(work_orders=selectors.work_order_rows(PERIOD, {}, scope))
        by_rows = catalogue.build(name, rows_only, PERIOD).to_json()
        assert by_sql == by_rows
