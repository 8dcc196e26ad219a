"""Call-back tests share the webhook tests' fake PBX."""

from __future__ import annotations

import json

import pytest

from tests.telephony.webhooks.conftest import webhook_pbx  # noqa: F401

EVENTS = "/api/v1/cti/events"


@pytest.fixture
def native(client, cti_token):
    """Post a native CTI event as the PBX; returns (status, body)."""
    def post(event_id, kind, call_id, **fields):
        answer = client.post(EVENTS, json.dumps({"id": event_id, "type": kind, "call_id": call_id, **fields}),
                             content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {cti_token}")
        return answer.status_code, answer.json()
    return post
