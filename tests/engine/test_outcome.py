"""One event, one outcome: what the engine hands the shell to store (engine/outcome.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from atiende.engine import (
    Contact,
    EventKind,
    Policy,
    SupervisorMode,
    TechnicianMove,
    arrival,
    decide,
)
from atiende.practices import Refusal

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
POLICY = Policy()


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def _talking(technician: int = 7) -> Contact:
    contact = Contact(id="1", queue="soporte", created_at=T0)
    arrival(contact, POLICY, offer_to=technician, now=T0)
    decide(contact, POLICY, lambda c, p: c.answer(now=_at(5)), now=_at(5))
    return contact


def test_a_new_call_that_rings_someone_logs_its_arrival_reserves_them_and_stores_its_timers():
    contact = Contact(id="1", queue="soporte", created_at=T0, caller="+34600")
    outcome = arrival(contact, POLICY, offer_to=7, now=T0)
    assert [e.kind for e in outcome.events] == [EventKind.CREATED, EventKind.OFFERED]
    assert outcome.events[0].data["from"] == "+34600"
    assert [(c.move, c.technician) for c in outcome.technicians] == [(TechnicianMove.RESERVE, 7)]
    assert {d.key for d in outcome.deadlines_added} == {"wait_warning", "wait_breach", "ring_timeout:1"}
    assert outcome.before is None and not outcome.deadlines_dropped


def test_answering_swaps_the_waiting_timers_for_the_call_timers():
    contact = Contact(id="1", queue="soporte", created_at=T0)
    arrival(contact, POLICY, offer_to=7, now=T0)
    outcome = decide(contact, POLICY, lambda c, p: c.answer(now=_at(5)), now=_at(5))
    assert outcome.deadlines_dropped == {"wait_warning", "wait_breach", "ring_timeout:1"}
    assert {d.key for d in outcome.deadlines_added} == {"call_warning", "call_breach"}
    assert [(c.move, c.technician) for c in outcome.technicians] == [(TechnicianMove.START_CALL, 7)]
    assert outcome.before is not None and outcome.before.state == "offered" and outcome.contact.state == "talking"


def test_a_declined_offer_frees_the_technician_and_routes_again():
    contact = Contact(id="1", queue="soporte", created_at=T0)
    arrival(contact, POLICY, offer_to=7, now=T0)
    outcome = decide(contact, POLICY, lambda c, p: c.return_to_queue(now=_at(3), cause="declined"), now=_at(3))
    assert [(c.move, c.technician) for c in outcome.technicians] == [(TechnicianMove.RELEASE, 7)]
    assert outcome.routes_again


def test_a_hold_changes_no_technician_and_routes_nothing():
    contact = _talking()
    outcome = decide(contact, POLICY, lambda c, p: c.put_on_hold(
        reason="Consulto", customer_consent=True, expected_minutes=2, now=_at(10)), now=_at(10))
    assert outcome.technicians == () and not outcome.routes_again
    assert [d.key for d in outcome.deadlines_added] == ["hold_overrun:1"]


def test_a_hang_up_puts_the_technician_in_wrap_up_and_sends_a_joined_supervisor_back():
    contact = _talking()
    decide(contact, POLICY, lambda c, p: c.supervisor_joins(supervisor=9, mode=SupervisorMode.JOIN, now=_at(8)),
           now=_at(8))
    outcome = decide(contact, POLICY, lambda c, p: c.hang_up(now=_at(20)), now=_at(20))
    assert [(c.move, c.technician) for c in outcome.technicians] == [
        (TechnicianMove.WRAP_UP, 7), (TechnicianMove.HAND_BACK, 9)]
    assert outcome.routes_again  # the supervisor who only joined may take a waiting call


def test_taking_over_hands_the_call_back_from_the_technician_and_keeps_the_supervisor_busy():
    contact = _talking()
    outcome = decide(contact, POLICY, lambda c, p: c.supervisor_joins(
        supervisor=9, mode=SupervisorMode.TAKE_OVER, now=_at(8)), now=_at(8))
    assert [(c.move, c.technician) for c in outcome.technicians] == [
        (TechnicianMove.HAND_BACK, 7), (TechnicianMove.RESERVE, 9)]


def test_a_refused_action_propagates_and_changes_nothing():
    contact = _talking()
    with pytest.raises(Refusal) as refused:
        decide(contact, POLICY, lambda c, p: c.put_on_hold(
            reason="Consulto", customer_consent=False, expected_minutes=2, now=_at(10)), now=_at(10))
    assert refused.value.rule == "HO-3"
    assert contact.state == "talking"
