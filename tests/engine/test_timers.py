import pytest

from atiende.engine import Contact, Policy, deadlines_for, fire
from atiende.engine.timers import DeadlineKind, spoken_duration


def kinds(contact, policy):
    return {d.kind for d in deadlines_for(contact, policy)}


def test_waiting_customer_gets_a_warning_at_80_percent_and_an_alert_at_the_wait_limit(clock):
    contact = Contact(id="c", queue="q", created_at=clock.now())
    policy = Policy()
    deadlines = {d.kind: d for d in deadlines_for(contact, policy)}
    assert (deadlines[DeadlineKind.WAIT_WARNING].due_at - clock.now()).total_seconds() == 144
    assert (deadlines[DeadlineKind.WAIT_BREACH].due_at - clock.now()).total_seconds() == 180
    warning = fire(contact, "wait_warning", policy, now=clock.advance(144))
    breach = fire(contact, "wait_breach", policy, now=clock.advance(36))
    assert [(a.rule, a.level) for a in warning.alerts + breach.alerts] == [("PO-2", "warning"), ("PO-2", "breach")]
    assert deadlines_for(contact, policy) == []  # each fires once


def test_long_call_gets_a_warning_then_a_breach_alert(clock, talking):
    policy = Policy(max_call_seconds=600)
    deadlines = {d.kind: d for d in deadlines_for(talking, policy)}
    assert (deadlines[DeadlineKind.CALL_WARNING].due_at - talking.answered_at).total_seconds() == 480
    fired = fire(talking, "call_breach", policy, now=clock.advance(600))
    assert fired.alerts[0].rule == "PO-1" and fired.alerts[0].technician == 1


def test_deadline_not_yet_due_does_nothing(clock, talking):
    assert not fire(talking, "call_breach", Policy(), now=clock.advance(10)).changed


def test_overdue_deadline_fires_at_once_when_a_worker_comes_back_late(clock, talking):
    talking.put_on_hold(reason="r", customer_consent=True, expected_minutes=1, now=clock.now())
    key = next(d.key for d in deadlines_for(talking, Policy()) if d.kind is DeadlineKind.HOLD_OVERRUN)
    fired = fire(talking, key, Policy(), now=clock.advance(3600))  # an hour late after a crash
    assert fired.alerts[0].rule == "HO-5"


def test_unanswered_ring_times_out_back_to_the_queue(clock):
    contact = Contact(id="c", queue="q", created_at=clock.now())
    contact.offer(1, now=clock.now())
    ring = next(d for d in deadlines_for(contact, Policy()) if d.kind is DeadlineKind.RING_TIMEOUT)
    fire(contact, ring.key, Policy(), now=ring.due_at)
    assert contact.state == "waiting"


def test_wrap_up_ends_by_itself_after_the_configured_seconds(clock, talking):
    talking.hang_up(now=clock.now())
    policy = Policy(wrap_up_seconds=45)
    wrap = next(d for d in deadlines_for(talking, policy) if d.kind is DeadlineKind.WRAP_UP_END)
    assert (wrap.due_at - clock.now()).total_seconds() == 45
    fire(talking, wrap.key, policy, now=wrap.due_at)
    assert talking.state == "ended"


def test_final_contact_has_no_deadlines(clock):
    contact = Contact(id="c", queue="q", created_at=clock.now())
    contact.hang_up(now=clock.now())
    assert deadlines_for(contact, Policy()) == []


@pytest.mark.parametrize(("seconds", "es", "en"), [
    (180, "3 minutos", "3 minutes"),
    (60, "1 minuto", "1 minute"),
    (90, "1 minuto y 30 segundos", "1 minute and 30 seconds"),
    (4, "4 segundos", "4 seconds"),
    (1, "1 segundo", "1 second"),
    (900, "15 minutos", "15 minutes"),
])
def test_policy_limits_are_said_in_minutes_and_seconds_never_in_fractions(seconds, es, en):
    assert spoken_duration(seconds) == (es, en)
