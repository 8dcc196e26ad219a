import pytest

from atiende.engine import ContactState, Policy, deadlines_for, fire
from atiende.engine.timers import DeadlineKind
from atiende.practices import Refusal


def request(contact, clock, **overrides):
    args = {"purpose": "Un especialista en redes revisará el router", "customer_consent": True, "to_technician": 2}
    args.update(overrides)
    return contact.request_transfer(now=clock.now(), **args)


def test_transfer_without_purpose_is_refused(clock, talking):
    with pytest.raises(Refusal) as info:
        request(talking, clock, purpose="")
    assert info.value.rule == "TR-2"


def test_transfer_without_customer_consent_is_refused(clock, talking):
    with pytest.raises(Refusal) as info:
        request(talking, clock, customer_consent=False)
    assert info.value.rule == "TR-3"
    assert talking.state is ContactState.TALKING


def test_transfer_needs_exactly_one_target(clock, talking):
    with pytest.raises(Refusal) as info:
        request(talking, clock, to_technician=None)
    assert info.value.status == 400
    with pytest.raises(Refusal):
        request(talking, clock, to_queue="redes")


def test_call_stays_with_the_first_technician_until_the_second_accepts(clock, talking):
    request(talking, clock)
    assert talking.state is ContactState.TRANSFER_PENDING
    assert talking.assignee == 1
    talking.accept_transfer(by=2, now=clock.advance(10))
    assert (talking.state, talking.assignee, talking.transfer_count) == (ContactState.TALKING, 2, 1)


def test_only_the_receiving_technician_may_accept(clock, talking):
    request(talking, clock)
    with pytest.raises(Refusal) as info:
        talking.accept_transfer(by=3, now=clock.now())
    assert info.value.rule == "TR-4"
    assert talking.assignee == 1


def test_declined_transfer_returns_the_call_to_the_first_technician(clock, talking):
    request(talking, clock)
    events = talking.decline_transfer(by=2, now=clock.advance(5))
    assert (talking.state, talking.assignee) == (ContactState.TALKING, 1)
    assert events[0].rule == "TR-5" and events[0].data["cause"] == "declined"
    assert talking.transfer_count == 0


def test_transfer_timeout_returns_the_call(clock, talking):
    request(talking, clock)
    policy = Policy()
    timeout = next(d for d in deadlines_for(talking, policy) if d.kind is DeadlineKind.TRANSFER_TIMEOUT)
    assert (timeout.due_at - clock.now()).total_seconds() == 60  # TR-5 default
    fired = fire(talking, timeout.key, policy, now=clock.advance(60))
    assert (talking.state, talking.assignee) == (ContactState.TALKING, 1)
    assert fired.events[0].data["cause"] == "timeout"
    assert fired.alerts[0].rule == "TR-5"


def test_transfer_timeout_is_configurable(clock, talking):
    request(talking, clock, timeout_seconds=15)
    assert (talking.transfer.deadline - clock.now()).total_seconds() == 15


def test_accepted_transfer_does_not_time_out_later(clock, talking):
    request(talking, clock)
    key = next(d.key for d in deadlines_for(talking, Policy()) if d.kind is DeadlineKind.TRANSFER_TIMEOUT)
    talking.accept_transfer(by=2, now=clock.advance(5))
    assert not fire(talking, key, Policy(), now=clock.advance(120)).changed
    assert talking.assignee == 2


def test_queue_transfer_may_be_accepted_by_anyone_but_the_requester(clock, talking):
    request(talking, clock, to_technician=None, to_queue="nivel2")
    with pytest.raises(Refusal):
        talking.accept_transfer(by=1, now=clock.now())
    talking.accept_transfer(by=5, now=clock.now())
    assert talking.assignee == 5


def test_hang_up_during_a_pending_transfer_keeps_the_first_technician(clock, talking):
    request(talking, clock)
    talking.hang_up(now=clock.advance(3), cause="caller_hangup")
    assert (talking.state, talking.assignee, talking.transfer) == (ContactState.WRAP_UP, 1, None)


def test_transfer_rate_counts_only_completed_transfers(clock, talking):
    request(talking, clock)
    talking.decline_transfer(by=2, now=clock.now())
    request(talking, clock, to_technician=3)
    talking.accept_transfer(by=3, now=clock.now())
    assert (talking.transfer_requests, talking.transfer_count) == (2, 1)
