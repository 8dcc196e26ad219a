"""A technician who picks up at the phone while paused or not signed in goes back to that state after the call.

The PBX is the source of truth for who answered (group ringing, call pickup).
Answering is not a wish to take more calls: after the wrap-up a paused
technician is paused again with their reason, one who never signed in is
desconectado, and routing rings neither of them.
"""

from __future__ import annotations

import pytest

from atiende.contact.models import Contact, TechnicianState
from atiende.contact.services import availability, deadlines
from atiende.contact.services import calls as contact_calls
from atiende.contact.services import routing as contact_routing

from .conftest import make_technician
from .test_generic_cti import form, new_call

pytestmark = pytest.mark.django_db


def state_of(user):
    row = TechnicianState.objects.filter(user=user).first()
    return (row.status, row.pause_reason) if row else None


def pick_up_and_finish(client, url, clock, call_id, extension):
    form(client, url, new_call(call_id))
    assert form(client, url, {"event": "answer", "callId": call_id, "answeringNumber": extension}).status_code == 200
    contact = Contact.objects.get(external_id=call_id)
    assert contact.state == "talking" and contact.assignee.extension == extension
    assert state_of(contact.assignee)[0] == "ocupado"
    clock.advance(60)
    assert form(client, url, {"event": "hangup", "callId": call_id, "cause": "normalClearing"}).status_code == 200
    assert state_of(contact.assignee)[0] == "cierre"
    clock.advance(31)
    deadlines.run_due_deadlines(worker="t")
    assert Contact.objects.get(pk=contact.pk).state == "ended"


def test_a_paused_technician_who_answers_at_the_phone_is_paused_again_with_the_reason(client, url, queue, lucia,
                                                                                       clock):
    jorge = make_technician("jorge", extension="202", available=False)
    availability.pause(user=jorge, reason="Formación")
    pick_up_and_finish(client, url, clock, "p-1", "202")
    assert state_of(jorge) == ("en_pausa", "Formación")
    assert state_of(lucia) == ("disponible", "")  # rung first, freed when Jorge picked up
    assert TechnicianState.objects.get(user=jorge).calls_today == 1  # PO-3 still counts the call


def test_a_technician_never_signed_in_who_answers_is_offline_after_and_gets_no_calls(client, url, queue, lucia,
                                                                                      clock):
    pablo = make_technician("pablo", extension="203", available=False)
    assert state_of(pablo) is None
    pick_up_and_finish(client, url, clock, "o-1", "203")
    assert state_of(pablo) == ("desconectado", "")
    availability.pause(user=lucia, reason="Café")
    waiting = contact_routing.create_contact(queue="soporte", caller="+34600000009")
    assert waiting.technician is None  # not rung at Pablo, who is not taking calls


def test_an_available_technician_who_answers_is_available_after(client, url, queue, lucia, clock):
    jorge = make_technician("jorge", extension="202")
    availability.pause(user=lucia, reason="Café")  # the call rings at Jorge
    pick_up_and_finish(client, url, clock, "a-1", "202")
    assert state_of(jorge) == ("disponible", "")
    assert state_of(lucia) == ("en_pausa", "Café")


def test_the_native_cti_answer_does_the_same(queue, lucia, clock):
    marta = make_technician("marta", extension="204", available=False)
    availability.pause(user=marta, reason="Reunión")
    call = contact_routing.create_contact(queue="soporte", caller="+34600000001").contact
    contact_calls.answer(contact_id=call.pk, technician_id=marta.pk, from_pbx=True)
    assert state_of(marta) == ("ocupado", "") and state_of(lucia) == ("disponible", "")
    contact_calls.hang_up(contact_id=call.pk)
    clock.advance(31)
    deadlines.run_due_deadlines(worker="t")
    assert state_of(marta) == ("en_pausa", "Reunión")


@pytest.mark.parametrize("signed_in", [True, False], ids=["paused", "never signed in"])
def test_the_native_protocol_answer_by_extension_returns_them_to_their_state(queue, lucia, clock, signed_in):
    """The native CTI's ``answered`` names the technician by extension: their state is read with them (one
    statement), and after the call they go back to it as on the generic protocol."""
    from atiende.people.models import User
    from atiende.telephony.native import NativeEvent, receive

    pbx = User.objects.create_user("pbx", role="administrador")
    marta = make_technician("marta", extension="204", available=False)
    if signed_in:
        availability.pause(user=marta, reason="Reunión")
    assert receive(NativeEvent(id="n-1", type="new_call", call_id="n", queue="soporte"), sender=pbx).status == 200
    answer = receive(NativeEvent(id="n-2", type="answered", call_id="n", technician="204"), sender=pbx)
    assert answer.status == 200 and answer.body["technician"]["extension"] == "204"
    assert state_of(marta)[0] == "ocupado" and state_of(lucia) == ("disponible", "")
    assert receive(NativeEvent(id="n-3", type="hangup", call_id="n"), sender=pbx).status == 200
    clock.advance(31)
    deadlines.run_due_deadlines(worker="t")
    assert state_of(marta) == (("en_pausa", "Reunión") if signed_in else ("desconectado", ""))
