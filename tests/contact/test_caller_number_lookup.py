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


def test_national_and_international_forms_match_in_the_desks_region(db, settings):
    """Issue 22, item 16: the default region (ES) makes «600 11 22 33» and «+34600112233» one number; this
    failed before (without ATIENDE_PHONE_COUNTRY_PREFIX a national number found no one)."""
    national = Customer.objects.create(name="Guardado sin prefijo")
    ContactPoint.objects.create(customer=national, kind="movil", value="600 11 22 33")
    international = Customer.objects.create(name="Guardado con prefijo")
    ContactPoint.objects.create(customer=international, kind="telefono", value="+34 911 00 00 00")
    assert settings.ATIENDE_DEFAULT_REGION == "ES"
    assert selectors.customer_for_caller("+34600112233") == national.pk
    assert selectors.customer_for_caller("0034600112233") == national.pk
    assert selectors.customer_for_caller("34600112233") == national.pk  # international, written without +
    assert selectors.customer_for_caller("911000000") == international.pk
    assert selectors.customer_for_caller("+33600112233") is None  # another country's number is not ours


def test_without_a_region_only_international_forms_match(db, settings):
    settings.ATIENDE_DEFAULT_REGION = ""
    national = Customer.objects.create(name="Guardado sin prefijo")
    ContactPoint.objects.create(customer=national, kind="movil", value="600 11 22 33")
    assert selectors.customer_for_caller("+34600112233") is None
    assert selectors.customer_for_caller("600112233") == national.pk


@pytest.mark.parametrize(("region", "stored", "calling"), [
    ("AR", "+54 9 11 1234-5678", "+54 11 1234 5678"),  # the PBX drops the mobile 9
    ("AR", "011 15 1234-5678", "+5491112345678"),  # the agent wrote it nationally, with 0 and 15
    ("AR", "+54 11 1234 5678", "011 15 1234-5678"),
    ("MX", "55 1234 5678", "+52 1 55 1234 5678"),  # the old mobile 1
    ("MX", "+52 1 55 1234 5678", "5512345678"),
    ("MX", "044 55 1234 5678", "+525512345678"),  # the retired mobile prefix
])
def test_latin_american_variants_find_the_same_customer(db, settings, region, stored, calling):
    """Issue 22, item 16: failed before (the hand-written normaliser kept every digit)."""
    settings.ATIENDE_DEFAULT_REGION = region
    customer = Customer.objects.create(name="Cliente")
    ContactPoint.objects.create(customer=customer, kind="movil", value=stored)
    assert selectors.customer_for_caller(calling) == customer.pk


def test_the_migration_fills_the_number_of_existing_phones(db):
    customer = Customer.objects.create(name="Dra. Pérez")
    phone = ContactPoint.objects.create(customer=customer, kind="telefono", value="+34 600 11-22 33")
    email = ContactPoint.objects.create(customer=customer, kind="email", value="perez@example.org")
    ContactPoint.objects.update(number="")  # as rows were before the column existed
    migration = importlib.import_module("atiende.desk.migrations.0002_contactpoint_number")
    migration.fill_numbers(apps, None)
    assert ContactPoint.objects.get(pk=phone.pk).number == "+34600112233"
    ContactPoint.objects.filter(pk=phone.pk).update(number="34600112233")  # keyed some older way
    importlib.import_module("atiende.desk.migrations.0006_contactpoint_number_by_region").rekey_numbers(apps, None)
    assert ContactPoint.objects.get(pk=phone.pk).number == "+34600112233"
    assert ContactPoint.objects.get(pk=email.pk).number == ""
    assert selectors.customer_for_caller("0034600112233") == customer.pk


def test_one_customer_with_the_number_twice_is_still_found(db):
    customer = Customer.objects.create(name="Dra. Pérez")
    ContactPoint.objects.create(customer=customer, kind="telefono", value="+34 600 11 22 33")
    ContactPoint.objects.create(customer=customer, kind="movil", value="0034600112233", preferred=True)
    assert selectors.customer_for_caller("+34600112233") == customer.pk
