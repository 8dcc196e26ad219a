"""The demo shows the whole desk: every phase, CH-IND and CH-PRO, a missed commitment, a survey."""

from __future__ import annotations

import pytest
from django.db.models import F

from atiende.demo import load_demo
from atiende.desk.models import (
    ClosedQuestion,
    Commitment,
    ContactPoint,
    Customer,
    Message,
    SatisfactionSurvey,
    WorkOrder,
    WorkOrderEvent,
)
from atiende.desk.selectors import visible_work_orders
from atiende.people.models import User

pytestmark = pytest.mark.django_db

MODELS = (Customer, ContactPoint, WorkOrder, ClosedQuestion, Commitment, SatisfactionSurvey, WorkOrderEvent, User,
          Message)


@pytest.fixture
def demo(demo_loaded):
    """Loaded once for the module (tests/conftest.py); each test's writes are rolled back after it."""
    return demo_loaded


def test_a_test_may_write_to_the_demo_without_changing_it_for_the_next(demo):
    """The demo is loaded once for the module: this test's change is rolled back after it, so the tests below
    (forms of address) still read the demo as loaded."""
    Customer.objects.update(address_as="")
    assert not Customer.objects.exclude(address_as="").exists()


def test_loading_the_demo_twice_changes_nothing(demo):
    before = {m.__name__: m.objects.count() for m in MODELS}
    again = load_demo()
    assert {m.__name__: m.objects.count() for m in MODELS} == before
    assert again == demo


def test_demo_customers_have_forms_of_address_countries_and_contacts(demo):
    customers = list(Customer.objects.all())
    assert 10 <= len(customers) <= 15
    assert {"Sr.", "Sra.", "Don", "Doña", "Dr."} <= {c.address_as for c in customers}
    assert {"ES", "MX", "AR", "CO", "CL"} <= {c.country for c in customers}
    assert all(c.contact_points.exists() for c in customers)
    assert {"basico", "intermedio", "avanzado"} <= {c.knowledge_level for c in customers}


def test_demo_work_orders_cover_every_phase_and_kind_of_service(demo):
    orders = WorkOrder.objects.all()
    assert {w.phase for w in orders} == {"identificacion", "satisfaccion", "cierre"}
    assert {w.direction for w in orders} == {"reactivo", "proactivo"}
    assert any(w.is_indirect for w in orders)
    assert {"telefonico", "email", "presencial", "portal", "chat"} <= {w.channel for w in orders}
    assert all(w.problem_story for w in orders.exclude(phase="identificacion"))
    assert all(w.paraphrase for w in orders.exclude(phase="identificacion"))
    assert ClosedQuestion.objects.exclude(answer="").exists()


def test_demo_has_a_missed_commitment_and_an_answered_survey(demo):
    missed = Commitment.objects.filter(status="incumplido")
    assert missed.count() == 1 and missed.get().alerted_at is not None
    assert Commitment.objects.filter(status="pendiente", due_at__gt=F("created_at")).exists()
    assert SatisfactionSurvey.objects.filter(answered_at__isnull=False, rating=5).count() == 1
    assert SatisfactionSurvey.objects.filter(answered_at__isnull=True).exists()


def test_the_demo_portal_customer_sees_only_their_own_work_orders(demo, client):
    username, password, _role = next(login for login in demo if login[0] == "pilar")
    pilar = User.objects.get(username=username)
    assert pilar.check_password(password) and pilar.role == "cliente"
    mine = visible_work_orders(pilar)
    assert mine.count() == 1 and mine.get().customer.user == pilar


def test_every_demo_history_starts_with_its_creation(demo):
    for wo in WorkOrder.objects.all():
        first = WorkOrderEvent.objects.filter(work_order=wo).order_by("at", "id").first()
        assert first.kind == "created" and first.at == wo.created_at


def test_demo_work_orders_have_conversations_and_the_portal_customer_sees_only_public_ones(demo):
    from atiende.desk.selectors import conversation

    talked = {m.work_order.channel for m in Message.objects.select_related("work_order")}
    assert {"email", "portal"} <= talked
    assert Message.objects.filter(visibility="internal").exists()
    assert not Message.objects.filter(created_at__lt=F("work_order__created_at")).exists()
    pilar = User.objects.get(username="pilar")
    for work_order in visible_work_orders(pilar):
        assert all(m.visibility == "public" for m in conversation(pilar, work_order))
    assert any(conversation(pilar, wo) for wo in visible_work_orders(pilar))
