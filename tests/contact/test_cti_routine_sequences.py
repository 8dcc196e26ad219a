"""Routine telephony sequences the CTI API accepts (issue 3, item 7; CH-TEL).

Over CTI the PBX is the source of truth about the line: another extension of a
ring group may pick up, and a hang-up may be reported after the console ended
the call. Neither is an error.
"""

import pytest

from atiende.contact.models import Contact, ContactEvent, TechnicianState
from atiende.contact.services import availability, deadlines

from .conftest import bearer, make_technician

pytestmark = pytest.mark.django_db
JSON = "application/json"



@pytest.fixture
def pbx(db):
    return bearer(make_technician("pbx", role="administrador", available=False), kind="cti")


@pytest.fixture
def post(client, pbx):
    return lambda **event: client.post("/api/v1/cti/events", event, content_type=JSON, headers=pbx)


def status_of(user):
    return TechnicianState.objects.get(user=user).status


def test_another_extension_of_the_ring_group_picks_up(post, queue, lucia, jorge, clock):
    rung = post(id="1", type="new_call", call_id="c1", queue="soporte").json()
    assert rung["technician"]["username"] == "lucia"
    response = post(id="2", type="answered", call_id="c1", technician="jorge")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["action"], body["technician"]["username"], body["state"]) == ("connect", "jorge", "talking")
    contact = Contact.objects.get(external_id="c1")
    assert contact.assignee_id == jorge.pk
    assert (status_of(jorge), status_of(lucia)) == ("ocupado", "disponible")  # Lucía is free again
    kinds = list(ContactEvent.objects.filter(contact=contact).values_list("kind", flat=True))
    assert kinds[-2:] == ["returned_to_queue", "answered"]


def test_the_technician_released_by_a_pickup_gets_the_next_waiting_call(post, queue, lucia, jorge, clock):
    availability.pause(user=lucia, reason="Formación")  # not in routing, but her phone is in the ring group
    post(id="1", type="new_call", call_id="c1", queue="soporte")  # rings Jorge
    post(id="2", type="new_call", call_id="c2", queue="soporte")  # nobody free: waits
    post(id="3", type="answered", call_id="c1", technician="lucia")  # Lucía picks up c1
    assert Contact.objects.get(external_id="c1").assignee_id == lucia.pk
    assert Contact.objects.get(external_id="c2").offered_to_id == jorge.pk  # Jorge is free again: c2 rings him
    assert (status_of(lucia), status_of(jorge)) == ("ocupado", "ocupado")


def test_in_the_console_only_the_rung_technician_answers(client, post, queue, lucia, jorge, clock):
    post(id="1", type="new_call", call_id="c1", queue="soporte")  # rings Lucía
    contact = Contact.objects.get(external_id="c1")
    refused = client.post(f"/api/v1/contacts/{contact.pk}/answer", headers=bearer(jorge))
    assert refused.status_code in (404, 409)  # another technician's call answers as missing (issue 22 item 10)
    assert Contact.objects.get(pk=contact.pk).offered_to_id == lucia.pk


def test_pbx_confirms_an_answer_made_in_the_console(client, post, queue, lucia, clock):
    post(id="1", type="new_call", call_id="c1", queue="soporte")
    contact = Contact.objects.get(external_id="c1")
    client.post(f"/api/v1/contacts/{contact.pk}/answer", headers=bearer(lucia))
    response = post(id="2", type="answered", call_id="c1", technician="lucia")
    assert response.status_code == 200 and response.json()["state"] == "talking"


def test_a_hangup_after_the_console_ended_the_call_is_answered_with_the_state(client, post, queue, lucia, clock):
    post(id="1", type="new_call", call_id="c1", queue="soporte")
    post(id="2", type="answered", call_id="c1", technician="lucia")
    contact = Contact.objects.get(external_id="c1")
    client.post(f"/api/v1/contacts/{contact.pk}/hangup", {"cause": "normal"}, content_type=JSON,
                headers=bearer(lucia))
    events_before = ContactEvent.objects.filter(contact=contact).count()
    response = post(id="3", type="hangup", call_id="c1", cause="normal")
    assert response.status_code == 200, response.content
    assert (response.json()["action"], response.json()["state"]) == ("none", "wrap_up")
    assert ContactEvent.objects.filter(contact=contact).count() == events_before  # nothing changed
    clock.advance(31)
    deadlines.run_due_deadlines(worker="w")
    late = post(id="4", type="hangup", call_id="c1", cause="normal")
    assert late.status_code == 200 and late.json()["state"] == "ended"


def test_a_second_hangup_for_an_abandoned_call_is_fine(post, queue, clock):
    post(id="1", type="new_call", call_id="c1", queue="soporte")
    post(id="2", type="hangup", call_id="c1", cause="caller_hangup")
    again = post(id="3", type="hangup", call_id="c1", cause="normal")
    assert again.status_code == 200 and again.json()["state"] == "abandoned"
