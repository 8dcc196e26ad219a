"""A call that a technician declined (or let ring out) is not rung at her again: it waits in the queue
(PO-2 timers running) until someone else is free; she stays available for other calls. Past the
PO-2 wait limit, who declined before it is rung with it once more; a second refusal stands."""

from __future__ import annotations

import pytest

from atiende.contact import selectors
from atiende.contact.models import Alert, Contact, ContactEvent, TechnicianState
from atiende.contact.services import calls as contact_calls
from atiende.contact.services import deadlines, routing
from atiende.errors import InputError

from .conftest import make_technician

pytestmark = pytest.mark.django_db


def events(contact_id: int) -> list[str]:
    return list(ContactEvent.objects.filter(contact_id=contact_id).order_by("at", "id").values_list("kind", flat=True))


def status(user) -> str:
    return TechnicianState.objects.get(user=user).status


def stored(contact_id: int) -> Contact:
    return Contact.objects.get(pk=contact_id)


@pytest.fixture
def declined(queue, lucia, clock) -> int:
    """A call rang at Lucía, the only one available, and she declined it."""
    routed = routing.create_contact(queue="soporte", caller="+34600000001")
    assert routed.technician == lucia
    clock.advance(3)
    contact_calls.decline_offer(contact_id=routed.contact.pk, user=lucia)
    return routed.contact.pk


def test_the_only_technician_who_declined_is_not_rung_again(declined, lucia):
    call = stored(declined)
    assert (call.state, call.offered_to_id) == ("waiting", None)
    assert events(declined) == ["created", "offered", "returned_to_queue"]  # no second "offered" at her
    assert status(lucia) == "disponible"  # available: for other calls
    assert call.data["declined_by"] == {str(lucia.pk): 3.0}
    routing.dispatch()
    assert stored(declined).state == "waiting"
    assert selectors.offered_to(user=lucia) is None


def test_the_declined_call_rings_at_the_next_technician_who_is_free(declined, lucia, clock):
    clock.advance(10)
    jorge = make_technician("jorge")  # make_available routes waiting calls at once
    call = stored(declined)
    assert (call.state, call.offered_to_id) == ("offered", jorge.pk)
    assert status(lucia) == "disponible"


def test_who_declined_still_gets_other_calls(declined, lucia):
    routed = routing.create_contact(queue="soporte", caller="+34600000002")
    assert routed.technician == lucia
    assert stored(declined).state == "waiting"


def test_a_ring_that_times_out_is_not_rung_again_at_the_same_technician(queue, lucia, clock):
    routed = routing.create_contact(queue="soporte")
    clock.advance(20)  # the default ring timeout
    deadlines.run_due_deadlines(worker="t")
    call = stored(routed.contact.pk)
    assert (call.state, call.offered_to_id) == ("waiting", None)
    assert events(call.pk) == ["created", "offered", "returned_to_queue"]
    assert status(lucia) == "disponible"


def test_the_waiting_call_keeps_its_wait_alerts_and_past_the_limit_rings_once_more(declined, lucia, clock):
    clock.advance(180 - 3)  # the PO-2 maximum (3 min) since the arrival
    deadlines.run_due_deadlines(worker="t")
    assert set(Alert.objects.filter(contact_id=declined, rule="PO-2").values_list("level", flat=True)) == {
        "warning", "breach"}  # the supervisor sees the call waiting, as for any call
    call = stored(declined)
    assert (call.state, call.offered_to_id) == ("offered", lucia.pk)  # once more, past the limit
    clock.advance(4)
    contact_calls.decline_offer(contact_id=declined, user=lucia)
    for _ in range(3):  # a second refusal stands: no ring loop, however long the wait
        clock.advance(300)
        deadlines.run_due_deadlines(worker="t")
        routing.dispatch()
        assert stored(declined).state == "waiting"
    assert events(declined) == ["created", "offered", "returned_to_queue", "offered", "returned_to_queue"]


def test_pull_mode_does_not_hand_back_the_call_she_declined(declined, lucia):
    with pytest.raises(InputError) as refused:
        routing.claim_next_contact(user=lucia)
    assert refused.value.code == "none_you_can_take"
    assert stored(declined).state == "waiting"


def test_pull_mode_gives_her_the_next_call_instead(declined, lucia, clock):
    clock.advance(1)
    newer = routing.create_contact(queue="soporte", route=False)
    claimed = routing.claim_next_contact(user=lucia)
    assert claimed is not None and claimed.pk == newer.contact.pk


def test_calls_she_declined_at_the_head_of_the_queue_do_not_hide_a_newer_one_from_her(queue, lucia, clock):
    for n in range(6):
        routed = routing.create_contact(queue="soporte", caller=f"+3460000001{n}")
        assert routed.technician == lucia
        clock.advance(1)
        contact_calls.decline_offer(contact_id=routed.contact.pk, user=lucia)
    newer = routing.create_contact(queue="soporte", route=False).contact
    assert routing.dispatch() == 1
    assert stored(newer.pk).offered_to_id == lucia.pk
