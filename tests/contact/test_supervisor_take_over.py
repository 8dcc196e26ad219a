"""A supervisor who takes a call over is busy with it, and afterwards goes back to what they were doing
(issue 3, item 5; PO-5). They only join the routing pool if they were available before."""

import pytest

from atiende.contact.models import Contact, TechnicianState
from atiende.contact.services import availability, deadlines
from atiende.contact.services import calls as contact_calls
from atiende.contact.services import routing as contact_routing

from .conftest import bearer

pytestmark = pytest.mark.django_db
JSON = "application/json"



def state_of(user):
    row = TechnicianState.objects.filter(user=user).first()
    return (row.status, row.pause_reason) if row else None


def take_over(client, call, supervisor):
    response = client.post(f"/api/v1/contacts/{call.pk}/supervise", {"mode": "take_over"}, content_type=JSON,
                           headers=bearer(supervisor))
    assert response.status_code == 200, response.content
    assert response.json()["assignee"] == supervisor.pk


def end_call(client, call, supervisor, clock):
    hung = client.post(f"/api/v1/contacts/{call.pk}/hangup", {"cause": "normal"}, content_type=JSON,
                       headers=bearer(supervisor))
    assert hung.status_code == 200, hung.content
    assert state_of(supervisor)[0] == "cierre"
    clock.advance(31)
    deadlines.run_due_deadlines(worker="w")
    assert Contact.objects.get(pk=call.pk).state == "ended"


def test_a_supervisor_who_was_not_taking_calls_is_busy_then_not_routed_calls(client, call_with_lucia, lucia,
                                                                             supervisor, clock):
    assert state_of(supervisor) is None  # Marta never signed in to take calls
    contact_calls.escalate(contact_id=call_with_lucia.pk, user=lucia, reason="Cliente muy enfadado")
    take_over(client, call_with_lucia, supervisor)
    assert state_of(supervisor) == ("ocupado", "")
    assert state_of(lucia) == ("disponible", "")
    end_call(client, call_with_lucia, supervisor, clock)
    assert state_of(supervisor) == ("desconectado", "")
    availability.pause(user=lucia, reason="Café")
    waiting = contact_routing.create_contact(queue="soporte", caller="+34600000009")
    assert waiting.technician is None  # not rung at Marta, who is not taking calls


def test_a_paused_supervisor_goes_back_to_the_pause_with_its_reason(client, call_with_lucia, supervisor, clock):
    availability.pause(user=supervisor, reason="Reunión de equipo")
    take_over(client, call_with_lucia, supervisor)
    assert state_of(supervisor) == ("ocupado", "")
    end_call(client, call_with_lucia, supervisor, clock)
    assert state_of(supervisor) == ("en_pausa", "Reunión de equipo")


def test_an_available_supervisor_is_available_again_after_the_call(client, call_with_lucia, supervisor, clock):
    availability.make_available(user=supervisor)
    take_over(client, call_with_lucia, supervisor)
    end_call(client, call_with_lucia, supervisor, clock)
    assert state_of(supervisor) == ("disponible", "")


def test_a_busy_supervisor_gets_no_call_offered_while_on_the_taken_over_call(client, call_with_lucia, lucia,
                                                                             supervisor, clock):
    availability.make_available(user=supervisor)
    take_over(client, call_with_lucia, supervisor)
    availability.pause(user=lucia, reason="Café")
    waiting = contact_routing.create_contact(queue="soporte", caller="+34600000009")
    assert waiting.technician is None


def test_handing_the_call_on_returns_the_supervisor_to_what_they_were_doing(client, call_with_lucia, jorge,
                                                                            supervisor, clock):
    take_over(client, call_with_lucia, supervisor)
    contact_calls.request_transfer(contact_id=call_with_lucia.pk, user=supervisor, purpose="Lo sigue Jorge",
                              customer_consent=True, to_technician=jorge.pk)
    contact_calls.accept_transfer(contact_id=call_with_lucia.pk, user=jorge)
    assert state_of(supervisor) == ("desconectado", "")
    assert state_of(jorge) == ("ocupado", "")
