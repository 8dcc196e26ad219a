"""Only whoever has the call ends or escalates it (issue 3, item 2; TR-4, CH-TEL).

Until the receiver accepts a transfer, the call stays with the first technician
(TR-4): the receiver can see it, but cannot hang it up or escalate it. The PBX
(reporting what happened on the line) and a supervisor in scope always can.
"""

import pytest

from atiende.contact.models import Contact, TechnicianState
from atiende.contact.services import calls, queues, routing
from atiende.practices import Refusal

from .conftest import bearer, make_technician

pytestmark = pytest.mark.django_db
JSON = "application/json"



@pytest.fixture
def pending_to_jorge(call_with_lucia, lucia, jorge):
    calls.request_transfer(contact_id=call_with_lucia.pk, user=lucia, purpose="Redes: lo ve Jorge",
                              customer_consent=True, to_technician=jorge.pk)
    return call_with_lucia


def test_receiver_of_a_pending_transfer_cannot_hang_up_before_accepting(client, pending_to_jorge, lucia, jorge):
    url = f"/api/v1/contacts/{pending_to_jorge.pk}"
    assert client.get(url, headers=bearer(jorge)).status_code == 200  # he can see the call he is asked to take
    refused = client.post(f"{url}/hangup", {"cause": "normal"}, content_type=JSON, headers=bearer(jorge))
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert (error["code"], error["rule"]) == ("transfer_not_accepted", "TR-4")
    row = Contact.objects.get(pk=pending_to_jorge.pk)
    assert row.state == "transfer_pending" and row.assignee_id == lucia.pk  # nothing changed, still Lucía's


def test_receiver_of_a_pending_transfer_cannot_escalate_it_either(client, pending_to_jorge, jorge, lucia):
    url = f"/api/v1/contacts/{pending_to_jorge.pk}"
    refused = client.post(f"{url}/escalate", {"reason": "no es mío"}, content_type=JSON, headers=bearer(jorge))
    assert refused.status_code == 409 and refused.json()["error"]["rule"] == "TR-4"
    assert Contact.objects.get(pk=pending_to_jorge.pk).data["escalation"] is None
    # The first technician still may: PO-5 is always open to whoever has the call.
    ok = client.post(f"{url}/escalate", {"reason": "Cliente muy enfadado"}, content_type=JSON, headers=bearer(lucia))
    assert ok.status_code == 200 and ok.json()["escalation"]["requested_by"] == lucia.pk


def test_after_accepting_the_receiver_ends_the_call_and_the_first_technician_no_longer_can(
        client, pending_to_jorge, jorge, lucia):
    url = f"/api/v1/contacts/{pending_to_jorge.pk}"
    assert client.post(f"{url}/transfer/accept", headers=bearer(jorge)).status_code == 200
    with pytest.raises(Refusal) as refused:
        calls.hang_up(contact_id=pending_to_jorge.pk, user=lucia)
    assert (refused.value.code, refused.value.status, refused.value.rule) == ("not_your_call", 403, "CH-TEL")
    ended = client.post(f"{url}/hangup", {"cause": "normal"}, content_type=JSON, headers=bearer(jorge))
    assert ended.status_code == 200 and ended.json()["state"] == "wrap_up"
    assert TechnicianState.objects.get(user=jorge).status == "cierre"


def test_anyone_of_the_queue_sees_a_queue_transfer_but_must_accept_it_before_hanging_up(
        client, call_with_lucia, lucia, jorge):
    queues.save_queue(name="redes", tiers=[1, 2])
    calls.request_transfer(contact_id=call_with_lucia.pk, user=lucia, purpose="Redes",
                              customer_consent=True, to_queue="redes")
    refused = client.post(f"/api/v1/contacts/{call_with_lucia.pk}/hangup", {}, content_type=JSON,
                          headers=bearer(jorge))
    assert refused.status_code == 409 and refused.json()["error"]["rule"] == "TR-4"


def test_the_pbx_and_a_supervisor_may_still_end_a_call_during_a_transfer(
        client, pending_to_jorge, supervisor, lucia):
    response = client.post(f"/api/v1/contacts/{pending_to_jorge.pk}/hangup", {"cause": "normal"},
                           content_type=JSON, headers=bearer(supervisor))
    assert response.status_code == 200 and response.json()["state"] == "wrap_up"
    kinds = [e.kind for e in Contact.objects.get(pk=pending_to_jorge.pk).events.all()]
    assert kinds[-2:] == ["transfer_returned", "hangup"]  # TR-5: the call went back, never lost


def test_the_pbx_reports_the_caller_hanging_up_during_a_transfer(client, queue, lucia, jorge, clock):
    pbx = bearer(make_technician("pbx", role="administrador", available=False), kind="cti")
    post = lambda **e: client.post("/api/v1/cti/events", e, content_type=JSON, headers=pbx)  # noqa: E731
    assert post(id="1", type="new_call", call_id="c1", queue="soporte").json()["technician"]["username"] == "lucia"
    post(id="2", type="answered", call_id="c1", technician="lucia")
    post(id="3", type="transfer", call_id="c1", purpose="Redes", customer_consent=True, to_technician="jorge")
    response = post(id="4", type="hangup", call_id="c1", cause="caller_hangup")
    assert response.status_code == 200 and response.json()["state"] == "wrap_up"


def test_a_technician_cannot_hang_up_a_call_that_is_only_ringing_at_them(client, queue, lucia, clock):
    routed = routing.create_contact(queue="soporte", caller="+34600000001")
    refused = client.post(f"/api/v1/contacts/{routed.contact.pk}/hangup", {}, content_type=JSON,
                          headers=bearer(lucia))
    assert refused.status_code == 409
    assert (refused.json()["error"]["code"], refused.json()["error"]["rule"]) == ("not_answered", "CH-TEL")
    assert Contact.objects.get(pk=routed.contact.pk).state == "offered"  # the customer is not cut off


def test_a_supervisor_outside_the_queue_team_cannot_end_the_call(pending_to_jorge, db):
    from atiende.people.models import Team

    team = Team.objects.create(name="Norte")
    queues.save_queue(name="soporte", tiers=[1, 2], team_id=team.pk)
    outsider = make_technician("ramiro", role="supervisor", available=False)
    from atiende.errors import InputError

    with pytest.raises(InputError) as refused:
        calls.hang_up(contact_id=pending_to_jorge.pk, user=outsider)
    assert refused.value.status == 404  # ET-4: another team's call looks missing
