"""A policy change during a call never loses a warning or a breach (issue 3, item 3; PO-1, PO-2).

Stored deadlines are moved when a queue's or an organisation's policy changes;
and a deadline that a worker finds not yet due (the policy changed some other
way, e.g. the customer moved to another organisation) is stored again at its
right time instead of being marked fired.
"""

from datetime import timedelta

import pytest

from atiende.contact.models import Alert, Contact, Deadline, Queue
from atiende.contact.services import calls, routing
from atiende.contact.services import deadlines as contact_deadlines
from atiende.desk.models import Customer, Organisation

from .conftest import bearer, make_technician

pytestmark = pytest.mark.django_db
JSON = "application/json"



@pytest.fixture
def admin(db, clock):
    return bearer(make_technician("admin", role="administrador", available=False))


def call_alerts(call):
    return [(a.rule, a.level) for a in Alert.objects.filter(contact=call, kind="call").order_by("created_at", "id")]


def run_worker_at(clock, call, seconds_after_answer):
    clock.set(call.answered_at + timedelta(seconds=seconds_after_answer))
    contact_deadlines.run_due_deadlines(worker="w")


def test_raising_the_maximum_call_during_a_call_moves_the_warning_and_the_breach(client, admin, call_with_lucia,
                                                                                 clock):
    response = client.put("/api/v1/contacts/queues/soporte", {"tiers": [1, 2], "policy": {"max_call_seconds": 1800}},
                          content_type=JSON, headers=admin)
    assert response.status_code == 200
    run_worker_at(clock, call_with_lucia, 900)  # the old 15-minute breach: nothing yet
    assert call_alerts(call_with_lucia) == []
    run_worker_at(clock, call_with_lucia, 1440)  # 80 % of 30 minutes
    assert call_alerts(call_with_lucia) == [("PO-1", "warning")]
    run_worker_at(clock, call_with_lucia, 1800)
    assert call_alerts(call_with_lucia) == [("PO-1", "warning"), ("PO-1", "breach")]


def test_lowering_the_maximum_call_during_a_call_brings_the_breach_forward(client, admin, call_with_lucia, clock):
    client.put("/api/v1/contacts/queues/soporte", {"tiers": [1, 2], "policy": {"max_call_seconds": 300}},
               content_type=JSON, headers=admin)
    run_worker_at(clock, call_with_lucia, 300)
    assert call_alerts(call_with_lucia) == [("PO-1", "warning"), ("PO-1", "breach")]


def test_a_customer_moved_to_an_organisation_with_a_longer_maximum_still_gets_both_alerts(client, admin, queue,
                                                                                          lucia, clock):
    org = Organisation.objects.create(name="Hospital Norte")
    client.put(f"/api/v1/contacts/organisations/{org.pk}/policy", {"policy": {"max_call_seconds": 1800}},
               content_type=JSON, headers=admin)
    customer = Customer.objects.create(name="Dra. Pérez")
    call = routing.create_contact(queue="soporte", customer_id=customer.pk).contact
    calls.answer(contact_id=call.pk, user=lucia)
    call.refresh_from_db()
    Customer.objects.filter(pk=customer.pk).update(organisation=org)  # the desk moves the customer mid-call
    run_worker_at(clock, call, 720)  # the stored warning (80 % of 15 min) comes due, but is not due any more
    assert call_alerts(call) == []
    warning = Deadline.objects.get(contact=call, kind="call_warning")
    assert warning.fired_at is None and (warning.due_at - call.answered_at).total_seconds() == 1440
    run_worker_at(clock, call, 1440)
    run_worker_at(clock, call, 1800)
    assert call_alerts(call) == [("PO-1", "warning"), ("PO-1", "breach")]


def test_a_longer_wrap_up_still_ends_the_wrap_up(client, admin, call_with_lucia, lucia, clock):
    calls.hang_up(contact_id=call_with_lucia.pk, user=lucia)
    Queue.objects.filter(name="soporte").update(policy={"wrap_up_seconds": 120})  # changed outside the services
    clock.advance(31)
    contact_deadlines.run_due_deadlines(worker="w")
    assert Contact.objects.get(pk=call_with_lucia.pk).state == "wrap_up"  # 120 s now: not over yet
    clock.advance(90)
    contact_deadlines.run_due_deadlines(worker="w")
    assert Contact.objects.get(pk=call_with_lucia.pk).state == "ended"


def test_a_longer_wrap_up_set_through_the_api_moves_the_stored_end(client, admin, call_with_lucia, lucia, clock):
    calls.hang_up(contact_id=call_with_lucia.pk, user=lucia)
    started = clock.now()
    client.put("/api/v1/contacts/queues/soporte", {"tiers": [1, 2], "policy": {"wrap_up_seconds": 120}},
               content_type=JSON, headers=admin)
    end = Deadline.objects.get(contact=call_with_lucia, kind="wrap_up_end", fired_at__isnull=True)
    assert (end.due_at - started).total_seconds() == 120
