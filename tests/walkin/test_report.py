"""The walk-in desk's figures (issue 18): visitors, waits until served, no-shows, by service; not calls."""

from __future__ import annotations

import pytest

from atiende.contact.services import calls
from atiende.reports.services import build
from atiende.walkin.services import calling
from atiende.walkin.services.checkin import check_in

from .conftest import PHONE

pytestmark = pytest.mark.django_db
DAY = "2026-01-05"  # the contact tests' clock starts on that Monday


def figures(report, section="summary"):
    found = next(s for s in report.sections if s.key == section)
    return {row.get("key", row.get("service")): row.get("value", row) for row in found.rows}


def test_waits_no_shows_and_visitors_who_left_by_service_and_no_visitor_counted_as_a_call(
        repairs, pickups, reception, lucia, clock):
    served = check_in(actor=reception, service="A", name="Carmen Ruiz", phone=PHONE)
    missing = check_in(actor=reception, service="A", name="Pedro Gil", phone="+34600999888")
    gone = check_in(actor=reception, service="R", name="Ana Sanz", phone="+34600777666")
    clock.advance(120)
    calling.call_next(user=lucia, desk="Mesa 1")
    clock.advance(60)
    calling.serve(user=lucia, visit_id=served.pk)  # waited 3 minutes
    calls.hang_up(contact_id=served.contact_id, user=lucia)
    calls.finish_wrap_up(contact_id=served.contact_id, user=lucia)
    calling.call_next(user=lucia, desk="Mesa 1", service="A")
    calling.call_again(user=lucia, visit_id=missing.pk)
    calling.mark_no_show(user=lucia, visit_id=missing.pk)
    calling.record_left(user=reception, visit_id=gone.pk)  # reception saw her leave before her turn

    report = build(name="walk-ins", first=DAY, last=DAY)
    summary = figures(report)
    assert (summary["visitors"], summary["served"], summary["no_shows"], summary["left"]) == (3, 1, 1, 1)
    assert summary["no_show_rate"] == 0.5 and summary["called_again"] == 1
    assert summary["mean_wait"] == 180.0 and summary["within_po2"] == 1.0  # the desk's own 15-minute PO-2
    by_service = figures(report, "by_service")
    assert (by_service["Reparaciones"]["visitors"], by_service["Recogida de equipos"]["visitors"]) == (2, 1)

    calls_report = figures(build(name="calls", first=DAY, last=DAY))
    assert (calls_report["offered"], calls_report["abandoned"]) == (0, 0)  # visitors are not calls


def test_the_wallboard_figures_of_calls_leave_visitors_out(repairs, reception, lucia, clock):
    from atiende.contact.selectors import stats

    since = clock.now()
    visit = check_in(actor=reception, service="A", name="Carmen Ruiz", phone=PHONE)
    calling.call_next(user=lucia, desk="Mesa 1")
    calling.mark_no_show(user=lucia, visit_id=visit.pk)
    board = stats(since=since)
    assert (board["answered"], board["abandoned"], board["abandonment_rate"]) == (0, 0, 0.0)


def test_the_wallboard_has_the_desks_figures_of_today(reception, lucia, clock):
    from django.test import Client

    from atiende.people.models import Team
    from atiende.walkin.services.catalogue import save_service
    from tests.contact.conftest import make_technician

    desk_team = Team.objects.create(name="Mostrador")
    save_service(queue="mostrador", letter="A", label="Reparaciones", team_id=desk_team.pk)
    marta = make_technician("marta", role="supervisor", tier=2, available=False)
    marta.teams.add(desk_team)
    lucia.teams.add(desk_team)
    first = check_in(actor=reception, service="A", name="Carmen Ruiz", phone=PHONE)
    check_in(actor=reception, service="A", name="Pedro Gil", phone="+34600999888")
    calling.call_next(user=lucia, desk="Mesa 1")
    calling.mark_no_show(user=lucia, visit_id=first.pk)
    clock.advance(90)
    board = Client()
    board.force_login(marta)
    assert 'hx-get="/mostrador/cifras/"' in board.get("/panel/").content.decode()
    card = board.get("/mostrador/cifras/").content.decode()
    assert "Atención presencial hoy" in card
    assert 'id="walkin-waiting">1<' in card and "espera más larga 90 s" in card
    assert 'id="walkin-no-shows">1<' in card
    technician = Client()
    technician.force_login(lucia)
    assert technician.get("/mostrador/cifras/").status_code == 403


def test_booked_visits_nobody_came_to_are_counted_as_no_shows_in_the_report_and_on_the_wallboard(
        repairs, reception, lucia, clock):
    from django.test import Client

    from atiende.desk.models import ContactPoint, Customer
    from atiende.people.models import User
    from atiende.walkin.services import bookings

    staff = User.objects.create_user("ana", role="administrador")

    def customer(name, phone):
        found = Customer.objects.create(name=name)
        ContactPoint.objects.create(customer=found, kind="telefono", value=phone, preferred=True)
        return found

    # Monday 10:00 in Madrid: four booked visits and a cancelled one.
    for name, phone, slot in (("Carmen Ruiz", PHONE, "10:20"), ("Pedro Gil", "+34600999888", "10:40"),
                              ("Luisa Mora", "+34600777666", "11:00"), ("Marta Gil", "+34600555444", "13:00"),
                              ("Ana Sanz", "+34600333222", "11:20")):
        bookings.book_visit(actor=staff, service="A", customer=customer(name, phone),
                            starts_at=f"2026-01-05T{slot}:00+01:00")
    cancelled = bookings.visible_bookings(staff).get(customer__name="Ana Sanz")
    bookings.cancel_booking(actor=staff, booking_id=cancelled.pk)
    # Carmen comes for hers, is called and does not come to the desk: a no-show when called.
    clock.advance(15 * 60)
    carmen = check_in(actor=reception, service="A", name="Carmen Ruiz", phone=PHONE, booked=True)
    calling.call_next(user=lucia, desk="Mesa 1")
    calling.mark_no_show(user=lucia, visit_id=carmen.pk)
    # Nobody comes for Pedro's (10:40-11:00; the worker records it) nor Luisa's (11:00-11:20; not recorded yet).
    clock.advance(45 * 60)
    assert bookings.record_no_shows() == 1
    clock.advance(21 * 60)  # 11:21

    summary = figures(build(name="walk-ins", first=DAY, last=DAY))
    assert (summary["booked_visits"], summary["booked_no_shows"], summary["booked_no_show_rate"]) == (4, 2, 2 / 3)
    assert (summary["no_shows"], summary["all_no_shows"]) == (1, 3)  # Carmen when called; Pedro and Luisa booked
    by_service = figures(build(name="walk-ins", first=DAY, last=DAY), "by_service")
    assert (by_service["Reparaciones"]["no_shows"], by_service["Reparaciones"]["booked_no_shows"]) == (1, 2)
    # A booking is no technician's: the technician filter leaves them out.
    assert figures(build(name="walk-ins", first=DAY, last=DAY, filters={"technician": "lucia"}))[
        "booked_no_shows"] == 0

    board = Client()
    board.force_login(staff)
    card = board.get("/mostrador/cifras/").content.decode()
    assert 'id="walkin-booked-no-shows">2<' in card and "de 4 con cita" in card
