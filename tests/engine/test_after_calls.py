"""Where a technician goes back to after a call they came onto from elsewhere (PO-5): a supervisor on two
calls at once, or joining during the wrap-up of a call of their own."""

import pytest

from atiende.engine import SupervisorMode, TechnicianStatus, state_after_calls, state_to_keep
from atiende.engine.routing import PAUSE_STANDS

AVAILABLE, BUSY, PAUSED, WRAP_UP, OFFLINE = (TechnicianStatus.AVAILABLE, TechnicianStatus.BUSY,
                                             TechnicianStatus.PAUSED, TechnicianStatus.WRAP_UP,
                                             TechnicianStatus.OFFLINE)
MEETING = {"status": "en_pausa", "pause_reason": "Reunión"}


def test_coming_from_a_state_of_their_own_keeps_that_state():
    assert state_to_keep("en_pausa", "Reunión", wrap_up_pending=False, kept_elsewhere=None) == MEETING
    assert state_to_keep("disponible", "", wrap_up_pending=False, kept_elsewhere=None) == {
        "status": "disponible", "pause_reason": ""}
    assert state_to_keep("desconectado", "x", wrap_up_pending=False, kept_elsewhere=None) == {
        "status": "desconectado", "pause_reason": ""}


@pytest.mark.parametrize("status", ["ocupado", "cierre"])
def test_coming_from_another_call_or_its_wrap_up_carries_over_where_that_call_takes_them(status):
    assert state_to_keep(status, "", wrap_up_pending=status == "cierre", kept_elsewhere=MEETING) == MEETING
    assert state_to_keep(status, "", wrap_up_pending=False, kept_elsewhere=None) is None  # the pool


def test_a_pause_taken_during_a_wrap_up_is_marked_to_stand_over_it():
    kept = state_to_keep("en_pausa", "Café", wrap_up_pending=True, kept_elsewhere=None)
    assert kept == {"status": "en_pausa", "pause_reason": "Café", PAUSE_STANDS: "yes"}
    assert state_after_calls(kept, wrap_up_pending=True) == (PAUSED, "Café")


def test_a_wrap_up_of_their_own_still_running_comes_first():
    assert state_after_calls(MEETING, wrap_up_pending=True) == (WRAP_UP, "")
    assert state_after_calls(None, wrap_up_pending=True) == (WRAP_UP, "")


def test_then_the_kept_state_or_the_pool():
    assert state_after_calls(MEETING, wrap_up_pending=False) == (PAUSED, "Reunión")
    assert state_after_calls({"status": "desconectado", "pause_reason": ""}, wrap_up_pending=False) == (OFFLINE, "")
    assert state_after_calls({"status": "disponible", "pause_reason": ""}, wrap_up_pending=False) == (AVAILABLE, "")
    assert state_after_calls(None, wrap_up_pending=False) == (AVAILABLE, "")


def test_a_kept_state_that_is_a_call_is_never_returned_to():
    assert state_after_calls({"status": "ocupado", "pause_reason": ""}, wrap_up_pending=False) == (AVAILABLE, "")


@pytest.mark.parametrize("mode", list(SupervisorMode))
def test_every_mode_keeps_where_the_supervisor_goes_back_to(talking, clock, mode):
    talking.supervisor_joins(supervisor=9, mode=mode, now=clock.now(), state_before=MEETING)
    assert talking.returns_to == {"9": MEETING}


def test_joining_again_with_nowhere_to_go_back_to_drops_a_stale_entry(talking, clock):
    talking.supervisor_joins(supervisor=9, mode=SupervisorMode.JOIN, now=clock.now(), state_before=MEETING)
    talking.supervisor_joins(supervisor=9, mode=SupervisorMode.COACH, now=clock.now(), state_before=None)
    assert talking.returns_to == {}


def test_a_supervisor_who_joined_then_takes_over_is_the_assignee_not_a_listener(talking, clock):
    talking.supervisor_joins(supervisor=9, mode=SupervisorMode.JOIN, now=clock.now())
    assert talking.supervisors == [9]
    talking.supervisor_joins(supervisor=9, mode=SupervisorMode.TAKE_OVER, now=clock.now())
    assert (talking.assignee, talking.supervisors) == (9, [])
    talking.request_transfer(purpose="Lo sigue Ana", customer_consent=True, now=clock.now(), to_technician=3, by=9)
    talking.accept_transfer(by=3, now=clock.now())
    assert (talking.assignee, talking.supervisors) == (3, [])  # she handed it on: no longer on the call


def test_a_listening_supervisor_who_accepts_the_transfer_becomes_the_assignee(talking, clock):
    talking.supervisor_joins(supervisor=9, mode=SupervisorMode.COACH, now=clock.now())
    talking.request_transfer(purpose="Lo sigue Marta", customer_consent=True, now=clock.now(), to_technician=9, by=1)
    talking.accept_transfer(by=9, now=clock.now())
    assert (talking.assignee, talking.supervisors) == (9, [])
