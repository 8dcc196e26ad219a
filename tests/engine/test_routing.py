from datetime import timedelta

import pytest

from atiende.engine import Contact, Policy, QueueConfig, Technician, TechnicianStatus
from atiende.engine.routing import assign_waiting, pick_technician
from atiende.practices import Refusal

QUEUE = QueueConfig("soporte", tiers=(1, 2), skills=frozenset({"windows"}))


def tech(tid, clock, *, tier=1, skills=("windows",), idle=0, status=TechnicianStatus.AVAILABLE, calls=0):
    return Technician(tid, tier, frozenset(skills), status, clock.now() - timedelta(seconds=idle), calls_today=calls)


def test_longest_idle_technician_gets_the_call(clock):
    contact = Contact(id="c", queue="soporte", created_at=clock.now())
    team = [tech(1, clock, idle=10), tech(2, clock, idle=300), tech(3, clock, idle=60)]
    assert pick_technician(contact, team, QUEUE, Policy(), now=clock.now()).technician == 2


def test_busy_paused_and_wrapping_up_technicians_are_not_offered_calls(clock):
    contact = Contact(id="c", queue="soporte", created_at=clock.now())
    team = [tech(1, clock, idle=900, status=s) for s in
            (TechnicianStatus.BUSY, TechnicianStatus.PAUSED, TechnicianStatus.WRAP_UP)]
    assert pick_technician(contact, team, QUEUE, Policy(), now=clock.now()).technician is None


def test_technician_without_the_skill_is_skipped(clock):
    contact = Contact(id="c", queue="soporte", created_at=clock.now(), required_skills=("redes",))
    team = [tech(1, clock, idle=900), tech(2, clock, skills=("windows", "redes"), idle=5)]
    assert pick_technician(contact, team, QUEUE, Policy(), now=clock.now()).technician == 2


def test_tier_two_is_kept_free_while_the_wait_is_short(clock):
    contact = Contact(id="c", queue="soporte", created_at=clock.now())
    team = [tech(9, clock, tier=2, idle=900)]
    decision = pick_technician(contact, team, QUEUE, Policy(), now=clock.advance(60))
    assert decision.technician is None and decision.open_tiers == (1,)


def test_overflow_to_tier_two_near_the_wait_limit(clock):
    contact = Contact(id="c", queue="soporte", created_at=clock.now())
    team = [tech(9, clock, tier=2, idle=900)]
    decision = pick_technician(contact, team, QUEUE, Policy(), now=clock.advance(144))  # 80 % of 3 min
    assert decision.technician == 9 and decision.overflowed
    assert "PO-2" in decision.reason_es


def test_knowledgeable_customer_asking_for_level_two_skips_tier_one(clock):
    contact = Contact(id="c", queue="soporte", created_at=clock.now(), level2_requested=True)
    team = [tech(1, clock, tier=1, idle=900), tech(2, clock, tier=2, idle=10)]
    decision = pick_technician(contact, team, QUEUE, Policy(), now=clock.now())
    assert decision.technician == 2 and "CT-ENT" in decision.reason_en


def test_level_two_request_falls_back_to_tier_one_at_the_wait_limit(clock):
    contact = Contact(id="c", queue="soporte", created_at=clock.now(), level2_requested=True)
    team = [tech(1, clock, tier=1, idle=900)]
    assert pick_technician(contact, team, QUEUE, Policy(), now=clock.advance(60)).technician is None
    assert pick_technician(contact, team, QUEUE, Policy(), now=clock.advance(120)).technician == 1


def test_fewest_calls_today_breaks_an_idle_tie(clock):
    contact = Contact(id="c", queue="soporte", created_at=clock.now())
    team = [tech(1, clock, idle=60, calls=12), tech(2, clock, idle=60, calls=3)]
    assert pick_technician(contact, team, QUEUE, Policy(), now=clock.now()).technician == 2


def test_oldest_contact_is_served_first_and_nobody_gets_two(clock):
    contacts = [Contact(id=f"c{i}", queue="soporte", created_at=clock.now() + timedelta(seconds=i))
                for i in (3, 1, 2)]
    team = [tech(1, clock, idle=100), tech(2, clock, idle=50)]
    pairs = assign_waiting(contacts, team, {"soporte": QUEUE}, Policy(), now=clock.advance(10))
    assert [(a.contact.id, a.technician.id) for a in pairs] == [("c1", 1), ("c2", 2)]


def test_pause_needs_a_reason_and_busy_technicians_cannot_pause(clock):
    t = tech(1, clock)
    with pytest.raises(Refusal):
        t.pause(reason="", now=clock.now())
    t.pause(reason="Formación", now=clock.now())
    assert t.status is TechnicianStatus.PAUSED and t.pause_reason == "Formación"
    t.make_available(now=clock.advance(60))
    assert t.idle_since == clock.now()
    t.start_call()
    with pytest.raises(Refusal):
        t.pause(reason="café", now=clock.now())
    assert t.calls_today == 1


def test_queue_tiers_must_increase():
    with pytest.raises(Refusal):
        QueueConfig("q", tiers=(2, 1))
