"""The caller-block list through the API: supervisors keep it, the generic CTI endpoint obeys it."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from atiende.contact.models import Contact
from atiende.people.models import User
from atiende.privacy.models import AuditEntry
from atiende.telephony.models import BlockedCaller

from .conftest import api_token

pytestmark = pytest.mark.django_db

LIST = "/api/v1/cti/blocked-callers"


@pytest.fixture
def marta(db):
    return User.objects.create_user("marta", role="supervisor")


def auth(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token(user)}"}


def post(client, user, payload):
    return client.post(LIST, json.dumps(payload), content_type="application/json", **auth(user))


def test_a_supervisor_blocks_a_prefix_and_its_calls_are_rejected(client, marta, url, queue, lucia, clock):
    created = post(client, marta, {"pattern": "+34 900 *", "reason": "Llamadas comerciales"})
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["pattern"] == "+34900*" and body["active"] and body["created_by"] == "marta"
    listed = client.get(LIST, **auth(marta)).json()
    assert [row["pattern"] for row in listed] == ["+34900*"]
    call = {"event": "newCall", "from": "0034900123456", "to": "911", "direction": "in", "callId": "b-1"}
    rejected = client.post(url, urlencode(call), content_type="application/x-www-form-urlencoded")
    assert rejected.json() == {"action": "reject", "reason": "busy"}
    assert not Contact.objects.exists()
    entry = AuditEntry.objects.get(action="caller_blocked")
    assert entry.actor_name == "marta" and entry.details["pattern"] == "+34900*"


def test_unblocking_lets_calls_through_and_keeps_the_history(client, marta, url, queue, lucia, clock):
    blocked = post(client, marta, {"pattern": "anonymous"}).json()
    removed = client.delete(f"{LIST}/{blocked['id']}", **auth(marta))
    assert removed.status_code == 200 and removed.json()["active"] is False
    assert client.get(LIST, **auth(marta)).json() == []
    history = client.get(LIST + "?include_unblocked=true", **auth(marta)).json()
    assert [(row["pattern"], row["active"]) for row in history] == [("anonymous", False)]
    call = {"event": "newCall", "from": "anonymous", "to": "911", "direction": "in", "callId": "a-1",
            "queue": "soporte"}
    client.post(url, urlencode(call), content_type="application/x-www-form-urlencoded")
    assert Contact.objects.filter(external_id="a-1").exists()
    assert AuditEntry.objects.filter(action="caller_unblocked", actor_name="marta").exists()
    again = client.delete(f"{LIST}/{blocked['id']}", **auth(marta))
    assert again.status_code == 404 and again.json()["error"]["code"] == "not_blocked"
    # Blocking it again reactivates the same entry.
    assert post(client, marta, {"pattern": "anonymous"}).json()["id"] == blocked["id"]


@pytest.mark.parametrize("pattern", ["hola", "+34*9", "*", "1"])
def test_a_pattern_that_is_no_number_is_a_400_naming_the_field(client, marta, pattern):
    refused = post(client, marta, {"pattern": pattern})
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "invalid_pattern" and error.get("field") == "pattern"
    assert not BlockedCaller.objects.exists()


def test_technicians_and_customers_may_not_keep_the_list(client, lucia):
    customer = User.objects.create_user("cliente", role="cliente")
    for user in (lucia, customer):
        assert client.get(LIST, **auth(user)).status_code == 403
        assert post(client, user, {"pattern": "+34600*"}).status_code == 403
    assert client.get(LIST).status_code == 401
    assert not BlockedCaller.objects.exists()
