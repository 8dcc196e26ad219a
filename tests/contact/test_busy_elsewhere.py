"""A technician busy with one call stays busy whatever happens to another call that was ringing at them."""

from __future__ import annotations

import pytest

from atiende.contact import selectors
from atiende.contact.models import ContactState, TechnicianState, TechnicianStatus
from atiende.contact.services import calls, deadlines, routing

pytestmark = pytest.mark.django_db


def _status(user) -> str:
    return TechnicianState.objects.get(user=user).status


def test_a_ring_that_times_out_after_the_technician_took_a_transfer_leaves_them_busy(queue, lucia, jorge, clock):
    # Jorge has a call; then a new call rings at Lucía.
    first = routing.create_contact(queue="soporte", caller="+34600000001")
    assert first.technician == lucia  # Lucía was idle the longest
    calls.answer(contact_id=first.contact.pk, user=lucia)
    ringing = routing.create_contact(queue="soporte", caller="+34600000002")
    assert ringing.technician == jorge
    # While it rings at Jorge, Lucía hands her call to him and he accepts it from the console.
    calls.request_transfer(contact_id=first.contact.pk, user=lucia, purpose="Redes", customer_consent=True,
                              to_technician=jorge.pk)
    calls.accept_transfer(contact_id=first.contact.pk, user=jorge)
    assert _status(jorge) == TechnicianStatus.BUSY
    # The ring at Jorge times out: the call goes back to the queue, Jorge stays busy with the transferred call.
    clock.advance(selectors.policy_for(queue).ring_timeout_seconds + 1)
    deadlines.run_due_deadlines()
    ringing.contact.refresh_from_db()
    assert ringing.contact.state in (ContactState.WAITING, ContactState.OFFERED)
    assert ringing.contact.offered_to_id != jorge.pk
    assert _status(jorge) == TechnicianStatus.BUSY


def test_the_caller_hanging_up_a_ringing_call_leaves_the_technician_on_their_other_call_busy(
        queue, lucia, jorge, clock):
    first = routing.create_contact(queue="soporte", caller="+34600000001")
    calls.answer(contact_id=first.contact.pk, user=lucia)
    ringing = routing.create_contact(queue="soporte", caller="+34600000002")
    calls.request_transfer(contact_id=first.contact.pk, user=lucia, purpose="Redes", customer_consent=True,
                              to_technician=jorge.pk)
    calls.accept_transfer(contact_id=first.contact.pk, user=jorge)
    calls.hang_up(contact_id=ringing.contact.pk, cause="caller_hangup")  # the caller gives up while it rings
    assert _status(jorge) == TechnicianStatus.BUSY


def test_a_caller_hanging_up_while_it_rings_frees_a_technician_with_nothing_else(queue, lucia, clock):
    ringing = routing.create_contact(queue="soporte", caller="+34600000002")
    assert ringing.technician == lucia
    calls.hang_up(contact_id=ringing.contact.pk, cause="caller_hangup")
    assert _status(lucia) == TechnicianStatus.AVAILABLE
