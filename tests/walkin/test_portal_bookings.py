"""A customer books a visit themselves in the portal, sees and cancels it; booked visitors who check in for
their slot are called before the walk-ins; a booked visit nobody came to is recorded as a no-show (CH-PRE).

The clock: Monday 5 January 2026, 10:00 in Madrid (the desk's time zone); slots every 20 minutes, 09:00-14:00.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from atiende.desk.models import ContactPoint, Customer
from atiende.errors import InputError
from atiende.people.models import User
from atiende.walkin.models import Booking
from atiende.walkin.services import bookings, calling
from atiende.walkin.services.checkin import check_in

from .conftest import PHONE

pytestmark = pytest.mark.django_db
SLOT = "2026-01-05T10:20:00+01:00"


@pytest.fixture
def carmen(db):
    """A customer with a portal account (the portal knows customers by their sign-in) and a phone."""
    account = User.objects.create_user("carmen", role="cliente", first_name="Carmen")
    customer = Customer.objects.create(name="Carmen Ruiz", user=account)
    ContactPoint.objects.create(customer=customer, kind="telefono", value=PHONE, preferred=True)
    return account


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_customer_chooses_a_day_and_a_free_slot_then_sees_and_cancels_the_booking(repairs, carmen, clock):
    page = signed_in(carmen)
    day = page.get("/citas/?service=A&day=2026-01-05")
    html = day.content.decode()
    assert day.status_code == 200 and "Horas libres: Reparaciones" in html
    assert f'value="{"2026-01-05T10:00:00+01:00"}"' not in html  # 10:00 has begun: not offered
    assert f'value="{SLOT}"' in html  # the first free time
    done = page.post("/citas/", {"service": "A", "day": "2026-01-05", "starts_at": SLOT, "reason": "Recoger"},
                     follow=True)
    assert done.status_code == 200
    booking = Booking.objects.get()
    assert (booking.customer.user, booking.status, booking.reason) == (carmen, "reservada", "Recoger")
    html = done.content.decode()
    assert 'id="my-bookings"' in html and "Reparaciones" in html and "Recoger" in html
    assert f'value="{SLOT}" class="button-secondary slot" disabled' in html  # capacity 1: now full
    # One booked visit per service and day: a second is refused, naming the rule.
    again = page.post("/citas/", {"service": "A", "day": "2026-01-05", "starts_at": "2026-01-05T11:00:00+01:00"})
    assert again.status_code == 409 and "(CH-PRE)" in again.content.decode()
    assert Booking.objects.count() == 1
    cancelled = page.post(f"/citas/{booking.pk}/cancelar/", follow=True)
    assert cancelled.status_code == 200 and Booking.objects.get().status == "cancelada"
    assert f'value="{SLOT}" class="button-secondary slot">' in cancelled.content.decode()  # free again


def test_a_customer_cannot_cancel_anothers_booking_nor_book_a_past_or_closed_slot(repairs, carmen, clock):
    other = Customer.objects.create(name="Pedro Gil")
    staff = User.objects.create_user("ana", role="administrador")
    theirs = bookings.book_visit(actor=staff, service="A", customer=other, starts_at=SLOT)
    with pytest.raises(InputError) as caught:
        bookings.cancel_own_booking(actor=carmen, booking_id=theirs.pk)
    assert caught.value.code == "unknown_booking" and caught.value.status == 404
    assert signed_in(carmen).post(f"/citas/{theirs.pk}/cancelar/").status_code == 302
    assert Booking.objects.get(pk=theirs.pk).status == "reservada"
    for starts_at in ("2026-01-05T09:40:00+01:00", "2026-01-10T10:20:00+01:00", "2026-01-05T10:25:00+01:00"):
        answer = signed_in(carmen).post("/citas/", {"service": "A", "starts_at": starts_at})
        assert answer.status_code == 400 and "(CH-PRE)" in answer.content.decode(), starts_at
    with pytest.raises(InputError) as caught:
        bookings.book_own_visit(actor=staff, service="A", starts_at=SLOT)
    assert caught.value.code == "not_a_customer"
    assert signed_in(staff).get("/citas/").status_code == 403


def test_a_booked_visitor_checked_in_for_their_slot_is_called_before_the_walk_ins(repairs, reception, carmen,
                                                                                 lucia, clock):
    booking = bookings.book_own_visit(actor=carmen, service="A", starts_at=SLOT)
    clock.advance(5 * 60)  # 10:05
    pedro = check_in(actor=reception, service="A", name="Pedro Gil", phone="+34600999888")
    clock.advance(10 * 60)  # 10:15, early for 10:20: they wait as anyone until their time
    booked = check_in(actor=reception, service="A", name="Carmen Ruiz", phone=PHONE, booked=True)
    assert booked.ticket == "C-001" and booked.booking_id == booking.pk
    clock.advance(5 * 60)  # 10:20: Carmen's slot has come; Pedro has waited longer, but has no booking
    assert calling.call_next(user=lucia, desk="Mesa 1").pk == booked.pk
    calling.serve(user=lucia, visit_id=booked.pk)
    jorge = User.objects.create_user("jorge", role="tecnico")
    from atiende.contact.services import availability
    availability.make_available(user=jorge)
    assert calling.call_next(user=jorge, desk="Mesa 2").pk == pedro.pk


def test_an_early_or_late_booked_visitor_waits_in_arrival_order(repairs, reception, carmen, lucia, clock):
    bookings.book_own_visit(actor=carmen, service="A", starts_at=SLOT)
    clock.advance(41 * 60)  # 10:41: the 10:20 slot has ended
    pedro = check_in(actor=reception, service="A", name="Pedro Gil", phone="+34600999888")
    clock.advance(60)
    late = check_in(actor=reception, service="A", name="Carmen Ruiz", phone=PHONE, booked=True)
    assert late.ticket == "C-001"
    assert calling.call_next(user=lucia, desk="Mesa 1").pk == pedro.pk


def test_a_booked_visit_nobody_came_to_is_a_no_show(repairs, reception, carmen, lucia, clock):
    missed = bookings.book_own_visit(actor=carmen, service="A", starts_at=SLOT)
    clock.advance(39 * 60)  # 10:39: the slot ends at 10:40
    assert bookings.record_no_shows() == 0
    clock.advance(60)
    assert bookings.record_no_shows() == 1
    missed.refresh_from_db()
    assert missed.status == "no_vino" and missed.get_status_display() == "No se presentó"
    # A booked visitor who checked in, was called and did not come to the desk: a no-show too.
    staff = User.objects.create_user("ana", role="administrador")
    later = bookings.book_visit(actor=staff, service="A", customer=Customer.objects.get(user=carmen),
                                starts_at="2026-01-05T11:00:00+01:00")
    clock.advance(20 * 60)  # 11:00
    visit = check_in(actor=reception, service="A", name="Carmen Ruiz", phone=PHONE, booked=True)
    calling.call_next(user=lucia, desk="Mesa 1")
    clock.advance(timedelta(minutes=3).total_seconds())
    calling.mark_no_show(user=lucia, visit_id=visit.pk)
    later.refresh_from_db()
    assert later.status == "no_vino"
    assert bookings.record_no_shows() == 0


def test_the_desk_panel_lists_the_line_in_the_order_call_next_takes_it(repairs, reception, carmen, lucia, clock):
    bookings.book_own_visit(actor=carmen, service="A", starts_at=SLOT)
    clock.advance(5 * 60)
    check_in(actor=reception, service="A", name="Pedro Gil", phone="+34600999888")
    clock.advance(10 * 60)
    check_in(actor=reception, service="A", name="Carmen Ruiz", phone=PHONE, booked=True)
    panel = signed_in(lucia)
    assert "2 visitantes esperando: A-001, C-001" in panel.get("/mostrador/").content.decode()  # early: by arrival
    clock.advance(5 * 60)  # 10:20, her slot
    assert "2 visitantes esperando: C-001, A-001" in panel.get("/mostrador/").content.decode()
