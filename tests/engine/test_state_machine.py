import pytest

from atiende.engine import Contact, ContactState
from atiende.practices import Refusal


def test_a_call_goes_from_waiting_to_ended(clock):
    contact = Contact(id="c", queue="q", created_at=clock.now())
    contact.offer(7, now=clock.advance(10))
    assert contact.state is ContactState.OFFERED
    contact.answer(now=clock.advance(4))
    assert (contact.state, contact.assignee) == (ContactState.TALKING, 7)
    contact.hang_up(now=clock.advance(120), cause="normal")
    assert contact.state is ContactState.WRAP_UP
    contact.finish_wrap_up(now=clock.advance(20))
    assert contact.state is ContactState.ENDED
    assert contact.waited_seconds(clock.now()) == 14
    assert contact.talking_seconds(clock.now()) == 120


def test_illegal_transition_is_refused_naming_the_rule_and_allowed_states(clock):
    contact = Contact(id="c", queue="q", created_at=clock.now())
    with pytest.raises(Refusal) as info:
        contact.put_on_hold(reason="consultar", customer_consent=True, expected_minutes=2, now=clock.now())
    assert info.value.code == "illegal_transition"
    assert info.value.rule == "CH-TEL"
    assert "en conversación" in info.value.es and "talking" in info.value.en
    assert contact.state is ContactState.WAITING


def test_customer_hanging_up_before_the_answer_is_an_abandoned_call(clock):
    contact = Contact(id="c", queue="q", created_at=clock.now())
    events = contact.hang_up(now=clock.advance(200), cause="caller_hangup")
    assert contact.state is ContactState.ABANDONED
    assert events[0].kind == "abandoned" and events[0].data["waited_seconds"] == 200


def test_unanswered_offer_goes_back_to_the_queue(clock):
    contact = Contact(id="c", queue="q", created_at=clock.now())
    contact.offer(3, now=clock.now())
    contact.return_to_queue(now=clock.advance(20))
    assert contact.state is ContactState.WAITING and contact.offered_to is None


def test_only_the_rung_technician_may_answer(clock):
    contact = Contact(id="c", queue="q", created_at=clock.now())
    contact.offer(3, now=clock.now())
    with pytest.raises(Refusal, match="another technician"):
        contact.answer(now=clock.now(), technician=4)


def test_pbx_may_report_an_answer_without_an_offer(clock):
    contact = Contact(id="c", queue="q", created_at=clock.now())
    contact.answer(now=clock.advance(2), technician=9)
    assert contact.assignee == 9


def test_ended_contact_accepts_no_more_actions(clock, talking):
    talking.hang_up(now=clock.now())
    talking.finish_wrap_up(now=clock.now())
    for action in (lambda: talking.hang_up(now=clock.now()), lambda: talking.resume(now=clock.now()),
                   lambda: talking.escalate(by=1, reason="x", now=clock.now())):
        with pytest.raises(Refusal):
            action()
    assert talking.state is ContactState.ENDED


def test_another_technician_cannot_act_on_my_call(clock, talking):
    with pytest.raises(Refusal) as info:
        talking.put_on_hold(reason="r", customer_consent=True, expected_minutes=1, now=clock.now(), by=2)
    assert info.value.status == 403


def test_contact_survives_a_round_trip_through_its_dict(clock, talking):
    talking.put_on_hold(reason="Consultar el manual", customer_consent=True, expected_minutes=2, now=clock.now())
    talking.escalate(by=1, reason="difícil", now=clock.now())
    copy = Contact.from_dict(talking.to_dict())
    assert copy == talking
