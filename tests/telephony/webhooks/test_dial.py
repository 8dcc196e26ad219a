"""The dial request (atiende.telephony.dial): what the PBX receives, once, signed, and what it refuses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction

from atiende.contact.models import Contact
from atiende.contact.services import routing
from atiende.errors import InputError
from atiende.telephony import dial, webhooks
from atiende.telephony.models import WebhookDelivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(queue, clock, lucia):
    return routing.create_contact(queue="soporte", direction="outbound", route=False).contact


def test_a_dial_reaches_the_pbx_signed_with_the_number_window_and_technician(
        webhook_pbx, waiting, lucia, clock, django_capture_on_commit_callbacks):
    lucia.extension = "201"
    lucia.save()
    window_end = clock.now() + timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        request = dial.request_dial(waiting, number="600 111 222", technician=lucia, purpose="callback",
                                    not_after=window_end)
    webhooks.deliver_due(worker="test")
    headers, body = webhook_pbx.received[0]
    sent = webhook_pbx.decisions[0]
    assert sent == request.native()
    assert sent["action"] == "dial" and sent["number"] == "+34600111222" and sent["purpose"] == "callback"
    assert sent["technician"]["extension"] == "201" and sent["attempt"] == 1 and sent["rule"] == "PT-2"
    assert sent["not_after"] == window_end.isoformat()
    assert sent["zammad"] == {"action": "dial", "number": "34600111222", "caller_id": ""}
    assert headers["X-Atiende-Signature"] == webhooks.sign(body, "s3cr3t", headers["X-Atiende-Timestamp"])
    # The PBX reports the outbound call's events with the call id it was given.
    assert Contact.objects.get(pk=waiting.pk).external_id == sent["call_id"] == f"atiende-dial-{waiting.pk}-1"


def test_a_second_dial_of_the_same_contact_gets_its_own_call_id(webhook_pbx, waiting, lucia, clock):
    lucia.extension = "201"
    lucia.save()
    first = dial.request_dial(waiting, number="+34600111222", technician=lucia, purpose="campaign")
    second = dial.request_dial(waiting, number="+34600111222", technician=lucia, purpose="campaign", attempt=2)
    assert (first.call_id, second.call_id) == (f"atiende-dial-{waiting.pk}-1", f"atiende-dial-{waiting.pk}-2")
    assert second.rule == "CH-PRO" and second.native()["attempt"] == 2
    assert WebhookDelivery.objects.filter(action="dial").count() == 2


def test_a_rolled_back_assignment_sends_no_dial(webhook_pbx, waiting, lucia, clock):
    lucia.extension = "201"
    lucia.save()
    with pytest.raises(RuntimeError), transaction.atomic():
        dial.request_dial(waiting, number="+34600111222", technician=lucia, purpose="callback")
        raise RuntimeError("the assignment failed")
    assert not WebhookDelivery.objects.exists()
    assert Contact.objects.get(pk=waiting.pk).external_id is None


@pytest.mark.parametrize(("fields", "code", "rule"), [
    ({"number": "llámame"}, "dial_number_invalid", "PT-2"),
    ({"number": "  "}, "dial_number_required", "PT-2"),
    ({"number": "201"}, "dial_number_invalid", "PT-2"),
    ({"attempt": 0}, "dial_attempt_invalid", "PT-2"),
    ({"not_after_minutes": -1}, "dial_window_closed", "PT-2"),
    ({"extension": ""}, "dial_needs_extension", "CH-TEL"),
])
def test_bad_dial_requests_are_refused_naming_the_rule_and_change_nothing(
        webhook_pbx, waiting, lucia, clock, fields, code, rule):
    lucia.extension = fields.pop("extension", "201")
    lucia.save()
    minutes = fields.pop("not_after_minutes", None)
    kwargs = {"number": "+34600111222", "technician": lucia, "purpose": "callback", **fields}
    if minutes is not None:
        kwargs["not_after"] = clock.now() + timedelta(minutes=minutes)
    with pytest.raises(InputError) as refused:
        dial.request_dial(waiting, **kwargs)
    assert (refused.value.code, refused.value.rule) == (code, rule)
    assert not WebhookDelivery.objects.exists()
    assert Contact.objects.get(pk=waiting.pk).external_id is None
