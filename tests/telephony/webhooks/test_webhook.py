"""The outgoing webhook tells the telephony side what Atiende decided, signed with HMAC."""

from __future__ import annotations

import json

import pytest

from atiende.contact.services import calls, routing
from atiende.telephony import webhooks

pytestmark = pytest.mark.django_db


def test_ring_decision_is_sent_signed_to_the_pbx(webhook_pbx, queue, lucia, django_capture_on_commit_callbacks):
    lucia.extension = "201"
    lucia.save()
    with django_capture_on_commit_callbacks(execute=True):
        routing.create_contact(queue="soporte", external_id="call-9")
    webhooks.deliver_due(worker="test")
    headers, body = webhook_pbx.received[0]
    decision = json.loads(body)
    assert decision["action"] == "ring" and decision["call_id"] == "call-9"
    assert decision["technician"]["extension"] == "201"
    expected = webhooks.sign(body, "s3cr3t", headers["X-Atiende-Timestamp"])
    assert headers["X-Atiende-Signature"] == expected
    assert webhooks.sign(body, "wrong", headers["X-Atiende-Timestamp"]) != expected


def test_hold_and_hangup_decisions_follow(webhook_pbx, call_with_lucia, lucia, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        calls.put_on_hold(contact_id=call_with_lucia.pk, user=lucia, reason="r", customer_consent=True,
                             expected_minutes=1)
        calls.hang_up(contact_id=call_with_lucia.pk)
    webhooks.deliver_due(worker="test")
    actions = webhook_pbx.actions
    assert actions == ["ring", "hold", "hangup"]  # the ring of the fixture's call is stored too, first
