import pytest

from atiende.contact.models import Alert, Contact, ContactEvent, Deadline, TechnicianState
from atiende.contact.services import availability, calls, deadlines, queues, routing
from atiende.errors import InputError
from atiende.practices import Refusal

from .conftest import make_technician

pytestmark = pytest.mark.django_db


def state_of(user):
    return TechnicianState.objects.get(user=user)


def test_new_call_rings_the_longest_idle_technician(queue, clock):
    first = make_technician("first")
    clock.advance(10)
    make_technician("second")
    routed = routing.create_contact(queue="soporte", caller="+34911")
    assert routed.technician == first
    assert routed.contact.state == "offered"
    assert state_of(first).status == "ocupado"


def test_call_waits_in_the_queue_when_nobody_is_available(queue, clock):
    routed = routing.create_contact(queue="soporte")
    assert routed.technician is None
    contact = Contact.objects.get(pk=routed.contact.pk)
    assert contact.state == "waiting"
    assert set(Deadline.objects.filter(contact=contact).values_list("kind", flat=True)) == {
        "wait_warning", "wait_breach"}


def test_answer_makes_the_technician_busy_and_counts_the_call(call_with_lucia, lucia):
    contact = Contact.objects.get(pk=call_with_lucia.pk)
    assert (contact.state, contact.assignee) == ("talking", lucia)
    assert state_of(lucia).calls_today == 1


def test_hold_without_consent_is_refused_and_nothing_is_stored(call_with_lucia, lucia):
    with pytest.raises(Refusal) as info:
        calls.put_on_hold(contact_id=call_with_lucia.pk, user=lucia, reason="consultar",
                             customer_consent=False, expected_minutes=2)
    assert info.value.rule == "HO-3"
    assert Contact.objects.get(pk=call_with_lucia.pk).state == "talking"
    assert not ContactEvent.objects.filter(kind="hold").exists()


def test_hold_stores_the_announced_end_as_a_deadline(call_with_lucia, lucia, clock):
    calls.put_on_hold(contact_id=call_with_lucia.pk, user=lucia, reason="Consulto al fabricante",
                         customer_consent=True, expected_minutes=2)
    overrun = Deadline.objects.get(contact=call_with_lucia, kind="hold_overrun")
    assert (overrun.due_at - clock.now()).total_seconds() == 120


def test_hold_overrun_reminds_the_technician_at_once_and_resume_records_it(call_with_lucia, lucia, clock):
    calls.put_on_hold(contact_id=call_with_lucia.pk, user=lucia, reason="Consulto al fabricante",
                         customer_consent=True, expected_minutes=1)
    clock.advance(61)
    assert deadlines.run_due_deadlines(worker="t") >= 1
    alert = Alert.objects.get(kind="hold_overrun")
    assert (alert.rule, alert.technician, alert.level) == ("HO-5", lucia, "breach")
    clock.advance(30)
    calls.resume(contact_id=call_with_lucia.pk, user=lucia)
    resumed = ContactEvent.objects.get(contact=call_with_lucia, kind="resumed")
    assert resumed.rule == "HO-5" and resumed.data["overrun_seconds"] == 31


def test_resumed_hold_drops_its_reminder(call_with_lucia, lucia, clock):
    calls.put_on_hold(contact_id=call_with_lucia.pk, user=lucia, reason="r", customer_consent=True,
                         expected_minutes=1)
    calls.resume(contact_id=call_with_lucia.pk, user=lucia)
    assert not Deadline.objects.filter(contact=call_with_lucia, kind="hold_overrun").exists()
    clock.advance(120)
    deadlines.run_due_deadlines(worker="t")
    assert not Alert.objects.filter(kind="hold_overrun").exists()


def test_declined_transfer_returns_the_call_to_the_first_technician(call_with_lucia, lucia, jorge):
    calls.request_transfer(contact_id=call_with_lucia.pk, user=lucia, purpose="Redes", customer_consent=True,
                              to_technician=jorge.pk)
    assert Contact.objects.get(pk=call_with_lucia.pk).assignee == lucia  # TR-4: stays until accepted
    calls.decline_transfer(contact_id=call_with_lucia.pk, user=jorge)
    contact = Contact.objects.get(pk=call_with_lucia.pk)
    assert (contact.state, contact.assignee) == ("talking", lucia)


def test_accepted_transfer_moves_the_call_and_frees_the_first_technician(call_with_lucia, lucia, jorge):
    calls.request_transfer(contact_id=call_with_lucia.pk, user=lucia, purpose="Redes", customer_consent=True,
                              to_technician=jorge.pk)
    calls.accept_transfer(contact_id=call_with_lucia.pk, user=jorge)
    contact = Contact.objects.get(pk=call_with_lucia.pk)
    assert contact.assignee == jorge
    assert (state_of(lucia).status, state_of(jorge).status) == ("disponible", "ocupado")


def test_transfer_timeout_returns_the_call(call_with_lucia, lucia, jorge, clock):
    calls.request_transfer(contact_id=call_with_lucia.pk, user=lucia, purpose="Redes", customer_consent=True,
                              to_technician=jorge.pk)
    clock.advance(60)
    deadlines.run_due_deadlines(worker="t")
    contact = Contact.objects.get(pk=call_with_lucia.pk)
    assert (contact.state, contact.assignee) == ("talking", lucia)
    assert Alert.objects.filter(kind="transfer_timeout", rule="TR-5", technician=lucia).exists()


def test_transfer_timeout_follows_the_queue_policy(queue, lucia, jorge, clock):
    queues.save_queue(name="soporte", tiers=[1, 2], policy={"transfer_timeout_seconds": 20})
    contact = routing.create_contact(queue="soporte").contact
    calls.answer(contact_id=contact.pk, user=lucia)
    calls.request_transfer(contact_id=contact.pk, user=lucia, purpose="p", customer_consent=True,
                              to_technician=jorge.pk)
    deadline = Deadline.objects.get(contact=contact, kind="transfer_timeout")
    assert (deadline.due_at - clock.now()).total_seconds() == 20


def test_escalation_alerts_the_supervisors_and_the_supervisor_can_take_over(call_with_lucia, lucia, supervisor):
    calls.escalate(contact_id=call_with_lucia.pk, user=lucia, reason="Cliente muy enfadado")
    assert Alert.objects.filter(kind="escalation", rule="PO-5").exists()
    calls.supervise(contact_id=call_with_lucia.pk, user=supervisor, mode="take_over")
    contact = Contact.objects.get(pk=call_with_lucia.pk)
    assert (contact.state, contact.assignee) == ("talking", supervisor)
    assert state_of(lucia).status == "disponible"


def test_a_technician_cannot_take_over_a_call(call_with_lucia, jorge):
    with pytest.raises(InputError) as info:
        calls.supervise(contact_id=call_with_lucia.pk, user=jorge, mode="take_over")
    assert info.value.status == 403


def test_hang_up_then_wrap_up_frees_the_technician_who_gets_the_next_waiting_call(call_with_lucia, lucia, clock):
    waiting = routing.create_contact(queue="soporte").contact
    assert Contact.objects.get(pk=waiting.pk).state == "waiting"
    calls.hang_up(contact_id=call_with_lucia.pk, cause="normal")
    assert state_of(lucia).status == "cierre"
    clock.advance(30)  # wrap-up seconds by default
    deadlines.run_due_deadlines(worker="t")
    assert Contact.objects.get(pk=call_with_lucia.pk).state == "ended"
    assert Contact.objects.get(pk=waiting.pk).offered_to == lucia


def test_overflow_to_tier_two_near_the_wait_limit(queue, clock):
    make_technician("nivel2", tier=2)
    routed = routing.create_contact(queue="soporte")
    assert routed.technician is None  # tier 2 kept free while the wait is short
    clock.advance(144)  # 80 % of 3 minutes
    deadlines.run_due_deadlines(worker="t")
    contact = Contact.objects.get(pk=routed.contact.pk)
    assert contact.state == "offered" and contact.offered_to.username == "nivel2"
    assert Alert.objects.filter(kind="wait", level="warning", rule="PO-2").exists()


def test_knowledgeable_customer_goes_to_level_two(queue, clock):
    make_technician("basico", tier=1)
    clock.advance(5)
    expert = make_technician("experta", tier=2)
    routed = routing.create_contact(queue="soporte", level2_requested=True)
    assert routed.technician == expert


def test_pause_requires_a_reason_and_takes_the_technician_out_of_routing(queue, lucia):
    with pytest.raises(Refusal):
        availability.pause(user=lucia, reason=" ")
    availability.pause(user=lucia, reason="Formación")
    assert routing.create_contact(queue="soporte").technician is None
    row = state_of(lucia)
    assert (row.status, row.pause_reason) == ("en_pausa", "Formación")


def test_unanswered_ring_returns_the_call_to_the_queue(queue, lucia, clock):
    routed = routing.create_contact(queue="soporte")
    clock.advance(20)
    deadlines.run_due_deadlines(worker="t")
    contact = Contact.objects.get(pk=routed.contact.pk)
    # Back in the queue and offered again (Lucía is the only technician): never lost.
    assert contact.state in ("waiting", "offered")
    assert ContactEvent.objects.filter(contact=contact, kind="returned_to_queue").count() == 1


def test_unknown_queue_is_a_clear_404(db, clock):
    with pytest.raises(InputError) as info:
        routing.create_contact(queue="nada")
    assert info.value.status == 404


def test_call_breach_alert_is_stored_for_the_supervisor_board(call_with_lucia, clock):
    clock.advance(15 * 60)
    deadlines.run_due_deadlines(worker="t")
    levels = set(Alert.objects.filter(kind="call", rule="PO-1").values_list("level", flat=True))
    assert levels == {"warning", "breach"}


def test_third_tier_opens_at_the_wait_limit(db, clock):
    queues.save_queue(name="escalonada", tiers=[1, 2, 3])
    make_technician("nivel3", tier=3)
    routed = routing.create_contact(queue="escalonada")
    clock.advance(144)
    deadlines.run_due_deadlines(worker="t")
    assert Contact.objects.get(pk=routed.contact.pk).state == "waiting"  # 80 %: only tier 2 opened
    clock.advance(36)
    deadlines.run_due_deadlines(worker="t")
    contact = Contact.objects.get(pk=routed.contact.pk)
    assert contact.state == "offered" and contact.offered_to.username == "nivel3"
