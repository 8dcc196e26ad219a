"""A telephony token sends call events and nothing else; event ids belong to the integration that sent them
(issue 22, item 14). Both failed before: a CTI token minted a general API token (201), and a second
integration's event with the first one's id got the first one's stored answer, naming its call."""

from __future__ import annotations

import json

import pytest

from atiende.contact.models import Contact
from atiende.people.models import ApiToken
from atiende.telephony.models import CtiEvent
from atiende.telephony.services import issue_cti_token

from .conftest import api_token

pytestmark = pytest.mark.django_db
EVENTS = "/api/v1/cti/events"


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def event(client, token: str, **fields):
    return client.post(EVENTS, json.dumps(fields), content_type="application/json", **bearer(token))


def test_a_telephony_token_cannot_mint_an_api_token(client, cti_token):
    before = ApiToken.objects.count()
    minted = client.post("/api/v1/people/tokens", json.dumps({"name": "escape"}), content_type="application/json",
                         **bearer(cti_token))
    assert minted.status_code == 403
    assert minted.json()["error"]["code"] == "telephony_token" and minted.json()["error"]["rule"] == "CH-TEL"
    assert ApiToken.objects.count() == before


def test_an_administrators_telephony_token_reaches_no_other_endpoint(client, django_user_model):
    admin = django_user_model.objects.create_user("centralita", role="administrador")
    _token, raw = ApiToken.issue(admin, kind="cti")
    for method, path in (("get", "/api/v1/people/me"), ("get", "/api/v1/people/tokens"),
                         ("get", "/api/v1/cti/blocked-callers")):
        answer = getattr(client, method)(path, **bearer(raw))
        assert answer.status_code == 403, (path, answer.status_code)
        assert answer.json()["error"]["code"] == "telephony_token"
    # ...and still sends call events, as does an administrator's API token.
    assert event(client, raw, id="x", type="hangup", call_id="none").status_code == 404
    assert event(client, api_token(admin), id="y", type="hangup", call_id="none").status_code == 404


def test_event_ids_belong_to_their_integration(client, cti_token, queue, lucia, jorge, clock):
    other = issue_cti_token(name="sucursal")
    first = event(client, cti_token, id="ev-1", type="new_call", call_id="centralita-1", **{"from": "+34600000001"})
    assert first.status_code == 200 and first.json()["call_id"] == "centralita-1"
    # The other integration numbers its events from 1 as well: its ev-1 is its own event.
    second = event(client, other, id="ev-1", type="new_call", call_id="sucursal-1", **{"from": "+34600000002"})
    assert second.status_code == 200
    assert second.json()["call_id"] == "sucursal-1" and second.json()["contact"] != first.json()["contact"]
    assert set(Contact.objects.values_list("external_id", flat=True)) == {"centralita-1", "sucursal-1"}
    # Each one's repeat still gets its own stored answer.
    assert event(client, cti_token, id="ev-1", type="new_call", call_id="whatever").json() == first.json()
    assert event(client, other, id="ev-1", type="new_call", call_id="whatever").json() == second.json()
    assert CtiEvent.objects.filter(event_id="ev-1").count() == 2
