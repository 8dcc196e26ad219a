import pytest

from atiende.engine import ContactState, Policy, deadlines_for, fire
from atiende.engine.timers import DeadlineKind
from atiende.practices import Refusal


def hold(contact, clock, **overrides):
    args = {"reason": "Voy a consultar con el proveedor", "customer_consent": True, "expected_minutes": 2}
    args.update(overrides)
    return contact.put_on_hold(now=clock.now(), **args)


def test_hold_without_consent_is_refused(clock, talking):
    with pytest.raises(Refusal) as info:
        hold(talking, clock, customer_consent=False)
    assert (info.value.rule, info.value.status) == ("HO-3", 409)
    assert talking.state is ContactState.TALKING


def test_hold_without_a_reason_is_refused(clock, talking):
    with pytest.raises(Refusal) as info:
        hold(talking, clock, reason="   ")
    assert info.value.rule == "HO-2"


@pytest.mark.parametrize("minutes", [None, 0, -1, 61])
def test_hold_without_expected_minutes_is_refused(clock, talking, minutes):
    with pytest.raises(Refusal) as info:
        hold(talking, clock, expected_minutes=minutes)
    assert info.value.rule == "HO-4"


def test_hold_with_reason_consent_and_minutes_announces_the_end(clock, talking):
    events = hold(talking, clock, expected_minutes=3)
    assert talking.state is ContactState.ON_HOLD
    assert (talking.hold.announced_end - clock.now()).total_seconds() == 180
    assert events[0].data["customer_consent"] is True


def test_technician_is_reminded_as_soon_as_the_announced_hold_time_passes(clock, talking):
    hold(talking, clock, expected_minutes=2)
    policy = Policy()
    overrun = next(d for d in deadlines_for(talking, policy) if d.kind is DeadlineKind.HOLD_OVERRUN)
    assert overrun.due_at == talking.hold.announced_end
    assert not fire(talking, overrun.key, policy, now=clock.advance(119)).changed  # not yet
    fired = fire(talking, overrun.key, policy, now=clock.advance(1))
    assert [a.rule for a in fired.alerts] == ["HO-5"]
    assert fired.alerts[0].technician == 1 and fired.alerts[0].level == "breach"
    assert [e.kind for e in fired.events] == ["hold_overrun"]
    # Once is enough: the reminder does not repeat for the same hold.
    assert not fire(talking, overrun.key, policy, now=clock.advance(30)).changed


def test_resume_after_the_announced_time_records_the_overrun(clock, talking):
    hold(talking, clock, expected_minutes=1)
    events = talking.resume(now=clock.advance(90))
    assert talking.state is ContactState.TALKING
    assert events[0].data["overrun_seconds"] == 30 and events[0].rule == "HO-5"
    assert talking.hold_overruns == 1 and talking.hold_seconds == 90


def test_resume_in_time_thanks_the_customer_without_overrun(clock, talking):
    hold(talking, clock, expected_minutes=2)
    events = talking.resume(now=clock.advance(60))
    assert events[0].rule == "HO-6" and talking.hold_overruns == 0


def test_resumed_hold_no_longer_reminds(clock, talking):
    hold(talking, clock, expected_minutes=1)
    key = next(d.key for d in deadlines_for(talking, Policy()) if d.kind is DeadlineKind.HOLD_OVERRUN)
    talking.resume(now=clock.advance(30))
    assert not fire(talking, key, Policy(), now=clock.advance(600)).changed


def test_a_call_cannot_be_put_on_hold_twice(clock, talking):
    hold(talking, clock)
    with pytest.raises(Refusal, match="on hold"):
        hold(talking, clock)
