import pytest

from atiende.engine import ContactState, SupervisorMode
from atiende.practices import Refusal


def test_escalation_to_a_supervisor_is_always_available_during_a_call(clock, talking):
    events = talking.escalate(by=1, reason="Cliente muy molesto", now=clock.now())
    assert talking.state is ContactState.ESCALATED and events[0].rule == "PO-5"


def test_escalation_is_available_while_on_hold_and_resume_returns_to_escalated(clock, talking):
    talking.put_on_hold(reason="consulta", customer_consent=True, expected_minutes=2, now=clock.now())
    talking.escalate(by=1, reason="no sé resolverlo", now=clock.now())
    assert talking.state is ContactState.ON_HOLD
    talking.resume(now=clock.advance(30))
    assert talking.state is ContactState.ESCALATED


def test_escalation_of_a_waiting_call_is_refused(clock):
    from atiende.engine import Contact

    contact = Contact(id="w", queue="q", created_at=clock.now())
    with pytest.raises(Refusal):
        contact.escalate(by=1, reason="x", now=clock.now())


def test_supervisor_joins_the_call_as_a_conference(clock, talking):
    talking.escalate(by=1, reason="difícil", now=clock.now())
    talking.supervisor_joins(supervisor=50, mode=SupervisorMode.JOIN, now=clock.advance(20))
    assert (talking.state, talking.assignee, talking.supervisors) == (ContactState.TALKING, 1, [50])


def test_supervisor_takes_over_the_call(clock, talking):
    talking.escalate(by=1, reason="difícil", now=clock.now())
    talking.supervisor_joins(supervisor=50, mode=SupervisorMode.TAKE_OVER, now=clock.now())
    assert talking.assignee == 50


def test_supervisor_coaches_without_taking_the_call(clock, talking):
    talking.escalate(by=1, reason="difícil", now=clock.now())
    talking.supervisor_joins(supervisor=50, mode="coach", now=clock.now())
    assert talking.assignee == 1 and talking.escalation.mode is SupervisorMode.COACH


def test_escalating_twice_while_waiting_for_the_supervisor_changes_nothing(clock, talking):
    talking.escalate(by=1, reason="a", now=clock.now())
    assert talking.escalate(by=1, reason="b", now=clock.now()) == []
    assert talking.escalation_count == 1


def test_transfer_during_escalation_keeps_it_open(clock, talking):
    talking.escalate(by=1, reason="a", now=clock.now())
    talking.request_transfer(purpose="p", customer_consent=True, to_technician=2, now=clock.now())
    talking.decline_transfer(by=2, now=clock.now())
    assert talking.state is ContactState.ESCALATED
