"""Issue 22, item 3: every policy setting and a queue's tiers have a range; a value past it is a clear 400
naming the setting and its rule, and a value stored before the check never breaks a call."""

from __future__ import annotations

import pytest

from atiende.contact.models import Contact, OrganisationPolicy, Queue
from atiende.contact.services import routing
from atiende.desk.models import Customer, Organisation
from atiende.engine.policies import SETTING_RANGES

from .conftest import bearer, make_technician

pytestmark = pytest.mark.django_db

OUT_OF_RANGE = [1e308, -1e308, 2**63, 10**12]


@pytest.mark.parametrize("setting", sorted(SETTING_RANGES))
def test_every_policy_setting_out_of_range_is_a_400_for_queues_and_organisations(client, clock, setting):
    admin = make_technician("admin", role="administrador", available=False)
    org = Organisation.objects.create(name="Hospital Norte")
    for value in OUT_OF_RANGE:
        for url in ("/api/v1/contacts/queues/ventas", f"/api/v1/contacts/organisations/{org.pk}/policy"):
            body = {"tiers": [1], "policy": {setting: value}} if "queues" in url else {"policy": {setting: value}}
            response = client.put(url, body, content_type="application/json", headers=bearer(admin))
            assert response.status_code in (400, 422), (setting, value, url, response.status_code)
            assert setting in response.json()["error"]["message"] or response.status_code == 422
    assert not Queue.objects.filter(name="ventas").exists()
    assert not OrganisationPolicy.objects.exists()


@pytest.mark.parametrize("tiers", [[2**63], [1, 2**63], [0], [1, 10]])
def test_queue_tiers_out_of_range_are_a_400(client, clock, tiers):
    admin = make_technician("admin", role="administrador", available=False)
    response = client.put("/api/v1/contacts/queues/ventas", {"tiers": tiers}, content_type="application/json",
                          headers=bearer(admin))
    assert response.status_code in (400, 422) and not Queue.objects.filter(name="ventas").exists()


def test_a_bad_value_stored_earlier_never_leaves_a_call_stuck(client, clock, queue):
    lucia = make_technician("lucia")
    org = Organisation.objects.create(name="Hospital Norte")
    customer = Customer.objects.create(name="Dra. Pérez", organisation=org)
    # As the probe left them: written before the ranges were checked.
    Queue.objects.filter(pk=queue.pk).update(policy={"max_call_seconds": 1e308, "max_wait_seconds": 60},
                                             tiers=[1, 2**62])
    OrganisationPolicy.objects.create(organisation=org, policy={"ring_timeout_seconds": 1e308})
    routed = routing.create_contact(queue="soporte", customer_id=customer.pk)
    assert routed.technician == lucia
    answered = client.post(f"/api/v1/contacts/{routed.contact.pk}/answer", headers=bearer(lucia))
    assert answered.status_code == 200, answered.content
    assert Contact.objects.get(pk=routed.contact.pk).state == "talking"
    effective = client.get("/api/v1/contacts/queues", headers=bearer(lucia)).json()
    assert effective  # the list still loads
