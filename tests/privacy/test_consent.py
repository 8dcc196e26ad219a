from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from atiende.errors import InputError
from atiende.practices import Refusal
from atiende.privacy.models import AuditEntry, Consent
from atiende.privacy.services import give_consent, require_consent, withdraw_consent

from .conftest import make_work_order

pytestmark = pytest.mark.django_db


def test_account_access_without_consent_is_refused(customer, work_order):
    with pytest.raises(Refusal) as info:
        require_consent(customer=customer, scope="account_access", work_order=work_order)
    assert info.value.rule == "ET-2"
    assert info.value.status == 409
    assert "consentimiento" in info.value.message("es")
    assert "consent" in info.value.message("en")


def test_hold_and_transfer_without_consent_cite_their_own_rules(customer):
    with pytest.raises(Refusal) as hold:
        require_consent(customer=customer, scope="hold", contact_ref="call-1")
    with pytest.raises(Refusal) as transfer:
        require_consent(customer=customer, scope="transfer", contact_ref="call-1")
    assert (hold.value.rule, transfer.value.rule) == ("HO-3", "TR-3")


def test_recorded_consent_records_who_what_how_and_when(customer, work_order, technician):
    consent = give_consent(customer=customer, scope="account_access", method="spoken_phone",
                           recorded_by=technician, work_order=work_order, contact_ref="call-7",
                           note="Lo autoriza por teléfono")
    found = require_consent(customer=customer, scope="account_access", work_order=work_order)
    assert found == consent
    stored = Consent.objects.get(pk=consent.pk)
    assert (stored.method, stored.recorded_by, stored.contact_ref) == ("spoken_phone", technician, "call-7")
    assert stored.given_at is not None and stored.withdrawn_at is None
    assert AuditEntry.objects.filter(action="consent.given", object_id=str(consent.pk)).exists()


def test_withdrawn_consent_no_longer_counts(customer, work_order, technician):
    consent = give_consent(customer=customer, scope="remote_access", method="written",
                           recorded_by=technician, work_order=work_order)
    withdraw_consent(consent=consent, by=technician)
    with pytest.raises(Refusal):
        require_consent(customer=customer, scope="remote_access", work_order=work_order)
    assert AuditEntry.objects.filter(action="consent.withdrawn").count() == 1
    with pytest.raises(InputError) as again:
        withdraw_consent(consent=consent, by=technician)
    assert again.value.status == 409


def test_account_consent_for_one_work_order_does_not_open_another(customer, work_order, technician, team):
    give_consent(customer=customer, scope="account_access", method="in_person", recorded_by=technician,
                 work_order=work_order)
    other = make_work_order(customer, technician, team)
    with pytest.raises(Refusal):
        require_consent(customer=customer, scope="account_access", work_order=other)


def test_account_consent_does_not_cover_the_administrator_account(customer, work_order, technician):
    give_consent(customer=customer, scope="account_access", method="written", recorded_by=technician,
                 work_order=work_order)
    with pytest.raises(Refusal) as info:
        require_consent(customer=customer, scope="admin_account_access", work_order=work_order)
    assert info.value.rule == "ET-2"


def test_general_hold_consent_counts_within_a_contact(customer, technician):
    give_consent(customer=customer, scope="hold", method="spoken_phone", recorded_by=technician)
    assert require_consent(customer=customer, scope="hold", contact_ref="call-2")


def test_consent_given_later_does_not_cover_the_past(customer, technician):
    now = timezone.now()
    give_consent(customer=customer, scope="recording", method="portal", recorded_by=technician, given_at=now)
    with pytest.raises(Refusal):
        require_consent(customer=customer, scope="recording", at=now - timedelta(minutes=1))


def test_unknown_scope_or_method_is_a_clear_input_error(customer, technician):
    with pytest.raises(InputError) as scope:
        give_consent(customer=customer, scope="everything", method="written", recorded_by=technician)
    with pytest.raises(InputError) as method:
        give_consent(customer=customer, scope="hold", method="telepathy", recorded_by=technician)
    assert (scope.value.field, method.value.field) == ("scope", "method")


def test_consent_must_come_from_the_work_orders_customer(work_order, technician):
    from atiende.desk.models import Customer

    stranger = Customer.objects.create(name="Otra Persona")
    with pytest.raises(InputError) as info:
        give_consent(customer=stranger, scope="account_access", method="written", recorded_by=technician,
                     work_order=work_order)
    assert info.value.rule == "ET-2"


def test_unidentified_caller_consents_within_the_contact(technician):
    from atiende.desk.models import Customer

    give_consent(customer=None, scope="hold", method="spoken_phone", recorded_by=technician, contact_ref="call-42")
    assert require_consent(customer=None, scope="hold", contact_ref="call-42")
    with pytest.raises(Refusal) as other_call:
        require_consent(customer=None, scope="hold", contact_ref="call-43")
    assert other_call.value.rule == "HO-3"
    # Identified later in the same call: the consent given in it counts for them.
    identified = Customer.objects.create(name="Rosa Gil")
    assert require_consent(customer=identified, scope="hold", contact_ref="call-42")
    with pytest.raises(Refusal):
        require_consent(customer=identified, scope="hold", contact_ref="call-44")


def test_consent_must_say_whose_it_is(technician):
    with pytest.raises(InputError) as info:
        give_consent(customer=None, scope="hold", method="spoken_phone", recorded_by=technician)
    assert info.value.code == "consent_needs_subject"
