"""Who may end or escalate a call (TR-4, CH-TEL, PO-5), in the engine alone."""

import copy

import pytest

from atiende.engine import Contact, ContactState
from atiende.practices import Refusal


def _pending(talking: Contact, clock) -> Contact:
    talking.request_transfer(purpose="Redes", customer_consent=True, now=clock.now(), to_technician=2, by=1)
    return talking


@pytest.mark.parametrize("action", ["hang_up", "escalate"])
def test_the_receiver_of_a_pending_transfer_must_accept_first(talking, clock, action):
    contact = _pending(talking, clock)
    before = copy.deepcopy(contact)
    with pytest.raises(Refusal) as refused:
        if action == "hang_up":
            contact.hang_up(now=clock.now(), by=2)
        else:
            contact.escalate(by=2, reason="x", now=clock.now())
    assert (refused.value.code, refused.value.rule, refused.value.status) == ("transfer_not_accepted", "TR-4", 409)
    assert contact == before


def test_the_first_technician_the_pbx_and_a_supervisor_may_end_it(talking, clock):
    for by, supervisor in ((1, False), (None, False), (None, True)):
        contact = _pending(copy.deepcopy(talking), clock)
        if supervisor:  # a supervisor (scope checked by the services) acts as by=None
            contact.escalate(by=99, reason="lo veo yo", now=clock.now(), by_supervisor=True)
            assert contact.escalation is not None and contact.escalation.requested_by == 99
        contact.hang_up(now=clock.now(), by=by)
        assert contact.state is ContactState.WRAP_UP


def test_someone_else_gets_not_your_call(talking, clock):
    with pytest.raises(Refusal) as refused:
        talking.hang_up(now=clock.now(), by=3)
    assert (refused.value.code, refused.value.status) == ("not_your_call", 403)
    with pytest.raises(Refusal):
        talking.escalate(by=3, reason="x", now=clock.now())
