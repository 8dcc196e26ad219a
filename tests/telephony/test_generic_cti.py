"""The generic CTI endpoint driven with raw form-encoded and JSON requests, as PBX scripts send them."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from atiende.contact import selectors
from atiende.contact.models import Alert, Contact, ContactEvent, TechnicianState
from atiende.contact.services import calls, deadlines
from atiende.people.models import ApiToken
from atiende.telephony.models import BlockedCaller, GenericCall
from atiende.telephony.services import block_caller

from .conftest import api_token

pytestmark = pytest.mark.django_db

CALLER = "+34600111222"


def form(client, url, fields, **extra):
    """POST form-encoded, ``user[]`` repeated as in the protocol's own curl examples."""
    return client.post(url, urlencode(fields, doseq=True), content_type="application/x-www-form-urlencoded",
                       **extra)


def as_json(client, url, payload, **extra):
    return client.post(url, json.dumps(payload), content_type="application/json", **extra)


def new_call(call_id="c-1", **more):
    return {"event": "newCall", "from": CALLER, "to": "900100200", "direction": "in", "callId": call_id,
            "user[]": ["Lucía Pérez", "Jorge Martín"], "queue": "soporte", **more}


def test_answered_call_shows_the_technician_times_and_state(client, url, queue, lucia, clock):
    arrived = clock.now()
    response = form(client, url, new_call())
    assert response.status_code == 200 and response.json() == {}
    contact = Contact.objects.get(external_id="c-1")
    assert contact.state == "offered" and contact.offered_to == lucia  # Atiende's routing, as the native API
    assert response["X-Atiende-Action"] == "ring" and response["X-Atiende-Extension"] == "201"
    clock.advance(8)
    answered = form(client, url, {"event": "answer", "callId": "c-1", "from": CALLER, "to": "900100200",
                                  "direction": "in", "answeringNumber": "201"})
    assert answered.status_code == 200 and answered.json() == {}
    clock.advance(60)
    hung = form(client, url, {"event": "hangup", "callId": "c-1", "from": CALLER, "to": "900100200",
                              "direction": "in", "cause": "normalClearing", "answeringNumber": "201"})
    assert hung.status_code == 200 and hung.json() == {}
    contact.refresh_from_db()
    view = selectors.contact_view(contact)
    assert view["state"] == "wrap_up" and view["assignee"] == lucia.pk
    assert view["created_at"] == arrived and (view["answered_at"] - arrived).total_seconds() == 8
    assert view["timers"]["waited_seconds"] == 8 and view["timers"]["talking_seconds"] == 60
    assert GenericCall.objects.get(call_id="c-1").outcome == "ended"
    # The wrap-up timer ends the contact and frees Lucía, exactly as for a native call.
    clock.advance(31)
    deadlines.run_due_deadlines(worker="t")
    contact.refresh_from_db()
    assert contact.state == "ended"
    state = TechnicianState.objects.get(user=lucia)
    assert state.status == "disponible" and state.calls_today == 1  # PO-3 counts it


def test_json_with_user_as_a_list_and_answering_number_as_email(client, url, queue, lucia, jorge, clock):
    payload = {"event": "newCall", "from": CALLER, "to": "900100200", "direction": "in", "callId": "j-1",
               "user": ["Lucía Pérez"], "queue": "Soporte"}
    assert as_json(client, url, payload).json() == {}
    assert as_json(client, url, {**payload, "event": "answer", "answeringNumber": "lucia@example.com"}).json() == {}
    assert Contact.objects.get(external_id="j-1").assignee == lucia
    assert GenericCall.objects.get(call_id="j-1").users == ["Lucía Pérez"]


def test_user_names_identify_the_technician_when_there_is_no_answering_number(client, url, queue, lucia,
                                                                              jorge, clock):
    form(client, url, new_call("n-1"))
    form(client, url, {"event": "answer", "callId": "n-1", "direction": "in", "user[]": ["Jorge Martín"]})
    assert Contact.objects.get(external_id="n-1").assignee == jorge


def test_unanswered_call_is_abandoned_and_counts_against_the_waiting_time_policy_po2(client, url, queue, clock):
    # Nobody is available: the call waits in the queue past its 60 s maximum (PO-2), then the caller gives up.
    response = form(client, url, new_call("w-1"), QUERY_STRING="atiende=1")
    assert response.json() == {"atiende": response.json()["atiende"]}
    assert response.json()["atiende"]["action"] == "queue"
    clock.advance(70)
    deadlines.run_due_deadlines(worker="t")
    hung = form(client, url, {"event": "hangup", "callId": "w-1", "direction": "in", "cause": "cancel"})
    assert hung.status_code == 200 and hung["X-Atiende-Outcome"] == "abandoned"
    contact = Contact.objects.get(external_id="w-1")
    assert contact.state == "abandoned" and contact.assignee is None
    abandoned = ContactEvent.objects.get(contact=contact, kind="abandoned")
    assert abandoned.rule == "PO-2" and abandoned.data["waited_seconds"] == 70
    assert abandoned.data["cause"] == "caller_hangup"
    levels = sorted(Alert.objects.filter(contact=contact, rule="PO-2").values_list("level", flat=True))
    assert levels == ["breach", "warning"]
    assert GenericCall.objects.get(call_id="w-1").outcome == "abandoned"


@pytest.mark.parametrize("cause", ["noAnswer", "busy", "congestion", "notFound"])
def test_nobody_could_take_it_is_a_missed_call(client, url, queue, lucia, clock, cause):
    form(client, url, new_call("m-1"))
    form(client, url, {"event": "hangup", "callId": "m-1", "direction": "in", "cause": cause})
    assert GenericCall.objects.get(call_id="m-1").outcome == "missed"
    assert Contact.objects.get(external_id="m-1").state == "abandoned"  # the engine's state: never answered
    assert TechnicianState.objects.get(user=lucia).status == "disponible"  # the ring was released


def test_blocked_caller_is_rejected_as_busy_and_never_queued(client, url, queue, lucia, clock):
    block_caller(pattern="+34 600 11*", reason="Llamadas comerciales")
    response = form(client, url, new_call("b-1", **{"from": "0034600111222"}))
    assert response.status_code == 200
    assert response.json() == {"action": "reject", "reason": "busy"}
    assert not Contact.objects.exists()
    assert TechnicianState.objects.get(user=lucia).status == "disponible"
    # The PBX still reports the hang-up; an answer makes no sense.
    assert form(client, url, {"event": "hangup", "callId": "b-1", "cause": "cancel"}).json() == {}
    refused = form(client, url, {"event": "answer", "callId": "b-2"})
    assert refused.status_code == 404
    assert GenericCall.objects.get(call_id="b-1").outcome == "rejected"


def test_unblocked_caller_gets_through(client, url, queue, lucia, clock):
    from atiende.telephony.services import unblock_caller

    block_caller(pattern=CALLER)
    unblock_caller(pattern=CALLER)
    assert form(client, url, new_call("u-1")).json() == {}
    assert BlockedCaller.objects.get().active is False


def test_repeated_events_for_the_same_call_id_are_idempotent(client, url, queue, lucia, clock):
    first = form(client, url, new_call("r-1"), QUERY_STRING="atiende=1").json()
    again = form(client, url, new_call("r-1"), QUERY_STRING="atiende=1")
    assert again.json() == first and again["X-Atiende-Repeat"] == "true"
    answer = {"event": "answer", "callId": "r-1", "answeringNumber": "201"}
    form(client, url, answer)
    clock.advance(30)
    hangup = {"event": "hangup", "callId": "r-1", "cause": "normalClearing"}
    form(client, url, hangup)
    events = ContactEvent.objects.count()
    assert form(client, url, answer).status_code == 200
    assert form(client, url, hangup).status_code == 200
    assert as_json(client, url, {**new_call("r-1"), "user": ["x"]}).status_code == 200
    assert Contact.objects.count() == 1 and ContactEvent.objects.count() == events
    assert Contact.objects.get().state == "wrap_up"


@pytest.mark.parametrize("fields, code", [
    ({"event": "transfer", "callId": "x"}, "unknown_event"),
    ({"callId": "x"}, "event_required"),
    ({"event": "newCall"}, "call_id_required"),
    ({"event": "newCall", "callId": "x", "direction": "sideways"}, "invalid_direction"),
    ({"event": "hangup", "callId": "x", "cause": "explosion"}, "unknown_cause"),
    ({"event": "newCall", "callId": "x", "from": "1" * 81}, "field_too_long"),
    ({"event": ["newCall", "hangup"], "callId": "x"}, "repeated_field"),
])
def test_malformed_events_are_a_400_that_changes_nothing(client, url, queue, lucia, clock, fields, code):
    response = form(client, url, fields)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code and response.json()["error"]["message"]
    assert not Contact.objects.exists() and not GenericCall.objects.exists()


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", '{"event": {"a": 1}, "callId": "x"}'])
def test_malformed_json_is_a_400(client, url, queue, body):
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"]
    assert not GenericCall.objects.exists()


def test_events_for_an_unknown_call_are_a_404(client, url, queue):
    response = form(client, url, {"event": "hangup", "callId": "nope", "cause": "normalClearing"})
    assert response.status_code == 404 and response.json()["error"]["code"] == "unknown_call"


def test_unknown_answering_number_is_a_404_and_changes_nothing(client, url, queue, lucia, clock):
    form(client, url, new_call("k-1"))
    response = form(client, url, {"event": "answer", "callId": "k-1", "answeringNumber": "999"})
    assert response.status_code == 404 and "999" in response.json()["error"]["message"]
    contact = Contact.objects.get(external_id="k-1")
    assert contact.state == "offered"
    assert GenericCall.objects.get(call_id="k-1").last_event == "newCall"
    # Fixed on the PBX and sent again, the answer goes through: refusals are not stored.
    assert form(client, url, {"event": "answer", "callId": "k-1", "answeringNumber": "lucia"}).status_code == 200


def test_another_phone_of_the_group_picks_up(client, url, queue, lucia, jorge, clock):
    """Group ringing: Atiende chose Lucía, Jorge's phone answered; he gets the call and she is free."""
    form(client, url, new_call("g-1"))
    contact = Contact.objects.get(external_id="g-1")
    rung = contact.offered_to
    other = jorge if rung == lucia else lucia
    form(client, url, {"event": "answer", "callId": "g-1", "answeringNumber": other.extension})
    contact.refresh_from_db()
    assert contact.state == "talking" and contact.assignee == other
    assert TechnicianState.objects.get(user=rung).status == "disponible"


def test_hangup_after_the_console_hung_up_is_accepted(client, url, queue, lucia, clock):
    form(client, url, new_call("h-1"))
    form(client, url, {"event": "answer", "callId": "h-1", "answeringNumber": "201"})
    calls.hang_up(contact_id=Contact.objects.get().pk, user=lucia)
    response = form(client, url, {"event": "hangup", "callId": "h-1", "cause": "normalClearing"})
    assert response.status_code == 200 and GenericCall.objects.get().outcome == "ended"


def test_answer_after_hangup_is_a_409(client, url, queue, lucia, clock):
    form(client, url, new_call("o-1"))
    form(client, url, {"event": "hangup", "callId": "o-1", "cause": "cancel"})
    response = form(client, url, {"event": "answer", "callId": "o-1", "answeringNumber": "201"})
    assert response.status_code == 409 and response.json()["error"]["rule"] == "CH-TEL"


def test_hangup_naming_who_answered_counts_as_answered_without_an_answer_event(client, url, queue, lucia, jorge,
                                                                              clock):
    # Some PBXs send no answer event: a normal end with answeringNumber says the call was taken.
    form(client, url, new_call("s-1"))
    clock.advance(5)
    hung = form(client, url, {"event": "hangup", "callId": "s-1", "direction": "in", "cause": "normalClearing",
                              "answeringNumber": jorge.extension})
    assert hung.status_code == 200 and hung["X-Atiende-Outcome"] == "ended"
    contact = Contact.objects.get(external_id="s-1")
    assert contact.state == "wrap_up" and contact.assignee == jorge and contact.answered_at is not None
    assert GenericCall.objects.get(call_id="s-1").outcome == "ended"
    assert TechnicianState.objects.get(user=jorge).status == "cierre"
    assert TechnicianState.objects.get(user=lucia).status == "disponible"  # her ring was released


def test_hangup_naming_an_unknown_answerer_is_still_an_abandoned_call(client, url, queue, lucia, clock):
    # A number Atiende does not know (voicemail, an outside forward) did not make it a technician's call.
    form(client, url, new_call("s-2"))
    hung = form(client, url, {"event": "hangup", "callId": "s-2", "direction": "in", "cause": "normalClearing",
                              "answeringNumber": "999"})
    assert hung.status_code == 200 and hung["X-Atiende-Outcome"] == "abandoned"
    assert Contact.objects.get(external_id="s-2").state == "abandoned"


def test_outbound_call_answered_by_the_customer(client, url, queue, lucia, clock):
    out = {"event": "newCall", "from": "201", "to": CALLER, "direction": "out", "callId": "out-1",
           "user[]": ["Lucía Pérez"]}
    assert form(client, url, out).json() == {}
    dialled = Contact.objects.get(external_id="out-1")  # Lucía's dial: hers from now (tests/telephony/test_desk_dial.py)
    assert (dialled.state, dialled.offered_to, TechnicianState.objects.get(user=lucia).status) == (
        "offered", lucia, "ocupado")
    clock.advance(10)
    form(client, url, {**out, "event": "answer"})
    clock.advance(40)
    form(client, url, {**out, "event": "hangup", "cause": "normalClearing"})
    contact = Contact.objects.get(external_id="out-1")
    assert contact.direction == "outbound" and contact.assignee == lucia and contact.state == "wrap_up"
    assert selectors.contact_view(contact)["timers"]["talking_seconds"] == 40


def test_outbound_call_nobody_answers_is_missed_and_not_reached(client, url, queue, lucia, clock):
    out = {"event": "newCall", "from": "201", "to": CALLER, "direction": "out", "callId": "out-2"}
    form(client, url, out)
    form(client, url, {**out, "event": "hangup", "cause": "noAnswer"})
    assert GenericCall.objects.get().outcome == "missed"
    dialled = Contact.objects.get(external_id="out-2")
    assert (dialled.direction, dialled.answered_at, dialled.data["end_cause"]) == ("outbound", None, "no_answer")


def test_atiende_additions_only_in_the_body_when_asked(client, url, queue, lucia, clock):
    plain = form(client, url, new_call("a-1"))
    assert plain.json() == {}  # what the protocol's clients expect
    assert plain["X-Atiende-Action"] == "ring" and plain["X-Atiende-Technician"] == "lucia"
    extended = as_json(client, url + "?atiende=1", {"event": "answer", "callId": "a-1", "answeringNumber": "201"})
    additions = extended.json()["atiende"]
    assert additions["action"] == "connect" and additions["technician"]["extension"] == "201"
    assert additions["state"] == "talking" and "action" not in extended.json()


@pytest.mark.parametrize("kind", ["wrong", "api", "revoked"])
def test_only_a_live_telephony_token_in_the_path_is_accepted(client, queue, lucia, cti_token, kind):
    if kind == "wrong":
        raw = "atk_not-a-token"
    elif kind == "api":
        raw = api_token(lucia)
    else:
        raw = cti_token
        ApiToken.objects.get(kind="cti").revoke()
    response = form(client, f"/api/v1/cti/generic/{raw}", new_call("t-1"))
    assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_token"
    assert not Contact.objects.exists()


def test_the_native_cti_endpoint_is_not_shadowed(client, queue, lucia, cti_token, clock):
    response = client.post("/api/v1/cti/events", {"id": "n-1", "type": "new_call", "call_id": "native-1"},
                           content_type="application/json", headers={"Authorization": f"Bearer {cti_token}"})
    assert response.status_code == 200 and response.json()["action"] == "ring"
    # And a generic newCall with the same id as a native call is refused, not a second contact.
    duplicate = form(client, f"/api/v1/cti/generic/{cti_token}", new_call("native-1"))
    assert duplicate.status_code == 409 and Contact.objects.count() == 1


def test_long_call_ids_up_to_the_protocol_limit(client, url, queue, lucia, clock):
    call_id = "x" * 250
    assert form(client, url, new_call(call_id)).status_code == 200
    assert GenericCall.objects.get().contact.external_id.startswith("cti-")
    assert form(client, url, new_call("y" * 251)).status_code == 400


def test_multipart_form_and_anonymous_callers(client, url, queue, lucia, clock):
    block_caller(pattern="anonymous", reason="Sin número")
    hidden = client.post(url, {"event": "newCall", "from": "anonymous", "callId": "mp-1", "direction": "in"})
    assert hidden.json() == {"action": "reject", "reason": "busy"}  # multipart/form-data, the test client's default
    shown = client.post(url, {"event": "newCall", "from": CALLER, "callId": "mp-2", "user[]": ["Lucía Pérez"]})
    assert shown.json() == {} and Contact.objects.get().external_id == "mp-2"
