"""PO-5 in the engine: supervisors step in on hold and mid-transfer; a take-over remembers where the
supervisor goes back to after the call."""

import pytest

from atiende.engine import Contact, ContactState, SupervisorMode


def test_join_on_hold_keeps_the_hold(talking, clock):
    talking.put_on_hold(reason="consulta", customer_consent=True, expected_minutes=2, now=clock.now())
    talking.supervisor_joins(supervisor=9, mode=SupervisorMode.COACH, now=clock.advance(10))
    assert talking.state is ContactState.ON_HOLD and talking.hold is not None
    talking.resume(now=clock.advance(10), by=1)
    assert talking.state is ContactState.TALKING


@pytest.mark.parametrize("mode", [SupervisorMode.JOIN, SupervisorMode.COACH])
def test_join_mid_transfer_keeps_it_pending(talking, clock, mode):
    talking.request_transfer(purpose="Redes", customer_consent=True, now=clock.now(), to_technician=2)
    talking.supervisor_joins(supervisor=9, mode=mode, now=clock.now())
    assert talking.state is ContactState.TRANSFER_PENDING
    talking.accept_transfer(by=2, now=clock.now())
    assert (talking.state, talking.assignee) == (ContactState.TALKING, 2)


def test_take_over_mid_transfer_calls_it_off_and_keeps_the_call(talking, clock):
    talking.request_transfer(purpose="Redes", customer_consent=True, now=clock.now(), to_queue="nivel2")
    events = talking.supervisor_joins(supervisor=9, mode=SupervisorMode.TAKE_OVER, now=clock.now(),
                                      state_before=("en_pausa", "Reunión"))
    assert [e.kind for e in events] == ["transfer_returned", "supervisor_joined"]
    assert events[0].data["cause"] == "taken_over" and events[0].rule == "TR-5"
    assert (talking.state, talking.assignee, talking.transfer) == (ContactState.TALKING, 9, None)
    assert talking.returns_to == {"9": {"status": "en_pausa", "pause_reason": "Reunión"}}


def test_returns_to_survives_storage_and_old_data_loads(talking, clock):
    talking.supervisor_joins(supervisor=9, mode=SupervisorMode.TAKE_OVER, now=clock.now(),
                             state_before=("desconectado", ""))
    again = Contact.from_dict(talking.to_dict())
    assert again.returns_to == {"9": {"status": "desconectado", "pause_reason": ""}}
    old = talking.to_dict()
    del old["returns_to"]
    assert Contact.from_dict(old).returns_to == {}
