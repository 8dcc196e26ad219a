"""An incoming call finds its customer by one indexed lookup on the normalised number (issue: CTI hot path).

``ContactPoint.number`` holds the phone as the telephony compares it; it is
kept in step wherever a contact point is written, and filled for old rows by
the migration.
"""

import importlib

import pytest
from django.apps import apps

from atiende.contact import selectors
from atiende.desk.models import ContactPoint, Customer
from atiende.desk.services.customers import add_contact_point, create_customer, update_customer
from atiende.people.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return User.objects.create_user("ana", role="administrador")


def test_a_phone_keeps_its_number_as_the_telephony_compares_it_and_an_email_none(db):
    customer = Customer.objects.create(name="Dra. Pérez")
    phone = ContactPoint.objects.create(customer=customer, kind="telefono", value="0034 (600) 11-22.33")
    email = ContactPoint.objects.create(customer=customer, kind="email", value="perez@example.org")
    assert phone.number == "+34600112233"
    assert ContactPoint.objects.get(pk=email.pk).number == ""
    phone.value = "+34 911 00 00 00"
    phone.save(update_fields=["value"])
    assert ContactPoint.objects.get(pk=phone.pk).number == "+34911000000"


def test_customers_created_and_edited_through_the_desk_get_their_numbers(staff):
    customer = create_customer(actor=staff, name="Dra. Pérez", contact_points=[
        ("telefono", "+34 600 11 22 33"), ("email", "perez@example.org")])
    assert selectors.customer_for_caller("0034600112233") == customer.pk
    update_customer(actor=staff, customer=customer, contact_points=[("movil", "611 22 33 44")])
    assert selectors.customer_for_caller("+34600112233") is None  # the old phone is gone
    assert selectors.customer_for_caller("611223344") == customer.pk
    add_contact_point(actor=staff, customer=customer, kind="telefono", value="+34 922-00-00-00")
    assert selectors.customer_for_caller("+34922000000") == customer.pk


def test_finding_the_caller_is_one_query(db, django_assert_num_queries):
    customer = Customer.objects.create(name="Dra. Pérez")
    ContactPoint.objects.create(customer=customer, kind="telefono", value="+34 600 11-22 33")
    with django_assert_num_queries(1) as captured:
        assert selectors.customer_for_caller("0034600112233") == customer.pk
    sql = captured.captured_queries[0]["sql"]
    assert "REPLACE" not in sql.upper() and '"number"' in sql


def test_two_customers_sharing_the_number_leave_the_call_unlinked(db):
    for name in ("Centralita A", "Centralita B"):
        ContactPoint.objects.create(customer=Customer.objects.create(name=name), kind="telefono",
                                    value="+34 910 00 00 00")
    assert selectors.customer_for_caller("+34910000000") is None


def test_national_and_international_forms_match_when_the_country_prefix_is_set(db, settings):
    national = Customer.objects.create(name="Guardado sin prefijo")
    ContactPoint.objects.create(customer=national, kind="movil", value="600 11 22 33")
    international = Customer.objects.create(name="Guardado con prefijo")
    ContactPoint.objects.create(customer=international, kind="telefono", value="+34 911 00 00 00")
    settings.ATIENDE_PHONE_COUNTRY_PREFIX = None
    assert selectors.customer_for_caller("+34600112233") is None  # without the setting, not the same number
    settings.ATIENDE_PHONE_COUNTRY_PREFIX = "+34"
    assert selectors.customer_for_caller("+34600112233") == national.pk
    assert selectors.customer_for_caller("0034600112233") == national.pk
    assert selectors.customer_for_caller("911000000") == international.pk
    assert selectors.customer_for_caller("+33600112233") is None  # another country's number is not ours


def test_the_migration_fills_the_number_of_existing_phones(db):
    customer = Customer.objects.create(name="Dra. Pérez")
    phone = ContactPoint.objects.create(customer=customer, kind="telefono", value="+34 600 11-22 33")
    email = ContactPoint.objects.create(customer=customer, kind="email", value="perez@example.org")
    ContactPoint.objects.update(number="")  # as rows were before the column existed
    migration = importlib.import_module("atiende.desk.migrations.0002_contactpoint_number")
    migration.fill_numbers(apps, None)
    assert ContactPoint.objects.get(pk=phone.pk).number == "+34600112233"
    assert ContactPoint.objects.get(pk=email.pk).number == ""
    assert selectors.customer_for_caller("0034600112233") == customer.pk


def test_one_customer_with_the_number_twice_is_still_found(db):
    customer = Customer.objects.create(name="Dra. Pérez")
    ContactPoint.objects.create(customer=customer, kind="telefono", value="+34 600 11 22 33")
    ContactPoint.objects.create(customer=customer, kind="movil", value="0034600112233", preferred=True)
    assert selectors.customer_for_caller("+34600112233") == customer.pk
