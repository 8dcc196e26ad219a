"""A technician calls the next visitor from the desk, calls again, serves them or marks a no-show (CH-PRE).

Call-next is the contact center's pull mode on the walk-in queues: the longest wait first,
the technician's queues and skills, nobody called twice.
"""

import pytest

from atiende.contact.models import Contact, ContactEvent, TechnicianState
from atiende.contact.services import availability, calls, routing
from atiende.errors import InputError
from atiende.walkin.selectors import board_entries
from atiende.walkin.services import calling
from atiende.walkin.services.catalogue import save_service
from atiende.walkin.services.checkin import check_in

from .conftest import PHONE, make_technician

pytestmark = pytest.mark.django_db


def visitor(reception, service="A", phone=PHONE, name="Carmen Ruiz"):
    return check_in(actor=reception, service=service, name=name, phone=phone)


def test_the_longest_waiting_visitor_is_called_to_the_technicians_desk(repairs, reception, lucia, clock):
    first = visitor(reception)
    clock.advance(60)
    visitor(reception, phone="+34600999888", name="Pedro Gil")
    called = calling.call_next(user=lucia, desk="Mesa 3")
    assert (called.pk, called.desk, called.calls, called.called_by) == (first.pk, "Mesa 3", 1, lucia)
    contact = Contact.objects.get(pk=first.contact_id)
    assert (contact.state, contact.offered_to_id) == ("offered", lucia.pk)
    assert TechnicianState.objects.get(user=lucia).status == "ocupado"  # no call rings at her meanwhile
    assert [(e.ticket, e.desk, e.waiting) for e in board_entries(called.day)] == [("A-001", "Mesa 3", True)]


def test_two_technicians_calling_at_once_get_different_visitors(repairs, reception, lucia, jorge, clock):
    visitor(reception)
    visitor(reception, phone="+34600999888", name="Pedro Gil")
    mine, theirs = calling.call_next(user=lucia, desk="Mesa 1"), calling.call_next(user=jorge, desk="Mesa 2")
    assert {mine.ticket, theirs.ticket} == {"A-001", "A-002"}
    assert calling.call_next(user=make_technician("ines"), desk="Mesa 4") is None  # nobody left


def test_a_visitor_is_served_and_the_visit_goes_on_as_a_call_does(repairs, reception, lucia, clock):
    visit = visitor(reception)
    calling.call_next(user=lucia, desk="Mesa 3")
    clock.advance(40)
    calling.serve(user=lucia, visit_id=visit.pk)
    contact = Contact.objects.get(pk=visit.contact_id)
    assert (contact.state, contact.assignee_id) == ("talking", lucia.pk)
    answered = ContactEvent.objects.get(contact=contact, kind="answered")
    assert answered.rule == "PO-2" and answered.data["waited_seconds"] == 40
    calls.hang_up(contact_id=contact.pk, user=lucia)
    calls.finish_wrap_up(contact_id=contact.pk, user=lucia)
    assert TechnicianState.objects.get(user=lucia).status == "disponible"
    assert board_entries(visit.day)[0].waiting is False  # at the desk, not expected any more


def test_a_no_show_ends_the_visit_unanswered_and_frees_the_technician(repairs, reception, lucia, clock):
    visit = visitor(reception)
    calling.call_next(user=lucia, desk="Mesa 3")
    clock.advance(30)
    again = calling.call_again(user=lucia, visit_id=visit.pk)
    assert again.calls == 2 and board_entries(visit.day)[0].calls == 2
    calling.mark_no_show(user=lucia, visit_id=visit.pk)
    contact = Contact.objects.get(pk=visit.contact_id)
    assert (contact.state, contact.data["end_cause"]) == ("abandoned", "no_show")
    assert ContactEvent.objects.get(contact=contact, kind="abandoned").actor == lucia
    assert TechnicianState.objects.get(user=lucia).status == "disponible"
    assert board_entries(visit.day) == []  # a no-show drops off the display


def refused(action, **given):
    with pytest.raises(InputError) as error:
        action(**given)
    return error.value.code, error.value.rule


def test_only_the_technician_who_called_a_visitor_serves_them_or_marks_them(repairs, reception, lucia, jorge, clock):
    visit = visitor(reception)
    assert refused(calling.serve, user=lucia, visit_id=visit.pk) == ("not_called_by_you", "CH-PRE")
    calling.call_next(user=lucia, desk="Mesa 3")
    for action in (calling.serve, calling.mark_no_show, calling.call_again):
        assert refused(action, user=jorge, visit_id=visit.pk) == ("not_called_by_you", "CH-PRE")
    assert refused(calling.serve, user=lucia, visit_id=99999) == ("unknown_visit", "CH-PRE")


def test_call_next_needs_a_desk_and_an_available_technician(repairs, reception, lucia, clock):
    visitor(reception)
    assert refused(calling.call_next, user=lucia, desk=" ") == ("required", "CH-PRE")
    availability.pause(user=lucia, reason="Descanso")
    assert refused(calling.call_next, user=lucia, desk="Mesa 3") == ("not_available", "CH-TEL")


def test_a_visitor_needing_a_skill_waits_for_a_technician_who_has_it(reception, lucia, clock):
    save_service(queue="taller", letter="T", label="Taller", skills=["hardware"])
    visitor(reception, service="T")
    assert refused(calling.call_next, user=lucia, desk="Mesa 1") == ("none_you_can_take", "PO-2")
    expert = make_technician("ines", skills=["hardware"])
    assert calling.call_next(user=expert, desk="Mesa 2").ticket == "T-001"


def test_call_next_takes_no_call_and_the_consoles_take_next_call_takes_no_visitor(repairs, reception, lucia, jorge,
                                                                                    clock):
    phone_call = routing.create_contact(queue="mostrador", route=False).contact  # a call parked in that queue
    visit = visitor(reception)
    assert calling.call_next(user=lucia, desk="Mesa 1").pk == visit.pk
    later = visitor(reception, phone="+34600999888", name="Pedro Gil")
    calling.mark_no_show(user=lucia, visit_id=visit.pk)
    phone_call.refresh_from_db()
    assert (phone_call.state, phone_call.offered_to_id) == ("offered", lucia.pk)  # calls are rung, as ever
    availability.pause(user=jorge, reason="Formación")
    availability.make_available(user=jorge)
    assert routing.claim_next_contact(user=jorge) is None  # the console's "take the next call": no visitor
    assert Contact.objects.get(pk=later.contact_id).state == "waiting"
