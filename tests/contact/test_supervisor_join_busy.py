"""A supervisor who joins or coaches a call is busy while on it, and afterwards back to what they were doing (PO-5).

They do not take the call (the technician keeps it and does the wrap-up). There
is no "leave the call" action: the end of the call ends their part in it.
"""

import pytest

from atiende.contact.models import Contact, TechnicianState
from atiende.contact.services import availability, calls, deadlines, queues, routing

from .conftest import bearer

pytestmark = pytest.mark.django_db
JSON = "application/json"

MODES = ["join", "coach"]


def state_of(user):
    row = TechnicianState.objects.filter(user=user).first()
    return (row.status, row.pause_reason) if row else None


def supervise(client, call, supervisor, mode):
    response = client.post(f"/api/v1/contacts/{call.pk}/supervise", {"mode": mode}, content_type=JSON,
                           headers=bearer(supervisor))
    assert response.status_code == 200, response.content
    return response.json()


def end_call(call, lucia, clock):
    calls.hang_up(contact_id=call.pk, user=lucia)
    clock.advance(31)
    deadlines.run_due_deadlines(worker="w")
    assert Contact.objects.get(pk=call.pk).state == "ended"


@pytest.mark.parametrize("mode", MODES)
def test_an_available_supervisor_on_the_call_is_rung_no_other_call_then_is_free_again(client, call_with_lucia,
                                                                                     lucia, supervisor, clock, mode):
    availability.make_available(user=supervisor)
    body = supervise(client, call_with_lucia, supervisor, mode)
    assert body["assignee"] == lucia.pk  # the call stays Lucía's
    assert state_of(supervisor) == ("ocupado", "") and state_of(lucia) == ("ocupado", "")
    waiting = routing.create_contact(queue="soporte", caller="+34600000009")
    assert waiting.technician is None  # not rung at Marta while she is on Lucía's call
    calls.hang_up(contact_id=call_with_lucia.pk, user=lucia)
    assert state_of(lucia)[0] == "cierre"  # the technician does the wrap-up, not the supervisor
    assert state_of(supervisor) == ("disponible", "")  # Marta is free the moment the call ends


@pytest.mark.parametrize("mode", MODES)
def test_a_paused_supervisor_goes_back_to_the_pause_with_its_reason(client, call_with_lucia, lucia, supervisor,
                                                                    clock, mode):
    availability.pause(user=supervisor, reason="Reunión de equipo")
    supervise(client, call_with_lucia, supervisor, mode)
    assert state_of(supervisor) == ("ocupado", "")
    end_call(call_with_lucia, lucia, clock)
    assert state_of(supervisor) == ("en_pausa", "Reunión de equipo")
    assert state_of(lucia) == ("disponible", "")


@pytest.mark.parametrize("mode", MODES)
def test_a_supervisor_not_taking_calls_is_offline_again_and_gets_no_calls(client, call_with_lucia, lucia,
                                                                          supervisor, clock, mode):
    assert state_of(supervisor) is None
    supervise(client, call_with_lucia, supervisor, mode)
    assert state_of(supervisor) == ("ocupado", "")
    end_call(call_with_lucia, lucia, clock)
    assert state_of(supervisor) == ("desconectado", "")
    availability.pause(user=lucia, reason="Café")
    assert routing.create_contact(queue="soporte", caller="+34600000009").technician is None


def test_joining_then_coaching_keeps_the_state_from_before_the_first(client, call_with_lucia, lucia, supervisor,
                                                                    clock):
    availability.pause(user=supervisor, reason="Formación")
    supervise(client, call_with_lucia, supervisor, "join")
    supervise(client, call_with_lucia, supervisor, "coach")  # she is busy now: that is not what she returns to
    end_call(call_with_lucia, lucia, clock)
    assert state_of(supervisor) == ("en_pausa", "Formación")


def test_joining_then_taking_over_returns_the_supervisor_to_the_state_before_joining(client, call_with_lucia,
                                                                                    lucia, supervisor, clock):
    availability.pause(user=supervisor, reason="Formación")
    supervise(client, call_with_lucia, supervisor, "join")
    assert supervise(client, call_with_lucia, supervisor, "take_over")["assignee"] == supervisor.pk
    assert state_of(lucia) == ("disponible", "")
    calls.hang_up(contact_id=call_with_lucia.pk, user=supervisor)
    assert state_of(supervisor)[0] == "cierre"  # now it is her call: she does the wrap-up
    clock.advance(31)
    deadlines.run_due_deadlines(worker="w")
    assert state_of(supervisor) == ("en_pausa", "Formación")


def test_the_pbx_hanging_up_frees_the_supervisor_too(client, call_with_lucia, lucia, supervisor, clock):
    availability.pause(user=supervisor, reason="Reunión")
    supervise(client, call_with_lucia, supervisor, "join")
    calls.hang_up(contact_id=call_with_lucia.pk)  # the PBX reports the customer hung up
    assert state_of(supervisor) == ("en_pausa", "Reunión")
    assert state_of(lucia)[0] == "cierre"


def test_a_call_waiting_for_the_supervisor_rings_at_her_as_soon_as_the_call_she_joined_ends(
        client, call_with_lucia, lucia, supervisor, clock):
    queues.save_queue(name="expertos", label="Expertos", tiers=[2])
    availability.make_available(user=supervisor)
    supervise(client, call_with_lucia, supervisor, "join")
    waiting = routing.create_contact(queue="expertos", caller="+34600000009")
    assert waiting.technician is None  # Marta, the only tier 2, is on Lucía's call
    calls.hang_up(contact_id=call_with_lucia.pk, user=lucia)
    assert Contact.objects.get(pk=waiting.contact.pk).offered_to_id == supervisor.pk
