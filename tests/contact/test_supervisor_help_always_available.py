"""PO-5: a supervisor can join, coach or take over a call on hold or in the middle of a transfer
(issue 3, item 6). Seed 003: «Si la cosa se pone muy complicada, puede optar por avisar o pasar la
llamada a uno de sus jefes o supervisores» - the way to a supervisor is always open."""

import pytest

from atiende.contact.models import Contact, Deadline, TechnicianState
from atiende.contact.services import calls

from .conftest import bearer

pytestmark = pytest.mark.django_db
JSON = "application/json"



def supervise(client, call, supervisor, mode):
    return client.post(f"/api/v1/contacts/{call.pk}/supervise", {"mode": mode}, content_type=JSON,
                       headers=bearer(supervisor))


@pytest.fixture
def on_hold(call_with_lucia, lucia):
    calls.put_on_hold(contact_id=call_with_lucia.pk, user=lucia, reason="Consulto con mi supervisora",
                         customer_consent=True, expected_minutes=2)
    return call_with_lucia


@pytest.fixture
def pending(call_with_lucia, lucia, jorge):
    calls.request_transfer(contact_id=call_with_lucia.pk, user=lucia, purpose="Redes",
                              customer_consent=True, to_technician=jorge.pk)
    return call_with_lucia


@pytest.mark.parametrize("mode", ["join", "coach"])
def test_a_supervisor_joins_or_coaches_while_the_customer_is_on_hold(client, on_hold, lucia, supervisor, mode):
    response = supervise(client, on_hold, supervisor, mode)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "on_hold" and body["assignee"] == lucia.pk  # the customer is still on hold
    assert body["escalation"]["mode"] == mode
    resumed = client.post(f"/api/v1/contacts/{on_hold.pk}/resume", headers=bearer(lucia)).json()
    assert resumed["state"] == "talking"


def test_a_supervisor_takes_over_a_call_on_hold_and_resumes_it(client, on_hold, lucia, supervisor):
    body = supervise(client, on_hold, supervisor, "take_over").json()
    assert body["state"] == "on_hold" and body["assignee"] == supervisor.pk
    assert TechnicianState.objects.get(user=lucia).status == "disponible"
    resumed = client.post(f"/api/v1/contacts/{on_hold.pk}/resume", headers=bearer(supervisor))
    assert resumed.status_code == 200 and resumed.json()["state"] == "talking"


def test_a_supervisor_joins_during_a_transfer_and_the_receiver_still_accepts(client, pending, jorge, supervisor):
    body = supervise(client, pending, supervisor, "join").json()
    assert body["state"] == "transfer_pending"
    accepted = client.post(f"/api/v1/contacts/{pending.pk}/transfer/accept", headers=bearer(jorge))
    assert accepted.status_code == 200
    assert (accepted.json()["state"], accepted.json()["assignee"]) == ("talking", jorge.pk)


def test_taking_over_during_a_transfer_calls_the_transfer_off(client, pending, lucia, jorge, supervisor):
    body = supervise(client, pending, supervisor, "take_over").json()
    assert (body["state"], body["assignee"]) == ("talking", supervisor.pk)
    events = list(Contact.objects.get(pk=pending.pk).events.order_by("id").values_list("kind", "data"))
    kind, data = events[-2]
    assert kind == "transfer_returned" and data["cause"] == "taken_over" and data["back_to"] == supervisor.pk
    assert events[-1][0] == "supervisor_joined"
    assert not Deadline.objects.filter(contact=pending, kind="transfer_timeout", fired_at__isnull=True).exists()
    late = client.post(f"/api/v1/contacts/{pending.pk}/transfer/accept", headers=bearer(jorge))
    assert late.status_code in (404, 409)  # nothing left to accept; not theirs answers as missing
    assert Contact.objects.get(pk=pending.pk).assignee_id == supervisor.pk
    assert TechnicianState.objects.get(user=lucia).status == "disponible"
    assert TechnicianState.objects.get(user=jorge).status == "disponible"
