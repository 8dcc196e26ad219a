"""A supervisor on two calls at once (join, coach, take over; PO-5) is busy until the last of them ends
for them, and only then goes back to what they were doing before the first.

A support team expects the supervisor's state to follow what they are really
doing: while they are on any call nobody rings them (ocupado); once they are on
none, they are back where they were before stepping in (available, their pause
with its reason, or not taking calls), after the wrap-up of any call of their own.
"""

import pytest

from atiende.contact import selectors
from atiende.contact.models import Contact, TechnicianState
from atiende.contact.services import availability, deadlines, queues, routing
from atiende.contact.services import calls as contact_calls

from .conftest import make_technician

pytestmark = pytest.mark.django_db

MODES = ["join", "coach"]


def state_of(user):
    row = TechnicianState.objects.filter(user=user).first()
    return (row.status, row.pause_reason) if row else None


def answered_call(queue_name, technician, caller):
    routed = routing.create_contact(queue=queue_name, caller=caller)
    assert routed.technician == technician
    contact_calls.answer(contact_id=routed.contact.pk, user=technician)
    return routed.contact


@pytest.fixture
def two_calls(queue, lucia, jorge, clock):
    """Lucía and Jorge each on a call of their own."""
    return answered_call("soporte", lucia, "+34600000001"), answered_call("soporte", jorge, "+34600000002")


def hang_up(call):
    contact_calls.hang_up(contact_id=Contact.objects.get(pk=call.pk).pk)  # the PBX: the customer hung up


def finish_wrap_ups(clock):
    clock.advance(31)
    deadlines.run_due_deadlines(worker="w")


def expert_call_waiting():
    """A call only the supervisor (tier 2) could take: is it rung at her?"""
    queues.save_queue(name="expertos", label="Expertos", tiers=[2])
    return routing.create_contact(queue="expertos", caller="+34600000009")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("first_to_end", [0, 1])
def test_an_available_supervisor_on_two_calls_stays_busy_until_the_last_ends_then_gets_calls(
        two_calls, supervisor, clock, mode, first_to_end):
    availability.make_available(user=supervisor)
    for call in two_calls:
        contact_calls.supervise(contact_id=call.pk, user=supervisor, mode=mode)
    hang_up(two_calls[first_to_end])
    assert state_of(supervisor) == ("ocupado", "")  # still on the other call
    waiting = expert_call_waiting()
    assert waiting.technician is None  # nobody rings her mid-call
    hang_up(two_calls[1 - first_to_end])
    assert state_of(supervisor)[0] in ("disponible", "ocupado")
    assert Contact.objects.get(pk=waiting.contact.pk).offered_to_id == supervisor.pk  # free: the call rings her


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("first_to_end", [0, 1])
def test_a_paused_supervisor_on_two_calls_goes_back_to_the_pause_only_when_the_last_ends(
        two_calls, supervisor, clock, mode, first_to_end):
    availability.pause(user=supervisor, reason="Reunión de equipo")
    for call in two_calls:
        contact_calls.supervise(contact_id=call.pk, user=supervisor, mode=mode)
    hang_up(two_calls[first_to_end])
    assert state_of(supervisor) == ("ocupado", "")
    hang_up(two_calls[1 - first_to_end])
    assert state_of(supervisor) == ("en_pausa", "Reunión de equipo")  # not "disponible": she gets no calls
    finish_wrap_ups(clock)
    assert state_of(supervisor) == ("en_pausa", "Reunión de equipo")


@pytest.mark.parametrize("first_to_end", [0, 1])
def test_a_supervisor_not_taking_calls_on_two_calls_is_offline_again_after_the_last(two_calls, supervisor, clock,
                                                                                   first_to_end):
    assert state_of(supervisor) is None
    contact_calls.supervise(contact_id=two_calls[0].pk, user=supervisor, mode="join")
    contact_calls.supervise(contact_id=two_calls[1].pk, user=supervisor, mode="coach")
    hang_up(two_calls[first_to_end])
    assert state_of(supervisor) == ("ocupado", "")
    hang_up(two_calls[1 - first_to_end])
    assert state_of(supervisor) == ("desconectado", "")


def test_taking_over_one_call_and_joining_another_the_supervisor_does_the_wrap_up_after_the_joined_call(
        two_calls, supervisor, clock):
    taken, joined = two_calls
    availability.pause(user=supervisor, reason="Reunión")
    contact_calls.supervise(contact_id=taken.pk, user=supervisor, mode="take_over")
    contact_calls.supervise(contact_id=joined.pk, user=supervisor, mode="join")
    contact_calls.hang_up(contact_id=taken.pk, user=supervisor)
    assert state_of(supervisor) == ("ocupado", "")  # her call's wrap-up waits: she is still on the other
    contact_calls.hang_up(contact_id=joined.pk)
    assert state_of(supervisor) == ("cierre", "")  # now she closes her own call
    finish_wrap_ups(clock)
    assert state_of(supervisor) == ("en_pausa", "Reunión")


def test_the_wrap_up_timer_of_the_taken_over_call_ending_mid_join_leaves_her_busy_then_back_to_the_pause(
        two_calls, supervisor, clock):
    taken, joined = two_calls
    availability.pause(user=supervisor, reason="Reunión")
    contact_calls.supervise(contact_id=taken.pk, user=supervisor, mode="take_over")
    contact_calls.supervise(contact_id=joined.pk, user=supervisor, mode="coach")
    contact_calls.hang_up(contact_id=taken.pk, user=supervisor)
    finish_wrap_ups(clock)
    assert Contact.objects.get(pk=taken.pk).state == "ended"
    assert state_of(supervisor) == ("ocupado", "")
    contact_calls.hang_up(contact_id=joined.pk)
    assert state_of(supervisor) == ("en_pausa", "Reunión")


def test_joining_one_call_then_taking_over_another_returns_her_to_the_state_before_the_first(
        two_calls, supervisor, clock):
    joined, taken = two_calls
    availability.pause(user=supervisor, reason="Formación")
    contact_calls.supervise(contact_id=joined.pk, user=supervisor, mode="join")
    contact_calls.supervise(contact_id=taken.pk, user=supervisor, mode="take_over")
    hang_up(joined)
    assert state_of(supervisor) == ("ocupado", "")
    contact_calls.hang_up(contact_id=taken.pk, user=supervisor)
    assert state_of(supervisor) == ("cierre", "")
    finish_wrap_ups(clock)
    assert state_of(supervisor) == ("en_pausa", "Formación")  # not "disponible": she was in training


def test_a_call_ringing_at_the_supervisor_that_times_out_while_she_is_on_another_leaves_her_busy(
        call_with_lucia, supervisor, clock):
    availability.make_available(user=supervisor)
    ringing = expert_call_waiting()
    assert ringing.technician == supervisor
    contact_calls.supervise(contact_id=call_with_lucia.pk, user=supervisor, mode="join")
    clock.advance(selectors.policy_for(ringing.contact.queue).ring_timeout_seconds + 1)
    deadlines.run_due_deadlines(worker="w")
    assert Contact.objects.get(pk=ringing.contact.pk).offered_to_id != supervisor.pk
    assert state_of(supervisor) == ("ocupado", "")  # still on Lucía's call
    contact_calls.hang_up(contact_id=call_with_lucia.pk)
    # A ring that timed out at her counts as turning that call down: free again, she is not rung with it
    # at once (it waits for someone else, PO-2 timers running); past the wait limit, once more.
    assert Contact.objects.get(pk=ringing.contact.pk).state == "waiting"
    clock.advance(selectors.policy_for(ringing.contact.queue).max_wait_seconds)
    deadlines.run_due_deadlines(worker="w")
    assert Contact.objects.get(pk=ringing.contact.pk).offered_to_id == supervisor.pk


def test_a_supervisor_who_takes_over_then_hands_the_call_on_is_no_longer_on_it(two_calls, supervisor, jorge,
                                                                               clock):
    first, second = two_calls
    availability.pause(user=supervisor, reason="Reunión")
    contact_calls.supervise(contact_id=first.pk, user=supervisor, mode="join")
    contact_calls.supervise(contact_id=first.pk, user=supervisor, mode="take_over")
    ana = make_technician("ana")
    contact_calls.request_transfer(contact_id=first.pk, user=supervisor, purpose="Lo sigue Ana", customer_consent=True,
                              to_technician=ana.pk)
    contact_calls.supervise(contact_id=second.pk, user=supervisor, mode="join")
    contact_calls.accept_transfer(contact_id=first.pk, user=ana)
    assert state_of(supervisor) == ("ocupado", "")  # on Jorge's call
    contact_calls.hang_up(contact_id=second.pk)
    assert state_of(supervisor) == ("en_pausa", "Reunión")  # the first call, now Ana's, does not hold her
