"""A supervisor who joins a call during the wrap-up ("cierre") of a call of their own (PO-5).

What a support team expects: the joined call interrupts the wrap-up, it does not
skip it. While on the joined call they are busy (ocupado); when it ends they go
back to the wrap-up if it is still running, or, if it finished meanwhile (its
timer or by hand), to what comes after it: available, or the pause they had
before taking the call over. Never to "disponible" with a wrap-up pending.
A pause taken during the wrap-up stands, as it does without a joined call.
"""

import pytest

from atiende.contact.models import Contact, TechnicianState
from atiende.contact.services import availability, calls, deadlines, routing

pytestmark = pytest.mark.django_db

MODES = ["join", "coach"]


def state_of(user):
    row = TechnicianState.objects.filter(user=user).first()
    return (row.status, row.pause_reason) if row else None


@pytest.fixture
def jorges_call(call_with_lucia, jorge, clock):
    routed = routing.create_contact(queue="soporte", caller="+34600000002")
    assert routed.technician == jorge
    calls.answer(contact_id=routed.contact.pk, user=jorge)
    return routed.contact


def in_wrap_up(supervisor, call, *, paused_before: str | None = None):
    """The supervisor takes ``call`` over (from their pause, or available) and hangs up: their wrap-up starts."""
    if paused_before:
        availability.pause(user=supervisor, reason=paused_before)
    else:
        availability.make_available(user=supervisor)
    calls.supervise(contact_id=call.pk, user=supervisor, mode="take_over")
    calls.hang_up(contact_id=call.pk, user=supervisor)
    assert state_of(supervisor) == ("cierre", "")


@pytest.mark.parametrize("mode", MODES)
def test_the_joined_call_ending_before_the_wrap_up_returns_her_to_the_wrap_up_then_available(
        call_with_lucia, jorges_call, supervisor, clock, mode):
    in_wrap_up(supervisor, call_with_lucia)
    clock.advance(10)
    calls.supervise(contact_id=jorges_call.pk, user=supervisor, mode=mode)
    assert state_of(supervisor) == ("ocupado", "")
    calls.hang_up(contact_id=jorges_call.pk)
    assert state_of(supervisor) == ("cierre", "")  # her wrap-up still runs: not "disponible" yet
    calls.finish_wrap_up(contact_id=call_with_lucia.pk, user=supervisor)
    assert state_of(supervisor) == ("disponible", "")


@pytest.mark.parametrize("mode", MODES)
def test_the_joined_call_ending_before_the_wrap_up_returns_her_to_the_wrap_up_then_the_pause(
        call_with_lucia, jorges_call, supervisor, clock, mode):
    in_wrap_up(supervisor, call_with_lucia, paused_before="Reunión de equipo")
    calls.supervise(contact_id=jorges_call.pk, user=supervisor, mode=mode)
    calls.hang_up(contact_id=jorges_call.pk)
    assert state_of(supervisor) == ("cierre", "")
    clock.advance(31)
    deadlines.run_due_deadlines(worker="w")  # the wrap-up timer
    assert Contact.objects.get(pk=call_with_lucia.pk).state == "ended"
    assert state_of(supervisor) == ("en_pausa", "Reunión de equipo")  # not "disponible": no call rings her


@pytest.mark.parametrize("mode", MODES)
def test_the_wrap_up_ending_during_the_joined_call_leaves_her_busy_then_returns_her_to_the_pause(
        call_with_lucia, jorges_call, supervisor, clock, mode):
    in_wrap_up(supervisor, call_with_lucia, paused_before="Reunión de equipo")
    calls.supervise(contact_id=jorges_call.pk, user=supervisor, mode=mode)
    clock.advance(31)
    deadlines.run_due_deadlines(worker="w")
    assert Contact.objects.get(pk=call_with_lucia.pk).state == "ended"
    assert state_of(supervisor) == ("ocupado", "")  # still on Jorge's call
    calls.hang_up(contact_id=jorges_call.pk)
    assert state_of(supervisor) == ("en_pausa", "Reunión de equipo")


def test_the_wrap_up_finished_by_hand_during_the_joined_call_then_available(call_with_lucia, jorges_call,
                                                                            supervisor, clock):
    in_wrap_up(supervisor, call_with_lucia)
    calls.supervise(contact_id=jorges_call.pk, user=supervisor, mode="join")
    calls.finish_wrap_up(contact_id=call_with_lucia.pk, user=supervisor)
    assert state_of(supervisor) == ("ocupado", "")
    calls.hang_up(contact_id=jorges_call.pk)
    assert state_of(supervisor) == ("disponible", "")


def test_a_pause_taken_during_the_wrap_up_stands_after_the_joined_call(call_with_lucia, jorges_call, supervisor,
                                                                     clock):
    in_wrap_up(supervisor, call_with_lucia)
    availability.pause(user=supervisor, reason="Café")
    calls.supervise(contact_id=jorges_call.pk, user=supervisor, mode="join")
    calls.hang_up(contact_id=jorges_call.pk)
    assert state_of(supervisor) == ("en_pausa", "Café")
    clock.advance(31)
    deadlines.run_due_deadlines(worker="w")
    assert state_of(supervisor) == ("en_pausa", "Café")


def test_taking_over_a_call_during_the_wrap_up_keeps_the_pause_from_before_both(call_with_lucia, jorges_call,
                                                                                supervisor, clock):
    in_wrap_up(supervisor, call_with_lucia, paused_before="Formación")
    calls.supervise(contact_id=jorges_call.pk, user=supervisor, mode="take_over")
    clock.advance(31)
    deadlines.run_due_deadlines(worker="w")  # the first wrap-up ends while she talks
    assert state_of(supervisor) == ("ocupado", "")
    calls.hang_up(contact_id=jorges_call.pk, user=supervisor)
    assert state_of(supervisor) == ("cierre", "")
    clock.advance(31)
    deadlines.run_due_deadlines(worker="w")
    assert state_of(supervisor) == ("en_pausa", "Formación")


def test_a_technician_who_accepts_a_transfer_during_the_wrap_up_stays_in_wrap_up_until_both_end(
        call_with_lucia, jorges_call, lucia, jorge, clock):
    calls.hang_up(contact_id=call_with_lucia.pk, user=lucia)
    assert state_of(lucia) == ("cierre", "")
    clock.advance(10)
    calls.request_transfer(contact_id=jorges_call.pk, user=jorge, purpose="Lo sigue Lucía",
                              customer_consent=True, to_technician=lucia.pk)
    calls.accept_transfer(contact_id=jorges_call.pk, user=lucia)
    calls.hang_up(contact_id=jorges_call.pk, user=lucia)
    clock.advance(21)  # the first wrap-up's 30 s are over, the second's are not
    deadlines.run_due_deadlines(worker="w")
    assert Contact.objects.get(pk=call_with_lucia.pk).state == "ended"
    assert state_of(lucia) == ("cierre", "")  # the second call's wrap-up still runs
    clock.advance(10)
    deadlines.run_due_deadlines(worker="w")
    assert state_of(lucia) == ("disponible", "")
