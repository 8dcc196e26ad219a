"""The SLA where people look: the work-order list, the work-order page and the supervisor's wallboard."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from atiende.desk.models import WorkOrder
from atiende.desk.services.work_orders import create_work_order
from atiende.sla import services
from atiende.sla.models import SlaPolicy

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def late(team, tech, customer, django_capture_on_commit_callbacks):
    """An email request opened two hours ago with a one-hour first-response target, still unanswered."""
    SlaPolicy.objects.create(name="Estándar", first_response_minutes=60, resolution_minutes=480)
    with django_capture_on_commit_callbacks(execute=True):
        work_order = create_work_order(actor=tech, customer=customer, title="No llega el correo", channel="email")
    WorkOrder.objects.filter(pk=work_order.pk).update(created_at=timezone.now() - timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        services.refresh(work_order.pk)
    return work_order


def test_the_list_and_the_page_say_the_sla_is_breached(late, tech):
    client = signed_in(tech)
    listing = client.get("/solicitudes/").content.decode()
    assert "SLA incumplido" in listing
    page = client.get(f"/solicitudes/{late.number}/").content.decode()
    assert "Nivel de servicio" in page and "Estándar" in page and "incumplido" in page


def test_the_wallboard_counts_breached_work_orders_and_lists_them(late, supervisor):
    board = signed_in(supervisor).get("/panel/estado/").json()
    levels = board["service_levels"]
    assert levels["breached"] == 1 and levels["at_risk"] == 0
    assert levels["urgent"][0]["number"] == late.number and levels["urgent"][0]["state"] == "breached"
    assert levels["satisfaction"]["answers"] == 0 and levels["satisfaction"]["mean_rating"] is None


def test_another_teams_supervisor_does_not_see_it(late, other_team):
    from tests.desk.conftest import make_user

    stranger = make_user("rosa", "supervisor", other_team)
    assert signed_in(stranger).get("/panel/estado/").json()["service_levels"]["breached"] == 0


def test_the_demo_has_service_levels_on_its_work_orders(db):
    from atiende.demo import load_demo
    from atiende.sla.models import TeamCalendar, WorkOrderSla

    load_demo()
    load_demo()  # twice changes nothing
    assert SlaPolicy.objects.count() == 3 and TeamCalendar.objects.count() == 1
    assert WorkOrderSla.objects.exclude(first_response_state="none").count() == WorkOrder.objects.count() > 0
