"""A technician who turned a call down (declined it, or let it ring out) is not rung with it again.

Before: the only one available declined, went back to the pool with a fresh idle time, and
routing rang the very same call at her again, ring after ring. Now the call waits for someone
else (PO-2 timers running); past the wait limit who declined before it gets it once more, and
a second refusal stands.
"""

from datetime import timedelta

from atiende.engine import Contact, ContactState, Policy, QueueConfig, Technician, TechnicianStatus
from atiende.engine.routing import assign_waiting, pick_technician, turned_down
from atiende.engine.timers import fire

QUEUE = QueueConfig("soporte", tiers=(1,))
POLICY = Policy(max_wait_seconds=180, ring_timeout_seconds=20)


def tech(tid, clock, *, idle=0):
    return Technician(tid, 1, frozenset(), TechnicianStatus.AVAILABLE, clock.now() - timedelta(seconds=idle))


def declined_by_one(clock, cause="declined"):
    contact = Contact(id="c", queue="soporte", created_at=clock.now())
    contact.offer(1, now=clock.advance(2))
    contact.return_to_queue(now=clock.advance(3), cause=cause)
    return contact


def pick(contact, team, clock):
    return pick_technician(contact, team, QUEUE, POLICY, now=clock.now())


def test_the_only_technician_who_declined_is_not_rung_again_and_the_call_waits(clock):
    contact = declined_by_one(clock)
    # Back in the pool she is the longest idle (the only one): still, not this call.
    decision = pick(contact, [tech(1, clock)], clock)
    assert (decision.technician, decision.turned_down) == (None, True)
    assert contact.state is ContactState.WAITING
    assert "rechazaron" in decision.reason_es and "declined" in decision.reason_en


def test_someone_else_gets_the_declined_call_even_if_she_has_been_idle_longer(clock):
    contact = declined_by_one(clock)
    assert pick(contact, [tech(1, clock, idle=600), tech(2, clock, idle=5)], clock).technician == 2


def test_a_ring_that_times_out_counts_as_turning_the_call_down(clock):
    contact = Contact(id="c", queue="soporte", created_at=clock.now())
    contact.offer(1, now=clock.now())
    fired = fire(contact, "ring_timeout:1", POLICY, now=clock.advance(20))
    assert [e.kind for e in fired.events] == ["returned_to_queue"]
    assert pick(contact, [tech(1, clock)], clock).technician is None


def test_answered_elsewhere_is_not_a_refusal(clock):
    contact = declined_by_one(clock, cause="answered_elsewhere")
    assert contact.declined_by == {}
    assert pick(contact, [tech(1, clock)], clock).technician == 1


def test_who_declined_still_gets_other_calls(clock):
    declined = declined_by_one(clock)
    other = Contact(id="d", queue="soporte", created_at=clock.advance(1))
    out = assign_waiting([declined, other], [tech(1, clock)], {"soporte": QUEUE}, POLICY, now=clock.now())
    assert [(a.contact.id, a.technician.id) for a in out] == [("d", 1)]


def test_past_the_wait_limit_a_decliner_gets_the_call_once_more_and_a_second_refusal_stands(clock):
    contact = declined_by_one(clock)  # declined 5 s after the arrival
    clock.advance(POLICY.max_wait_seconds - 5 - 1)
    assert pick(contact, [tech(1, clock)], clock).technician is None  # one second before the limit
    clock.advance(1)
    assert pick(contact, [tech(1, clock)], clock).technician == 1  # at the limit (the PO-2 breach)
    contact.offer(1, now=clock.now())
    contact.return_to_queue(now=clock.advance(4), cause="declined")
    for _ in range(3):
        clock.advance(600)
        assert turned_down(contact, 1, POLICY, now=clock.now())
        assert pick(contact, [tech(1, clock)], clock).technician is None


def test_who_turned_it_down_is_kept_with_the_call_when_it_is_stored(clock):
    contact = declined_by_one(clock)
    contact.offer(2, now=clock.advance(1))
    fire(contact, "ring_timeout:2", POLICY, now=clock.advance(20))
    again = Contact.from_dict(contact.to_dict())
    assert again.declined_by == {"1": 3.0 + 2, "2": 5.0 + 1 + 20}
    assert pick(again, [tech(1, clock), tech(2, clock)], clock).technician is None
    assert pick(again, [tech(1, clock), tech(2, clock), tech(3, clock)], clock).technician == 3


def test_a_contact_stored_before_this_change_reads_as_declined_by_nobody(clock):
    data = Contact(id="c", queue="soporte", created_at=clock.now()).to_dict()
    del data["declined_by"]
    assert Contact.from_dict(data).declined_by == {}
