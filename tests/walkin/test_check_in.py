"""A visitor checks in at reception: a ticket of the day, a work order, a place in the walk-in queue (CH-PRE)."""

import pytest

from atiende.contact.models import Contact
from atiende.contact.services import routing
from atiende.desk.models import Customer, WorkOrder
from atiende.errors import InputError
from atiende.walkin.services.checkin import check_in

from .conftest import PHONE

pytestmark = pytest.mark.django_db


def test_a_visitor_gets_the_days_next_ticket_a_work_order_and_a_place_in_line(repairs, reception, clock):
    first = check_in(actor=reception, service="A", name="Carmen Ruiz", phone=PHONE, reason="El portátil no arranca")
    second = check_in(actor=reception, service=repairs.pk, name="Pedro Gil", phone="+34600999888")
    assert (first.ticket, second.ticket) == ("A-001", "A-002")
    order = first.work_order
    assert (order.channel, order.phase, order.title, order.customer.name) == (
        "presencial", "identificacion", "El portátil no arranca", "Carmen Ruiz")
    assert second.work_order.title == "Reparaciones"  # no reason given: the service's name
    contact = first.contact
    assert (contact.channel, contact.state, contact.queue.name, contact.customer_id) == (
        "presencial", "waiting", "mostrador", order.customer_id)


def test_numbers_start_again_the_next_day_and_each_service_has_its_letter(repairs, pickups, reception, clock):
    check_in(actor=reception, service="A", name="Carmen Ruiz", phone=PHONE)
    assert check_in(actor=reception, service="R", name="Carmen Ruiz", phone=PHONE).ticket == "R-001"
    clock.advance(24 * 3600)
    assert check_in(actor=reception, service="A", name="Carmen Ruiz", phone=PHONE).ticket == "A-001"


def test_a_known_phone_finds_the_customer_and_the_request_number_links_their_open_work_order(repairs, reception,
                                                                                           clock):
    first = check_in(actor=reception, service="A", name="Carmen Ruiz", phone=PHONE)
    again = check_in(actor=reception, service="A", name="Carmen", phone="+34 600 123 456",
                     work_order_number=str(first.work_order.number))
    assert again.customer_id == first.customer_id
    assert again.work_order_id == first.work_order_id
    assert Customer.objects.count() == 1 and WorkOrder.objects.count() == 1


def refused(**given):
    with pytest.raises(InputError) as error:
        check_in(**given)
    return error.value.code, error.value.rule, error.value.field


def test_bad_input_is_refused_naming_the_rule_and_nothing_is_stored(repairs, reception, clock):
    base = {"actor": reception, "service": "A", "name": "Carmen Ruiz", "phone": PHONE}
    assert refused(**{**base, "name": "  "}) == ("required", "CH-PRE", "name")
    assert refused(**{**base, "phone": ""}) == ("required", "CH-PRE", "phone")
    assert refused(**{**base, "phone": "12ab"}) == ("invalid_phone", "CH-PRE", "phone")
    assert refused(**{**base, "service": "Z"}) == ("unknown_service", "CH-PRE", "service")
    assert refused(**{**base, "work_order_number": "dos"}) == ("invalid_work_order_number", "CH-PRE", "work_order")
    assert refused(**{**base, "booked": True}) == ("no_booking_today", "CH-PRE", "phone")
    assert Contact.objects.count() == Customer.objects.count() == WorkOrder.objects.count() == 0


def test_another_customers_request_number_is_refused_as_if_it_did_not_exist(repairs, reception, clock):
    theirs = check_in(actor=reception, service="A", name="Carmen Ruiz", phone=PHONE)
    code = refused(actor=reception, service="A", name="Pedro Gil", phone="+34600999888",
                   work_order_number=theirs.work_order.number)
    missing = refused(actor=reception, service="A", name="Pedro Gil", phone="+34600999888", work_order_number=99999)
    assert code == missing == ("unknown_work_order", "CH-PRE", "work_order")


def test_nobody_is_rung_with_a_visitor_not_even_an_available_technician(repairs, reception, lucia, clock):
    visit = check_in(actor=reception, service="A", name="Carmen Ruiz", phone=PHONE)
    assert routing.dispatch() == 0
    visit.contact.refresh_from_db()
    assert (visit.contact.state, visit.contact.offered_to_id) == ("waiting", None)


def test_a_call_the_pbx_sends_to_no_queue_never_lands_in_a_walk_in_queue(repairs, clock):
    from atiende.contact.services import queues
    from atiende.telephony.directory import first_queue

    with pytest.raises(InputError) as error:
        first_queue()  # the desk's queue was created first, and is no place for a call
    assert (error.value.code, error.value.rule) == ("no_queue", "CH-TEL")
    queues.save_queue(name="soporte", label="Soporte")
    assert first_queue().name == "soporte"
