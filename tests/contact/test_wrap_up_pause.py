"""A pause taken during the wrap-up ("cierre") stands when the wrap-up ends (issue 3, item 1)."""

import pytest

from atiende.contact.models import Contact, TechnicianState
from atiende.contact.services import availability, calls, deadlines
from atiende.contact.services import routing as contact_routing
from atiende.engine import ManualClock, Technician, TechnicianStatus
from atiende.errors import InputError

pytestmark = pytest.mark.django_db


def _state(user):
    row = TechnicianState.objects.get(user=user)
    return row.status, row.pause_reason


def _hang_up_and_pause(call, lucia, clock):
    clock.advance(60)
    calls.hang_up(contact_id=call.pk, user=lucia)
    assert _state(lucia)[0] == "cierre"
    availability.pause(user=lucia, reason="Descanso")
    assert _state(lucia) == ("en_pausa", "Descanso")


def test_pause_taken_in_wrap_up_stands_when_the_wrap_up_timer_ends(call_with_lucia, lucia, clock):
    _hang_up_and_pause(call_with_lucia, lucia, clock)
    waiting = contact_routing.create_contact(queue="soporte", caller="+34600000002")
    assert waiting.technician is None  # nobody is available: Lucía is paused
    clock.advance(31)  # past the 30-second wrap-up
    deadlines.run_due_deadlines(worker="t")
    call_with_lucia.refresh_from_db()
    assert call_with_lucia.state == "ended"
    # Still paused with her reason, and the waiting call was not rung at her.
    assert _state(lucia) == ("en_pausa", "Descanso")
    assert Contact.objects.get(pk=waiting.contact.pk).state == "waiting"


def test_pause_taken_in_wrap_up_stands_when_she_finishes_the_wrap_up_herself(call_with_lucia, lucia, clock):
    _hang_up_and_pause(call_with_lucia, lucia, clock)
    waiting = contact_routing.create_contact(queue="soporte", caller="+34600000002")
    calls.finish_wrap_up(contact_id=call_with_lucia.pk, user=lucia)
    assert _state(lucia) == ("en_pausa", "Descanso")
    assert Contact.objects.get(pk=waiting.contact.pk).offered_to_id is None


def test_coming_back_from_that_pause_waits_for_the_wrap_up_to_end(call_with_lucia, lucia, clock):
    _hang_up_and_pause(call_with_lucia, lucia, clock)
    with pytest.raises(InputError) as refused:
        availability.make_available(user=lucia)
    assert refused.value.code == "wrap_up_pending" and refused.value.status == 409
    calls.finish_wrap_up(contact_id=call_with_lucia.pk, user=lucia)
    waiting = contact_routing.create_contact(queue="soporte", caller="+34600000002")
    availability.make_available(user=lucia)
    assert Contact.objects.get(pk=waiting.contact.pk).offered_to_id == lucia.pk  # back in routing now


def test_without_a_pause_the_end_of_the_wrap_up_frees_the_technician(call_with_lucia, lucia, clock):
    clock.advance(60)
    calls.hang_up(contact_id=call_with_lucia.pk, user=lucia)
    clock.advance(31)
    deadlines.run_due_deadlines(worker="t")
    assert _state(lucia) == ("disponible", "")


def test_engine_technician_keeps_a_pause_taken_in_wrap_up():
    clock = ManualClock()
    tech = Technician(1, status=TechnicianStatus.WRAP_UP)
    tech.pause(reason="Descanso", now=clock.now())
    tech.finish_wrap_up(now=clock.advance(30))
    assert (tech.status, tech.pause_reason) == (TechnicianStatus.PAUSED, "Descanso")
    busy = Technician(2, status=TechnicianStatus.BUSY)
    busy.finish_wrap_up(now=clock.now())
    assert busy.status is TechnicianStatus.BUSY
    wrapping = Technician(3, status=TechnicianStatus.WRAP_UP)
    wrapping.finish_wrap_up(now=clock.now())
    assert wrapping.status is TechnicianStatus.AVAILABLE and wrapping.idle_since == clock.now()
