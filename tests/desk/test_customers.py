"""Customer records: contact points, form of address, change history, traits, deletion."""

from __future__ import annotations

import json

import pytest

from atiende.desk.models import Customer, CustomerEvent, Organisation
from atiende.desk.services.customers import create_customer, delete_customer, update_customer
from atiende.desk.services.traits import record_trait_observation
from atiende.errors import InputError
from tests.desk.conftest import bearer

pytestmark = pytest.mark.django_db


def test_the_greeting_uses_the_form_of_address(customer):
    assert customer.greeting_name == "Doña Carmen Ruiz"


def test_an_organisation_named_again_is_reused_whatever_the_case(tech):
    first = create_customer(actor=tech, name="Ana", organisation="Colegio San Martín")
    second = create_customer(actor=tech, name="Luis", organisation="colegio san martín")
    assert first.organisation == second.organisation
    assert Organisation.objects.count() == 1


def test_changes_to_a_customer_are_kept_in_its_history(tech, customer):
    update_customer(actor=tech, customer=customer, knowledge_level="intermedio", country="mx",
                    contact_points=[("email", "carmen@nuevo.es")])
    event = CustomerEvent.objects.filter(customer=customer).last()
    assert event.kind == "changed" and event.actor == tech
    assert event.changes["knowledge_level"] == ["", "intermedio"]
    assert event.changes["country"] == ["ES", "MX"]
    assert event.changes["contact_points"][1] == ["email:carmen@nuevo.es"]


def test_an_update_that_changes_nothing_leaves_no_history(tech, customer):
    before = CustomerEvent.objects.count()
    update_customer(actor=tech, customer=customer, name="Carmen Ruiz", country="ES")
    assert CustomerEvent.objects.count() == before


def test_contact_points_are_added_and_removed_through_the_api(client, tech, customer):
    headers = bearer(tech)
    added = client.post(f"/api/v1/customers/{customer.pk}/contact-points",
                        json.dumps({"kind": "movil", "value": "+34 600 111 222", "preferred": True}),
                        content_type="application/json", headers=headers)
    assert added.status_code == 201
    duplicate = client.post(f"/api/v1/customers/{customer.pk}/contact-points",
                            json.dumps({"kind": "movil", "value": "+34 600 111 222"}),
                            content_type="application/json", headers=headers)
    assert duplicate.status_code == 409
    record = client.get(f"/api/v1/customers/{customer.pk}", headers=headers).json()
    assert [p["value"] for p in record["contact_points"] if p["preferred"]] == ["+34 600 111 222"]
    removed = client.delete(f"/api/v1/customers/{customer.pk}/contact-points/{added.json()['id']}", headers=headers)
    assert removed.status_code == 204
    assert "+34 600 111 222" not in [p["value"] for p in
                                     client.get(f"/api/v1/customers/{customer.pk}", headers=headers).json()
                                     ["contact_points"]]


def test_a_customer_with_work_orders_is_not_deleted(admin, customer, work_order):
    with pytest.raises(InputError) as exc:
        delete_customer(actor=admin, customer=customer)
    assert exc.value.code == "customer_has_work_orders" and exc.value.status == 409


def test_an_administrator_deletes_a_customer_without_work_orders(client, admin, tech):
    lone = create_customer(actor=tech, name="Sin solicitudes")
    assert client.delete(f"/api/v1/customers/{lone.pk}", headers=bearer(admin)).status_code == 204
    assert not Customer.objects.filter(pk=lone.pk).exists()


def test_trait_observations_form_the_customers_trait_history(client, tech, customer, work_order):
    record_trait_observation(customer=customer, trait="CT-ENF", score=0.9, work_order=work_order,
                             evidence=["¡ES LA TERCERA VEZ QUE LLAMO!"])
    traits = client.get(f"/api/v1/customers/{customer.pk}/traits", headers=bearer(tech)).json()
    assert traits[0]["trait"] == "CT-ENF" and traits[0]["work_order"] == work_order.number
    assert traits[0]["evidence"] == ["¡ES LA TERCERA VEZ QUE LLAMO!"]


@pytest.mark.parametrize("trait,score", [("CT-XXX", 0.5), ("CT-ENF", 1.5), ("CT-ENF", -0.1), ("CT-ENF", True)])
def test_a_bad_trait_observation_is_refused(customer, trait, score):
    with pytest.raises(InputError):
        record_trait_observation(customer=customer, trait=trait, score=score)


def test_linking_a_portal_account_is_for_administrators(tech, admin):
    from atiende.people.models import User

    account = User.objects.create_user("portal1", password="x-very-long-pass", role="cliente")
    with pytest.raises(InputError) as exc:
        create_customer(actor=tech, name="Portal", user=account)
    assert exc.value.status == 403
    linked = create_customer(actor=admin, name="Portal", user=account)
    with pytest.raises(InputError) as exc:
        create_customer(actor=admin, name="Otra", user=account)
    assert exc.value.code == "account_taken" and linked.user == account
