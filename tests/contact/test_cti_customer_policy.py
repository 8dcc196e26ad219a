"""A call from a known customer's phone gets their organisation's policy (issue 3, item 4; PO-1, PO-2).

The PBX only knows the number: when it matches exactly one customer's phone
(written any way the desk accepts it), the contact is linked to that customer.
"""

import json

import pytest

from atiende.contact import selectors
from atiende.contact.models import Contact, Deadline
from atiende.desk.models import ContactPoint, Customer, Organisation

from .conftest import bearer, make_technician

pytestmark = pytest.mark.django_db
JSON = "application/json"



@pytest.fixture
def admin(db, clock):
    return make_technician("admin", role="administrador", available=False)


@pytest.fixture
def hospital(client, admin, queue):
    """Hospital Norte's calls may wait one minute only (PO-2) and last 30 minutes (PO-1)."""
    org = Organisation.objects.create(name="Hospital Norte")
    response = client.put(f"/api/v1/contacts/organisations/{org.pk}/policy",
                          {"policy": {"max_wait_seconds": 60, "max_call_seconds": 1800}},
                          content_type=JSON, headers=bearer(admin))
    assert response.status_code == 200
    customer = Customer.objects.create(name="Dra. Pérez", organisation=org)
    ContactPoint.objects.create(customer=customer, kind="telefono", value="+34 600 11-22 33")
    return customer


def wait_limit(contact_id):
    breach = Deadline.objects.get(contact_id=contact_id, kind="wait_breach")
    return (breach.due_at - Contact.objects.get(pk=contact_id).created_at).total_seconds()


def cti(client, admin, **event):
    return client.post("/api/v1/cti/events", event, content_type=JSON, headers=bearer(admin, kind="cti"))


def test_cti_call_from_the_customers_phone_waits_by_the_organisations_policy(client, admin, hospital, clock):
    response = cti(client, admin, id="1", type="new_call", call_id="c1", queue="soporte",
                   **{"from": "0034600112233"}, to="900100")
    assert response.status_code == 200 and response.json()["action"] == "queue"
    contact = Contact.objects.get(external_id="c1")
    assert contact.customer_id == hospital.pk
    assert wait_limit(contact.pk) == 60  # Hospital Norte's one minute, not the default three


def test_cti_call_from_an_unknown_number_keeps_the_default_policy(client, admin, hospital, clock):
    cti(client, admin, id="1", type="new_call", call_id="c1", queue="soporte", **{"from": "+34911000000"})
    contact = Contact.objects.get(external_id="c1")
    assert contact.customer_id is None and wait_limit(contact.pk) == 180


def test_a_number_two_customers_share_is_not_guessed(client, admin, hospital, clock):
    other = Customer.objects.create(name="Recepción")
    ContactPoint.objects.create(customer=other, kind="movil", value="+34600112233")
    cti(client, admin, id="1", type="new_call", call_id="c1", queue="soporte", **{"from": "+34600112233"})
    assert Contact.objects.get(external_id="c1").customer_id is None


def test_the_answered_call_gets_the_organisations_maximum_call(client, admin, hospital, lucia, clock):
    cti(client, admin, id="1", type="new_call", call_id="c1", queue="soporte", **{"from": "+34600112233"})
    cti(client, admin, id="2", type="answered", call_id="c1", technician="lucia")
    contact = Contact.objects.get(external_id="c1")
    breach = Deadline.objects.get(contact=contact, kind="call_breach")
    assert (breach.due_at - contact.answered_at).total_seconds() == 1800


def test_generic_cti_newcall_from_the_customers_phone_gets_the_organisations_policy(client, hospital, clock):
    from atiende.telephony.services import issue_cti_token

    url = f"/api/v1/cti/generic/{issue_cti_token(name='centralita')}"
    response = client.post(url, json.dumps({"event": "newCall", "from": "+34 600 112 233", "to": "900100",
                                            "direction": "in", "callId": "g-1", "queue": "soporte"}),
                           content_type=JSON)
    assert response.status_code == 200, response.content
    contact = Contact.objects.get(external_id="g-1")
    assert contact.customer_id == hospital.pk and wait_limit(contact.pk) == 60


def test_customer_lookup_ignores_short_and_anonymous_numbers(hospital):
    assert selectors.customer_for_caller("anonymous") is None
    assert selectors.customer_for_caller("201") is None
    assert selectors.customer_for_caller("+34 (600) 11.22.33") == hospital.pk
