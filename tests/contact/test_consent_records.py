"""HO-3 / TR-3 / ET-2: the consent a hold or transfer relied on is kept as a consent record."""

import pytest

from atiende.contact.services import calls
from atiende.practices import Refusal
from atiende.privacy.models import Consent
from atiende.privacy.services import find_consent

from .conftest import make_technician

pytestmark = pytest.mark.django_db


def test_a_hold_with_consent_leaves_a_spoken_consent_record_for_the_call(call_with_lucia, lucia):
    calls.put_on_hold(contact_id=call_with_lucia.pk, user=lucia, reason="Consulto al fabricante",
                         customer_consent=True, expected_minutes=2)
    consent = Consent.objects.get(scope="hold")
    assert (consent.contact_ref, consent.method, consent.recorded_by) == (
        str(call_with_lucia.pk), "spoken_phone", lucia)
    assert consent.note == "Consulto al fabricante"
    assert find_consent(customer=None, scope="hold", contact_ref=str(call_with_lucia.pk)) == consent


def test_a_refused_hold_records_no_consent(call_with_lucia, lucia):
    with pytest.raises(Refusal):
        calls.put_on_hold(contact_id=call_with_lucia.pk, user=lucia, reason="consultar",
                             customer_consent=False, expected_minutes=2)
    assert not Consent.objects.exists()


def test_a_transfer_request_with_consent_leaves_a_transfer_consent_record(call_with_lucia, lucia):
    camila = make_technician("camila", tier=2)
    calls.request_transfer(contact_id=call_with_lucia.pk, user=lucia, purpose="Lo ve el nivel 2",
                              customer_consent=True, to_technician=camila.pk)
    consent = Consent.objects.get(scope="transfer")
    assert consent.contact_ref == str(call_with_lucia.pk)
    assert consent.note == "Lo ve el nivel 2"
