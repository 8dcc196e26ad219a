"""A work order's service level: targets by policy, paused while waiting for the customer,
warned at 80 %, breached and notified, shown in the API (SPEC "Reports": first_response_due...)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from atiende.desk.messages import post_message
from atiende.desk.models import WorkOrder, WorkOrderEvent
from atiende.desk.services.work_orders import (
    change_phase,
    create_work_order,
    record_closing_contact,
    update_work_order,
)
from atiende.notifications.models import Notification
from atiende.sla import services
from atiende.sla.models import SlaAlert, SlaPolicy, TeamCalendar, WorkOrderSla
from tests.sla.conftest import bearer

pytestmark = pytest.mark.django_db


@pytest.fixture
def policies(team):
    SlaPolicy.objects.create(name="Normal", first_response_minutes=60, resolution_minutes=8 * 60)
    SlaPolicy.objects.create(name="Urgente", priority="urgente", first_response_minutes=15, resolution_minutes=120)


def open_by_email(tech, customer, commit, **extra):
    """Opened by email five days ago (messages are written at past times after it)."""
    with commit(execute=True):
        work_order = create_work_order(actor=tech, customer=customer, title="No llega el correo", channel="email",
                                       **extra)
    WorkOrder.objects.filter(pk=work_order.pk).update(created_at=timezone.now() - timedelta(days=5))
    work_order.refresh_from_db()
    services.refresh(work_order.pk, now=work_order.created_at)
    return work_order


def test_an_email_request_gets_its_targets_from_the_policy(policies, tech, customer,
                                                           django_capture_on_commit_callbacks):
    work_order = open_by_email(tech, customer, django_capture_on_commit_callbacks)
    row = WorkOrderSla.objects.get(work_order=work_order)
    assert row.first_response_due == work_order.created_at + timedelta(minutes=60)
    assert row.resolution_due == work_order.created_at + timedelta(hours=8)
    assert not row.paused and not row.breached
    with django_capture_on_commit_callbacks(execute=True):
        update_work_order(actor=tech, work_order=work_order, version=work_order.version, priority="urgente")
    row.refresh_from_db()
    assert row.first_response_due == work_order.created_at + timedelta(minutes=15)


def test_a_phone_request_is_answered_as_it_is_opened(policies, tech, customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        work_order = create_work_order(actor=tech, customer=customer, title="Pantalla azul", channel="telefonico")
    assert WorkOrderSla.objects.get(work_order=work_order).first_response_state == "met"


def test_waiting_for_the_customer_pauses_the_resolution_clock_until_they_reply(
        policies, tech, customer, django_capture_on_commit_callbacks):
    work_order = open_by_email(tech, customer, django_capture_on_commit_callbacks)
    opened = work_order.created_at
    with django_capture_on_commit_callbacks(execute=True):
        post_message(work_order=work_order, body="Buenos días, ¿qué versión de Outlook usa?", visibility="public",
                     channel="email", direction="out", author=tech, at=opened + timedelta(minutes=20))
    row = WorkOrderSla.objects.get(work_order=work_order)
    assert row.first_response_state == "met" and row.first_response_at == opened + timedelta(minutes=20)
    assert row.paused and row.resolution_due is None
    client = Client()
    answer = client.get(f"/api/v1/work-orders/{work_order.number}", headers=bearer(tech)).json()
    assert answer["sla_paused"] is True and answer["resolution_due"] is None and answer["sla_breached"] is False
    # The customer answers two days later: the clock goes on from where it stood.
    replied = opened + timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        post_message(work_order=work_order, body="La 2021", visibility="public", channel="email", direction="in",
                     author_email="carmen@example.es", at=replied)
    row.refresh_from_db()
    assert not row.paused
    assert row.resolution_due == replied + timedelta(hours=8) - timedelta(minutes=20)
    answer = client.get(f"/api/v1/work-orders/{work_order.number}", headers=bearer(tech)).json()
    assert answer["resolution_due"].startswith(row.resolution_due.isoformat()[:19])
    assert answer["first_response_due"] is not None and answer["sla_first_response"] == "met"


def test_the_worker_warns_at_80_percent_then_breaches_and_tells_the_supervisor(
        policies, tech, supervisor, customer, django_capture_on_commit_callbacks):
    work_order = open_by_email(tech, customer, django_capture_on_commit_callbacks, assignee=tech)
    opened = work_order.created_at
    with django_capture_on_commit_callbacks(execute=True):
        assert services.check_due(now=opened + timedelta(minutes=47)) == 0  # nothing to look at yet
        services.check_due(now=opened + timedelta(minutes=48))
    assert list(SlaAlert.objects.values_list("clock", "kind")) == [("first_response", "warning")]
    assert Notification.objects.filter(recipient=tech, kind="sla_warning").count() == 1
    assert not Notification.objects.filter(recipient=supervisor).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.check_due(now=opened + timedelta(minutes=61))
        services.check_due(now=opened + timedelta(minutes=62))  # looked at again: no second alert
    row = WorkOrderSla.objects.get(work_order=work_order)
    assert row.first_response_breached and row.breached
    assert SlaAlert.objects.filter(kind="breach", clock="first_response").count() == 1
    assert Notification.objects.filter(recipient=supervisor, kind="sla_breach").count() == 1
    assert Notification.objects.filter(recipient=tech, kind="sla_breach").count() == 1
    # A reply at last: the breach stays on record.
    with django_capture_on_commit_callbacks(execute=True):
        post_message(work_order=work_order, body="Buenos días, lo miramos ahora.", visibility="public",
                     channel="email", direction="out", author=tech, at=opened + timedelta(minutes=70))
    row.refresh_from_db()
    assert row.first_response_state == "breached" and row.first_response_breached


def test_closing_stops_the_clock_and_reopening_does_not_count_the_closed_days(
        policies, tech, customer, django_capture_on_commit_callbacks):
    work_order = create_work_order(actor=tech, customer=customer, title="Impresora", channel="telefonico",
                                   problem_story="No imprime", paraphrase="No imprime nada")
    work_order = change_phase(actor=tech, work_order=work_order, version=work_order.version, phase="satisfaccion")
    work_order = update_work_order(actor=tech, work_order=work_order, version=work_order.version,
                                   resolution="Driver reinstalado")
    work_order = record_closing_contact(actor=tech, work_order=work_order, version=work_order.version,
                                        channel="telefonico", note="Confirmado")
    with django_capture_on_commit_callbacks(execute=True):
        work_order = change_phase(actor=tech, work_order=work_order, version=work_order.version, phase="cierre")
    row = WorkOrderSla.objects.get(work_order=work_order)
    assert row.resolved_at == work_order.closed_at and row.resolution_state == "met"
    assert row.next_check_at is None
    closed = work_order.closed_at
    later = closed + timedelta(days=3)
    WorkOrderEvent.objects.create(work_order=work_order, kind="reopened", changes={"phase": ["cierre", "satisfaccion"]},
                                  at=later)
    WorkOrder.objects.filter(pk=work_order.pk).update(phase="satisfaccion", closed_at=None)
    row = services.refresh(work_order.pk, now=later + timedelta(minutes=1))
    assert row is not None and row.resolved_at is None and row.resolution_state == "running"
    used = (closed - work_order.created_at).total_seconds() + 60
    assert row.resolution_due == later + timedelta(hours=8) - timedelta(seconds=used - 60)


def test_business_hours_of_the_team_decide_the_due_time(policies, team, tech, customer,
                                                        django_capture_on_commit_callbacks):
    calendar = TeamCalendar.objects.create(team=team, time_zone="Europe/Madrid", monday="09:00-18:00",
                                           tuesday="09:00-18:00", wednesday="09:00-18:00", thursday="09:00-18:00",
                                           friday="09:00-18:00")
    calendar.holidays.create(day=timezone.datetime(2026, 12, 8).date(), name="Inmaculada")
    work_order = open_by_email(tech, customer, django_capture_on_commit_callbacks)
    friday_evening = timezone.datetime(2026, 12, 4, 18, 30, tzinfo=timezone.UTC)  # 19:30 in Madrid
    WorkOrder.objects.filter(pk=work_order.pk).update(created_at=friday_evening)
    row = services.refresh(work_order.pk, now=friday_evening)
    assert row is not None
    # Monday 7 opens at 09:00 Madrid (08:00 UTC): one hour later; 8 hours of resolution end on Wednesday 9
    # (Tuesday 8 is a holiday): Monday 9 hours are more than 8, so Monday 17:00 Madrid.
    assert row.first_response_due == timezone.datetime(2026, 12, 7, 9, 0, tzinfo=timezone.UTC)
    assert row.resolution_due == timezone.datetime(2026, 12, 7, 16, 0, tzinfo=timezone.UTC)


def test_without_a_policy_there_are_no_targets(tech, customer, django_capture_on_commit_callbacks):
    work_order = open_by_email(tech, customer, django_capture_on_commit_callbacks)
    row = WorkOrderSla.objects.get(work_order=work_order)
    assert row.first_response_due is None and row.first_response_state == "none"
    answer = Client().get(f"/api/v1/work-orders/{work_order.number}", headers=bearer(tech)).json()
    assert answer["first_response_due"] is None and answer["sla_breached"] is False


def test_one_change_with_two_history_lines_refreshes_the_clocks_once(policies, tech, customer, monkeypatch,
                                                                     django_capture_on_commit_callbacks):
    from django.db import transaction

    work_order = open_by_email(tech, customer, django_capture_on_commit_callbacks)
    refreshed = []
    real = services.refresh
    monkeypatch.setattr(services, "refresh", lambda pk, **kw: (refreshed.append(pk), real(pk, **kw)))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        WorkOrderEvent.objects.create(work_order=work_order, actor=tech, kind="message", changes={})
        WorkOrderEvent.objects.create(work_order=work_order, actor=tech, kind="changed", changes={})
    assert refreshed == [work_order.pk]
    # A savepoint rolled back takes its refresh with it; the next line registers one again.
    refreshed.clear()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            WorkOrderEvent.objects.create(work_order=work_order, actor=tech, kind="message", changes={})
            raise RuntimeError("rolled back")
        WorkOrderEvent.objects.create(work_order=work_order, actor=tech, kind="changed", changes={})
    assert refreshed == [work_order.pk]
