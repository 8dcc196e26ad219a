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
