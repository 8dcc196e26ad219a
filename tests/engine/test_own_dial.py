"""A call the technician dials themselves (engine.Contact.dial, CH-PRO): theirs from the dial, as an offer is;
no timeout when dialled by hand; never declined; the technician freed when it ends unanswered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from atiende.engine import Contact, EventKind, Policy, TechnicianMove, decide
from atiende.engine.contact import Direction
from atiende.engine.timers import deadlines_for
from atiende.practices import Refusal

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
POLICY = Policy()


def _outbound() -> Contact:
    return Contact(id="1", queue="soporte", created_at=T0, direction=Direction.OUTBOUND, callee="+34600112233")


@pytest.mark.parametrize("by_hand", [True, False])
def test_the_dial_reserves_the_technician_and_says_it_is_a_dial(by_hand):
    contact = _outbound()
    outcome = decide(contact, POLICY, lambda c, p: c.dial(7, by_hand=by_hand, now=T0), now=T0)
    assert [(e.kind, e.data) for e in outcome.events] == [
        (EventKind.OFFERED, {"technician": 7, "dial": "hand" if by_hand else "pbx"})]
    assert [(c.move, c.technician) for c in outcome.technicians] == [(TechnicianMove.RESERVE, 7)]
    assert (contact.state, contact.offered_to) == ("offered", 7)
    # By hand nobody reports the call: no timeout. Through the PBX: dial_timeout_seconds, as a call-back's dial.
    keys = {d.key: d.due_at for d in deadlines_for(contact, POLICY)}
    assert keys == ({} if by_hand else {"ring_timeout:1": T0 + timedelta(seconds=POLICY.dial_timeout_seconds)})
    assert Contact.from_dict(contact.to_dict()).dialled == contact.dialled


def test_an_own_dial_is_not_declined_but_ends_unanswered_freeing_the_technician():
    contact = _outbound()
    decide(contact, POLICY, lambda c, p: c.dial(7, by_hand=True, now=T0), now=T0)
    with pytest.raises(Refusal) as caught:
        contact.decline(7, now=T0 + timedelta(seconds=5))
    assert (caught.value.code, caught.value.rule) == ("own_dial", "CH-PRO")
    outcome = decide(contact, POLICY, lambda c, p: c.hang_up(now=T0 + timedelta(seconds=30), cause="no_answer"),
                     now=T0 + timedelta(seconds=30))
    assert [(c.move, c.technician) for c in outcome.technicians] == [(TechnicianMove.RELEASE, 7)]
    assert outcome.routes_again  # free at once: a waiting call may ring at them


def test_only_a_waiting_outbound_call_is_dialled():
    inbound = Contact(id="1", queue="soporte", created_at=T0)
    with pytest.raises(Refusal) as caught:
        inbound.dial(7, by_hand=True, now=T0)
    assert caught.value.code == "not_a_dial"
    contact = _outbound()
    contact.dial(7, by_hand=False, now=T0)
    with pytest.raises(Refusal):
        contact.dial(8, by_hand=False, now=T0)


def test_a_call_back_routing_offers_is_dialled_for_the_technician_and_not_declined():
    """A call-back (an outbound contact routing gives a technician) is dialled from their extension: like
    their own dial it is not theirs to decline; an inbound call offered the same way is."""
    callback = _outbound()
    events = callback.offer(7, now=T0)
    assert [(e.kind, e.data) for e in events] == [(EventKind.OFFERED, {"technician": 7})]  # the PBX dials it
    assert callback.dialled == "callback"
    with pytest.raises(Refusal) as caught:
        callback.decline(7, now=T0 + timedelta(seconds=5))
    assert (caught.value.code, caught.value.rule) == ("own_dial", "CH-PRO")
    # Through the PBX its dial keeps dial_timeout_seconds; when it times out, the next offer is a dial again.
    keys = {d.key: d.due_at for d in deadlines_for(callback, POLICY)}
    assert keys == {"ring_timeout:1": T0 + timedelta(seconds=POLICY.dial_timeout_seconds)}
    callback.return_to_queue(now=T0 + timedelta(seconds=60), cause="dial_timeout")
    callback.offer(8, now=T0 + timedelta(minutes=30))
    assert Contact.from_dict(callback.to_dict()).dialled == "callback"
    inbound = Contact(id="2", queue="soporte", created_at=T0)
    inbound.offer(7, now=T0)
    assert inbound.dialled == ""
    assert [e.kind for e in inbound.decline(7, now=T0 + timedelta(seconds=5))] == [EventKind.RETURNED_TO_QUEUE]


def test_a_call_back_dialled_by_hand_has_no_timeout_and_is_not_declined():
    callback = _outbound()
    callback.offer(7, now=T0, by_hand=True)
    assert callback.dialled == "callback_hand"
    assert deadlines_for(callback, POLICY) == []  # nobody reports it: theirs until they say what came of it
    with pytest.raises(Refusal) as caught:
        callback.decline(7, now=T0 + timedelta(seconds=5))
    assert (caught.value.code, caught.value.rule) == ("own_dial", "CH-PRO")
    inbound = Contact(id="2", queue="soporte", created_at=T0)
    inbound.offer(7, now=T0, by_hand=True)  # an inbound call is rung, never dialled
    assert inbound.dialled == ""
