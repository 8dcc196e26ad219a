"""Filtering work orders by SLA state (on track, at risk, breached, paused): in the list, the API and the
reports, the same work orders as their badges say."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from atiende.desk.models import WorkOrder
from atiende.desk.services.work_orders import create_work_order
from atiende.sla.models import WorkOrderSla
from tests.desk.conftest import bearer

pytestmark = pytest.mark.django_db


@pytest.fixture
def four(tech, customer, team, django_capture_on_commit_callbacks):
    """Four open work orders, one in each SLA state, set on their stored clocks."""
    now = timezone.now()
    states = {
        "on_track": {"first_response_state": "running", "first_response_due": now + timedelta(hours=3)},
        "warning": {"first_response_state": "warning", "first_response_due": now + timedelta(minutes=10)},
        "breached": {"first_response_state": "met", "resolution_state": "breached", "resolution_breached": True},
        "paused": {"first_response_state": "met", "resolution_state": "paused", "paused": True},
    }
    made = {}
    for state, values in states.items():
        with django_capture_on_commit_callbacks(execute=True):
            work_order = create_work_order(actor=tech, customer=customer, title=f"Caso {state}", channel="email")
        WorkOrder.objects.filter(pk=work_order.pk).update(team=team)
        WorkOrderSla.objects.update_or_create(work_order=work_order, defaults={"started_at": now, **values})
        made[state] = work_order.number
    # A running clock whose due time has just passed is breached, whatever the stored state says.
    late = WorkOrderSla.objects.get(work_order__number=made["on_track"])
    with django_capture_on_commit_callbacks(execute=True):
        extra = create_work_order(actor=tech, customer=customer, title="Caso vencido", channel="email")
    WorkOrderSla.objects.update_or_create(work_order=extra, defaults={
        "started_at": now, "first_response_state": "running", "first_response_due": now - timedelta(minutes=1)})
    made["late"] = extra.number
    assert late.first_response_state == "running"
    return made


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_list_shows_only_the_work_orders_in_the_state_chosen(four, tech):
    client = signed_in(tech)
    titles = {"on_track": "Caso on_track", "warning": "Caso warning", "breached": "Caso breached",
              "paused": "Caso paused", "late": "Caso vencido"}
    for state, shown in (("on_track", {"on_track"}), ("warning", {"warning"}), ("breached", {"breached", "late"}),
                         ("paused", {"paused"})):
        page = client.get(f"/solicitudes/?sla={state}").content.decode()
        assert {key for key, title in titles.items() if title in page} == shown, state
    page = client.get("/solicitudes/").content.decode()
    assert "Nivel de servicio" in page and "SLA en plazo" in page  # the filter is offered, in Spanish


def test_the_api_filters_by_sla_state_and_names_the_states_when_wrong(four, tech):
    headers = bearer(tech)
    expected = {"on_track": {four["on_track"]}, "warning": {four["warning"]},
                "breached": {four["breached"], four["late"]}, "paused": {four["paused"]}}
    for state, numbers in expected.items():
        answer = Client().get(f"/api/v1/work-orders?sla={state}", headers=headers)
        assert answer.status_code == 200
        assert {w["number"] for w in answer.json()["items"]} == numbers, state
    wrong = Client().get("/api/v1/work-orders?sla=late", headers=headers)
    assert wrong.status_code == 422 and "on_track" in wrong.content.decode()


def test_reports_count_only_the_work_orders_in_the_sla_state_asked(four, supervisor):
    from atiende.reports import services

    today = timezone.localdate()
    report = services.build(name="volume", first=today, last=today, filters={"sla": "breached"})
    summary = {r["key"]: r["value"] for r in report.sections[0].rows}
    assert summary["work_orders"] == 2 and summary["inbound_calls"] == 0  # calls have no SLA
    page = signed_in(supervisor).get(f"/informes/volume/?from={today}&to={today}&sla=paused").content.decode()
    assert 'value="paused" selected' in page
    wrong = signed_in(supervisor).get(f"/api/v1/reports/volume?from={today}&to={today}&sla=late")
    assert wrong.status_code == 400 and "on_track" in wrong.content.decode()
