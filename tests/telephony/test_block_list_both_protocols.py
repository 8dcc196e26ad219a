"""One block-list check for both CTI protocols (issue 22, item 16): the native ``POST /api/v1/cti/events`` rejects
a blocked caller as the generic endpoint does, and a number written without ``+`` (or nationally) is the same
caller as the blocked one. Each test failed before: the native endpoint queued and rang blocked callers, and the
generic one let ``34600111222`` through a block on ``+34600111222``."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from atiende.contact.models import Contact
from atiende.telephony.models import CtiEvent
from atiende.telephony.services import block_caller

pytestmark = pytest.mark.django_db
EVENTS = "/api/v1/cti/events"


@pytest.fixture
def native(cti_token):
    def post(client, event):
        return client.post(EVENTS, json.dumps(event), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {cti_token}")
    return post


def generic(client, url, **fields):
    return client.post(url, urlencode({"direction": "in", "to": "900100200", **fields}),
                       content_type="application/x-www-form-urlencoded")


def test_the_native_endpoint_rejects_a_blocked_caller_and_rings_nobody(client, native, queue, lucia, clock):
    block_caller(pattern="+34 600 111 222", reason="Llamadas comerciales")
    answer = native(client, {"id": "n-1", "type": "new_call", "call_id": "n", "from": "+34600111222"})
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["action"] == "reject" and body["blocked"] == "+34600111222"
    assert body["reason"] == "Llamadas comerciales" and body["contact"] is None and body["technician"] is None
    assert not Contact.objects.exists()
    lucia.desk_state.refresh_from_db()
    assert lucia.desk_state.status == "disponible"  # nobody was rung
    # The PBX still reports the hang-up: nothing to do, no 404.
    ended = native(client, {"id": "n-2", "type": "hangup", "call_id": "n"})
    assert ended.status_code == 200 and ended.json()["action"] == "none"
    # A repeat of the new_call gets the stored answer.
    again = native(client, {"id": "n-1", "type": "new_call", "call_id": "n", "from": "+34600111222"})
    assert again.json() == body and CtiEvent.objects.filter(event_id="n-1").count() == 1


@pytest.mark.parametrize("written", ["34600111222", "600 111 222", "0034 600-111-222"])
def test_the_native_endpoint_knows_the_caller_however_the_pbx_writes_the_number(client, native, queue, lucia,
                                                                                  clock, written):
    block_caller(pattern="+34600111222")
    answer = native(client, {"id": "w-1", "type": "new_call", "call_id": "w", "from": written})
    assert answer.json()["action"] == "reject"


@pytest.mark.parametrize("written", ["34600111222", "600111222"])
def test_the_generic_endpoint_rejects_the_number_written_without_plus(client, url, queue, lucia, clock, written):
    block_caller(pattern="+34600111222")
    reply = generic(client, url, event="newCall", callId="g-1", **{"from": written})
    assert reply.json() == {"action": "reject", "reason": "busy"}
    assert not Contact.objects.exists()


def test_a_national_prefix_blocks_callers_in_international_form(client, url, queue, lucia, clock):
    block_caller(pattern="900*")
    reply = generic(client, url, event="newCall", callId="p-1", **{"from": "+34 900 123 456"})
    assert reply.json() == {"action": "reject", "reason": "busy"}


def test_an_outbound_call_to_a_blocked_number_is_not_rejected(client, native, queue, lucia, clock):
    block_caller(pattern="+34600111222")
    answer = native(client, {"id": "o-1", "type": "new_call", "call_id": "o", "direction": "outbound",
                             "from": "201", "to": "+34600111222"})
    assert answer.status_code == 200 and answer.json()["action"] != "reject"

