"""A technician dialling a customer from their desk phone is on a call from the dial (issue 18), through either
CTI protocol: the PBX's outbound ``new_call`` (native) or ``newCall`` with direction ``out`` (generic,
Zammad-format) makes them «ocupado» at once, so an inbound call that arrives meanwhile goes to someone else or
waits; the outgoing call is never routed to anyone else; a dial nobody answers ends not reached (the calls report
counts it as an outbound call not reached, never as an abandoned inbound call) and frees them at once."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.test import Client

from atiende.contact.models import Contact, TechnicianState
from atiende.contact.services import availability, calls, deadlines, routing
from atiende.people.models import User
from atiende.reports import services as reports
from atiende.telephony.models import GenericCall

pytestmark = pytest.mark.django_db

CUSTOMER = "+34600111222"
EVENTS = "/api/v1/cti/events"


@pytest.fixture(autouse=True)
def _fresh_technician_cache():
    from atiende.telephony import native as native_cti

    native_cti._WHO.clear()
    yield
    native_cti._WHO.clear()


def _generic(client: Client, url: str, **fields):
    return client.post(url + "?atiende=1", urlencode(fields, doseq=True),
                       content_type="application/x-www-form-urlencoded")


def _out(call_id: str, **more) -> dict:
    return {"event": "newCall", "from": "201", "to": CUSTOMER, "direction": "out", "callId": call_id,
            "user[]": ["Lucía Pérez"], **more}


@pytest.fixture
def native(cti_token):
    def post(client: Client, event: dict):
        return client.post(EVENTS, json.dumps(event), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {cti_token}")
    return post


def _status(user: User) -> str:
    return TechnicianState.objects.get(user=user).status


def _inbound(number: str = "+34911000001") -> Contact:
    return routing.create_contact(queue="soporte", caller=number).contact


def _calls_report(clock) -> dict:
    day = clock.now().date().isoformat()
    report = reports.build(name="calls", first=day, last=day)
    return {row["key"]: row["value"] for row in report.sections[0].rows}


# ---- the generic (Zammad-format) protocol ---------------------------------------------------------------

def test_generic_outgoing_call_makes_the_technician_busy_from_the_dial(client, url, queue, lucia, jorge, clock):
    reply = _generic(client, url, **_out("o-1"))
    assert reply.status_code == 200
    assert reply.json()["atiende"]["action"] == "dial" and reply["X-Atiende-State"] == "offered"
    dialled = Contact.objects.get(external_id="o-1")
    assert (dialled.direction, dialled.state, dialled.offered_to_id) == ("outbound", "offered", lucia.pk)
    assert _status(lucia) == "ocupado"  # not «disponible» while the customer's phone rings
    assert _inbound().offered_to_id == jorge.pk  # an inbound call meanwhile goes to Jorge, never Lucía
    waiting = _inbound("+34911000002")
    routing.dispatch()
    waiting.refresh_from_db()
    assert (waiting.state, waiting.offered_to_id) == ("waiting", None)
    # The console shows it as her own dial, with nothing to decline.
    console = Client()
    console.force_login(lucia)
    mine = [c for c in console.get("/consola/estado/").json()["contacts"] if c["id"] == dialled.pk]
    assert [(c["state"], c["dialled"]) for c in mine] == [("offered", "desk")]
    refused = console.post(f"/api/v1/contacts/{dialled.pk}/decline", {}, content_type="application/json")
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "own_dial")
    # The customer answers: a call like any other, counted for PO-3, then the wrap-up.
    clock.advance(12)
    assert _generic(client, url, **_out("o-1", event="answer")).status_code == 200
    clock.advance(50)
    _generic(client, url, **_out("o-1", event="hangup", cause="normalClearing"))
    dialled.refresh_from_db()
    assert (dialled.state, dialled.assignee_id, _status(lucia)) == ("wrap_up", lucia.pk, "cierre")
    assert TechnicianState.objects.get(user=lucia).calls_today == 1
    assert GenericCall.objects.get(call_id="o-1").outcome == "ended"


@pytest.mark.parametrize("cause", ["noAnswer", "busy", "cancel"])
def test_generic_outgoing_call_nobody_answers_is_not_reached_and_frees_the_technician(client, url, queue, lucia,
                                                                                      clock, cause):
    _generic(client, url, **_out("o-2"))
    waiting = _inbound()
    assert waiting.offered_to_id is None  # Lucía is dialling: it waits for her
    clock.advance(25)
    reply = _generic(client, url, **_out("o-2", event="hangup", cause=cause))
    assert reply["X-Atiende-Outcome"] == "missed"
    assert GenericCall.objects.get(call_id="o-2").outcome == "missed"  # not «abandoned»
    dialled = Contact.objects.get(external_id="o-2")
    assert dialled.answered_at is None and dialled.assignee_id is None and dialled.ended_at is not None
    waiting.refresh_from_db()
    assert waiting.offered_to_id == lucia.pk  # free at once: the waiting call rings at her
    assert TechnicianState.objects.get(user=lucia).calls_today == 0
    figures = _calls_report(clock)
    assert (figures["outbound"], figures["outbound_not_reached"], figures["outbound_answered"]) == (1, 1, 0)
    assert figures["abandoned"] == 0  # an outgoing call nobody answered is no caller who gave up


def test_generic_outgoing_call_with_no_known_technician_is_routed_to_nobody_and_says_why(client, url, queue, lucia,
                                                                                       clock, caplog):
    reply = _generic(client, url, event="newCall", callId="o-3", direction="out", to=CUSTOMER, **{"from": "999"})
    assert reply.json()["atiende"]["action"] == "none" and not Contact.objects.exists()
    assert _status(lucia) == "disponible"
    # Not a silent nothing: the reply names the reason, the log keeps it, and the call is kept for its answer.
    assert reply.status_code == 200 and reply["X-Atiende-Error"] == "unknown_technician"
    error = reply.json()["atiende"]["error"]
    assert (error["code"], error["rule"]) == ("unknown_technician", "CH-TEL") and "999" in error["message"]
    assert any("o-3" in r.getMessage() and "999" in r.getMessage() for r in caplog.records
               if r.levelname == "WARNING")
    assert GenericCall.objects.filter(call_id="o-3", contact__isnull=True).exists()
    repeat = _generic(client, url, event="newCall", callId="o-3", direction="out", to=CUSTOMER, **{"from": "999"})
    assert repeat["X-Atiende-Error"] == "unknown_technician" and repeat["X-Atiende-Repeat"] == "true"
    # Its answer names Lucía: the outgoing call is hers from then on.
    answered = _generic(client, url, event="answer", callId="o-3", direction="out", user="lucia")
    assert answered.status_code == 200 and Contact.objects.get(external_id="o-3").assignee_id == lucia.pk


def test_a_paused_technician_who_dials_goes_back_to_the_pause(client, url, queue, lucia, clock):
    availability.pause(user=lucia, reason="Formación")
    _generic(client, url, **_out("o-4"))
    assert _status(lucia) == "ocupado"
    clock.advance(20)
    _generic(client, url, **_out("o-4", event="hangup", cause="noAnswer"))
    state = TechnicianState.objects.get(user=lucia)
    assert (state.status, state.pause_reason) == ("en_pausa", "Formación")


def test_a_desk_dial_the_pbx_never_reports_ends_not_reached_and_is_nobody_elses(client, url, queue, lucia, jorge,
                                                                                  clock):
    _generic(client, url, **_out("o-5"))
    clock.advance(61)  # dial_timeout_seconds (60) and more
    deadlines.run_due_deadlines(worker="t")
    dialled = Contact.objects.get(external_id="o-5")
    assert dialled.state == "abandoned" and dialled.offered_to_id is None and dialled.answered_at is None
    assert _status(lucia) == "disponible"
    routing.dispatch()
    assert _status(jorge) == "disponible"  # nobody else was rung with Lucía's outgoing call
    # The PBX's late hangup changes nothing and says the call was missed.
    late = _generic(client, url, **_out("o-5", event="hangup", cause="noAnswer"))
    assert late.status_code == 200 and late["X-Atiende-Outcome"] == "missed"


# ---- the native protocol --------------------------------------------------------------------------------

def test_native_outbound_new_call_is_the_named_technicians_dial(client, native, queue, lucia, jorge, clock):
    answer = native(client, {"id": "n-1", "type": "new_call", "call_id": "n", "direction": "outbound",
                             "from": "+34900100200", "to": CUSTOMER, "technician": "jorge"})
    assert answer.status_code == 200
    body = answer.json()
    assert (body["action"], body["technician"]["username"], body["state"]) == ("dial", "jorge", "offered")
    assert _status(jorge) == "ocupado" and _status(lucia) == "disponible"
    assert _inbound().offered_to_id == lucia.pk  # Jorge is dialling: the inbound call goes to Lucía
    clock.advance(8)
    answered = native(client, {"id": "n-2", "type": "answered", "call_id": "n"})
    assert answered.json()["state"] == "talking"
    row = Contact.objects.get(external_id="n")
    assert (row.assignee_id, row.direction) == (jorge.pk, "outbound")


def test_native_outbound_call_nobody_answers_frees_the_technician_and_is_not_reached(client, native, queue, lucia,
                                                                                     clock):
    native(client, {"id": "n-1", "type": "new_call", "call_id": "n", "direction": "outbound", "from": "201",
                    "to": CUSTOMER})
    assert _status(lucia) == "ocupado"
    waiting = _inbound()
    assert waiting.offered_to_id is None
    clock.advance(30)
    ended = native(client, {"id": "n-2", "type": "hangup", "call_id": "n", "cause": "no_answer"})
    assert ended.status_code == 200
    waiting.refresh_from_db()
    assert waiting.offered_to_id == lucia.pk
    figures = _calls_report(clock)
    assert (figures["outbound_not_reached"], figures["abandoned"]) == (1, 0)


def test_native_outbound_call_without_a_technician_is_refused_clearly(client, native, queue, lucia, clock):
    answer = native(client, {"id": "n-1", "type": "new_call", "call_id": "n", "direction": "outbound",
                             "from": "+34900100200", "to": CUSTOMER})
    error = answer.json()["error"]
    assert (answer.status_code, error["code"], error["rule"]) == (400, "technician_required", "CH-TEL")
    assert not Contact.objects.exists() and _status(lucia) == "disponible"


def test_an_answered_desk_dial_is_hung_up_from_the_console_as_any_call(client, native, queue, lucia, clock):
    native(client, {"id": "n-1", "type": "new_call", "call_id": "n", "direction": "outbound", "from": "201",
                    "to": CUSTOMER})
    row = Contact.objects.get(external_id="n")
    native(client, {"id": "n-2", "type": "answered", "call_id": "n"})
    calls.hang_up(contact_id=row.pk, user=lucia)
    row.refresh_from_db()
    assert row.state == "wrap_up" and _status(lucia) == "cierre"
