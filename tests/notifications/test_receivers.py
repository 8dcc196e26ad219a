"""What the staff hear of: a new request, an assignment, a customer's reply, a commitment coming due or missed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from atiende.desk.messages import post_message
from atiende.desk.models import Commitment
from atiende.desk.services.commitments import add_commitment, flag_missed_commitments
from atiende.desk.services.customers import create_customer
from atiende.desk.services.work_orders import (
    create_work_order,
    open_portal_request,
    update_work_order,
)
from atiende.notifications.models import Notification
from atiende.notifications.reminders import remind_due_commitments
from tests.desk.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(team, tech, supervisor, admin):
    owner = make_user("carmen", "cliente")
    customer = create_customer(actor=admin, name="Carmen Ruiz", user=owner,
                                        contact_points=[("email", "carmen@example.es")])
    return {"owner": owner, "customer": customer}


def told(kind: str) -> list[tuple[str, str]]:
    return sorted((n.recipient.username, n.text) for n in Notification.objects.filter(kind=kind))


def test_a_portal_request_tells_the_team(people, team, tech, supervisor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        wo = open_portal_request(actor=people["owner"], title="No imprime", problem_story="Nada sale.")
    assert wo.team == team
    assert [name for name, _ in told("new_request")] == ["lucia", "marta"]
    # The request's first message is the request itself, not a "reply".
    with django_capture_on_commit_callbacks(execute=True):
        post_message(work_order=wo, author=people["owner"], body="Nada sale.", visibility="public",
                     channel="portal", direction="in")
    assert told("customer_reply") == []


def test_staff_opening_one_tell_only_the_assignee(people, team, tech, supervisor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        wo = create_work_order(actor=supervisor, customer=people["customer"], title="Correo", team=team,
                                        assignee=tech)
    assert told("new_request") == [] and [n for n, _ in told("assigned")] == ["lucia"]
    with django_capture_on_commit_callbacks(execute=True):
        update_work_order(actor=tech, work_order=wo, version=wo.version, assignee=tech.pk)  # no change
        wo.refresh_from_db()
        update_work_order(actor=tech, work_order=wo, version=wo.version, assignee=supervisor.pk)
    assert [n for n, _ in told("assigned")] == ["lucia", "marta"]
    assert f"#{wo.number}" in told("assigned")[1][1]


def test_a_customer_reply_tells_the_assignee_in_their_language(people, team, tech, supervisor,
                                                               django_capture_on_commit_callbacks):
    tech.language = "en"
    tech.save()
    wo = create_work_order(actor=tech, customer=people["customer"], title="Correo", team=team, assignee=tech)
    with django_capture_on_commit_callbacks(execute=True):
        post_message(work_order=wo, author=None, author_name="Carmen Ruiz", author_email="carmen@example.es",
                     body="Sigue igual.", visibility="public", channel="email", direction="in")
    assert told("customer_reply") == [("lucia", f"Carmen Ruiz wrote on #{wo.number}: Correo")]


def test_a_commitment_is_reminded_once_before_it_is_due_and_told_when_missed(
        people, team, tech, django_capture_on_commit_callbacks):
    wo = create_work_order(actor=tech, customer=people["customer"], title="Correo", team=team)
    now = timezone.now()
    soon = add_commitment(actor=tech, work_order=wo, description="Llamar a las 10",
                                   due_at=now + timedelta(minutes=20))
    add_commitment(actor=tech, work_order=wo, description="Más tarde", due_at=now + timedelta(hours=5))
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_due_commitments(now=now) == 1
        assert remind_due_commitments(now=now) == 0
    assert [t for _, t in told("commitment_due")] == [told("commitment_due")[0][1]]
    assert "Llamar a las 10" in told("commitment_due")[0][1]
    Commitment.objects.filter(pk=soon.pk).update(due_at=now - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        flag_missed_commitments(now=now)
    assert len(told("commitment_due")) == 2
