"""The CTI event endpoint's own way through the ASGI server (atiende/api/cti_lean.py): the same answers, status,
body and headers, as the whole stack gives; everything it does not take goes the whole way (issue 25)."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.testing import ApplicationCommunicator
from django.core import signals
from django.db import close_old_connections

from atiende.api import cti_lean
from atiende.people.models import ApiToken
from atiende.telephony.models import CtiEvent
from tests.web._asgi import answer

from .conftest import api_token

EVENTS = cti_lean.PATH


def _scope(raw: str | None, *, content_type: bytes = b"application/json", language: bytes = b"es",
           query: bytes = b"", authorization: bytes = b"") -> dict:
    headers = [(b"host", b"testserver"), (b"content-type", content_type), (b"accept-language", language)]
    if raw is not None or authorization:
        headers.append((b"authorization", authorization or f"Bearer {raw}".encode()))
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
            "path": EVENTS, "raw_path": EVENTS.encode(), "query_string": query, "root_path": "",
            "headers": headers, "client": ("127.0.0.1", 5000), "server": ("testserver", 80)}


def _lean(raw: str | None, body: dict | bytes, **scope: object):
    """The lean way's answer in the test's thread. As Django's test client does, the request's signals do not
    close the test's connection meanwhile (on PostgreSQL's pool, that would end the test's transaction)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        return cti_lean.Handler().answer(_scope(raw, **scope), data)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _whole(client, raw: str, body: dict, language: str = "es"):
    return client.post(EVENTS, json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}",
                       HTTP_ACCEPT_LANGUAGE=language)


def _call(call_id: str, technician: str = "201") -> list[dict]:
    return [{"id": f"{call_id}-1", "type": "new_call", "call_id": call_id, "from": "+34600000001", "queue": "soporte"},
            {"id": f"{call_id}-2", "type": "answered", "call_id": call_id, "technician": technician},
            {"id": f"{call_id}-3", "type": "hold", "call_id": call_id, "reason": "Consulto", "customer_consent": True,
             "expected_minutes": 2},
            {"id": f"{call_id}-4", "type": "resumed", "call_id": call_id},
            {"id": f"{call_id}-5", "type": "hangup", "call_id": call_id}]


def _shape(body: dict) -> dict:
    """An answer with what differs from one call to the next (ids, the call's number, who has it) left out."""
    shape = {k: v for k, v in body.items() if k not in ("id", "call_id", "contact", "technician")}
    return dict(shape, technician=sorted(body.get("technician") or {}))


@pytest.mark.django_db
def test_a_whole_call_answers_as_the_whole_way_does(client, cti_token, queue, lucia, jorge, clock):
    for lean_event, whole_event in zip(_call("lean-1", "201"), _call("whole-1", "202"), strict=True):
        lean = _lean(cti_token, lean_event)
        whole = _whole(client, cti_token, whole_event)
        assert lean is not None, lean_event["type"]
        assert lean.status_code == whole.status_code == 200
        assert _shape(json.loads(lean.content)) == _shape(whole.json())
        assert json.loads(lean.content)["call_id"] == "lean-1"
        # The same headers (security, CSP, language, type), and a length and a request id of its own.
        mine = {"Content-Length", "X-Request-ID"}
        assert set(lean.headers) == set(whole.headers) and mine <= set(lean.headers)
        assert {h: v for h, v in lean.items() if h not in mine} == {h: v for h, v in whole.items() if h not in mine}
        assert lean["Content-Length"] == str(len(lean.content))
        assert lean["Content-Language"] == "es" and lean["Vary"] == "Accept-Language"
    assert CtiEvent.objects.filter(event_id__startswith="lean-1-", status=200).count() == 5


@pytest.mark.django_db
def test_a_refusal_and_a_repeat_answer_as_the_whole_way_does(client, cti_token, queue, clock):
    refused = {"id": "r-1", "type": "hold", "call_id": "no-such-call", "reason": "x"}
    whole = _whole(client, cti_token, dict(refused, id="r-2"), language="en")
    lean = _lean(cti_token, refused, language=b"en")
    assert lean.status_code == whole.status_code == 404
    assert json.loads(lean.content)["error"] == whole.json()["error"]  # code, rule, and the message in English
    # A repeat of the id gets the stored answer, status included, and changes nothing.
    again = _lean(cti_token, refused, language=b"en")
    assert (again.status_code, json.loads(again.content)) == (404, json.loads(lean.content))
    assert CtiEvent.objects.filter(event_id="r-1").count() == 1


@pytest.mark.django_db
def test_an_administrators_api_token_sends_events_the_lean_way(django_user_model, queue, clock):
    admin = django_user_model.objects.create_user("centralita", role="administrador")
    lean = _lean(api_token(admin), {"id": "a-1", "type": "hangup", "call_id": "none"})
    assert lean is not None and lean.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["no token", "another scheme", "unknown token", "revoked token",
                                  "a technician's API token", "not JSON", "a list", "invalid event", "NUL",
                                  "escaped NUL", "a form", "a query string"])
def test_what_the_lean_way_does_not_take_goes_the_whole_way(case, cti_token, lucia):
    event = {"id": "w-1", "type": "hangup", "call_id": "none"}
    body: dict | bytes = event
    raw: str | None = cti_token
    scope: dict = {}
    if case == "no token":
        raw = None
    elif case == "another scheme":
        raw = None
        scope = {"authorization": f"Token {cti_token}".encode()}
    elif case == "unknown token":
        raw = "nope"
    elif case == "revoked token":
        token, raw = ApiToken.issue(lucia, kind="cti")
        token.revoke()
    elif case == "a technician's API token":
        raw = api_token(lucia)
    elif case == "not JSON":
        body = b"{"
    elif case == "a list":
        body = b"[]"
    elif case == "invalid event":
        body = dict(event, type="ringing")
    elif case == "NUL":
        body = json.dumps(dict(event, cause="a\x00b")).encode().replace(b"\\u0000", b"\x00")
    elif case == "escaped NUL":
        body = json.dumps(dict(event, cause="a\x00b")).encode()
    elif case == "a form":
        scope = {"content_type": b"application/x-www-form-urlencoded"}
    elif case == "a query string":
        assert not cti_lean.handles(_scope(raw, query=b"x=1"))
        return
    assert _lean(raw, body, **scope) is None
    assert not CtiEvent.objects.exists()


def _served(app, scope: dict, body: bytes) -> tuple[int, dict]:
    async def run() -> tuple[int, bytes]:
        communicator = ApplicationCommunicator(app, scope)
        await communicator.send_input({"type": "http.request", "body": body, "more_body": False})
        return await answer(communicator)

    status, content = asyncio.run(run())
    return status, json.loads(content)


@pytest.mark.django_db(transaction=True)
def test_served_events_take_the_lean_way_and_refusals_the_whole_way(cti_token, queue, lucia, clock, monkeypatch):
    from atiende.asgi import SyncRequestHandler

    app = SyncRequestHandler()
    taken = []
    monkeypatch.setattr(cti_lean, "_view", lambda request, real=cti_lean._view: taken.append(1) or real(request))
    app._cti = cti_lean.Handler()  # built again: its route now holds the counting view
    status, body = _served(app, _scope(cti_token), json.dumps(_call("s-1")[0]).encode())
    assert status == 200 and body["call_id"] == "s-1" and body["technician"]["extension"] == "201"
    assert taken == [1]
    # Refused by django-ninja's own checks, from the body the lean way had read: the API's error format.
    status, body = _served(app, _scope(cti_token, language=b"en"),
                           json.dumps({"id": "s-2", "type": "ringing", "call_id": "s-1"}).encode())
    assert status == 422 and body["error"]["code"] == "invalid_input" and "type" in body["error"]["message"]
    status, body = _served(app, _scope("nope"), json.dumps(_call("s-3")[0]).encode())
    assert status == 401 and body["error"]["code"] == "not_authenticated"
    assert taken == [1]
    assert CtiEvent.objects.filter(event_id__startswith="s-").count() == 1
