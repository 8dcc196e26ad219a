"""The kiosk at reception and the desk panel of the console, as people use them (CH-PRE)."""

from __future__ import annotations

import pytest
from django.test import Client

from atiende.contact.models import Contact
from atiende.people.models import User
from atiende.walkin.models import Visit
from atiende.walkin.services.checkin import check_in

from .conftest import PHONE

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_kiosk_speaks_spanish_and_gives_a_ticket(repairs, pickups, reception, clock):
    kiosk = signed_in(reception)
    page = kiosk.get("/recepcion/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Bienvenido" in html and "Reparaciones" in html and "Recogida de equipos" in html
    assert 'class="topbar"' not in html  # kiosk mode: nothing to wander off to
    done = kiosk.post("/recepcion/", {"service": "R", "name": "Carmen Ruiz", "phone": PHONE}, follow=True)
    assert "R-001" in done.content.decode() and "Su turno" in done.content.decode()


def test_the_kiosk_in_english(repairs, reception, clock):
    kiosk = signed_in(reception)
    page = kiosk.get("/recepcion/", headers={"Accept-Language": "en"})
    assert "Take a ticket" in page.content.decode()


def test_a_kiosk_mistake_is_shown_on_the_form_naming_the_rule(repairs, reception, clock):
    page = signed_in(reception).post("/recepcion/", {"service": "A", "name": "Carmen Ruiz", "phone": "12ab"})
    assert page.status_code == 400
    assert "(CH-PRE)" in page.content.decode() and "no es un número de teléfono válido" in page.content.decode()
    assert not Visit.objects.exists() and not Contact.objects.exists()


def test_the_kiosk_is_for_a_signed_in_reception_device(repairs, clock):
    assert Client().get("/recepcion/").status_code == 302  # to the sign-in
    customer = User.objects.create_user("carmen", role="cliente")
    assert signed_in(customer).get("/recepcion/").status_code == 403


def test_a_technician_calls_serves_and_marks_from_the_console_panel(repairs, reception, lucia, clock):
    first = check_in(actor=reception, service="A", name="Carmen Ruiz", phone=PHONE, reason="Pantalla rota")
    check_in(actor=reception, service="A", name="Pedro Gil", phone="+34600999888")
    console = signed_in(lucia)
    panel = console.get("/mostrador/").content.decode()
    assert "Llamar al siguiente" in panel and "2 visitantes esperando" in panel
    refused = console.post("/mostrador/llamar/", {"desk": ""}, headers={"HX-Request": "true"})
    assert refused.status_code == 400 and "(CH-PRE)" in refused.content.decode()
    called = console.post("/mostrador/llamar/", {"desk": "Mesa 3"}, headers={"HX-Request": "true"})
    html = called.content.decode()
    assert first.ticket in html and "Carmen Ruiz" in html and "Pantalla rota" in html
    assert f"#{first.work_order.number}" in html and "Identificación" in html  # SP-1: the work order's phase
    served = console.post(f"/mostrador/{first.pk}/atender/", headers={"HX-Request": "true"})
    assert served.status_code == 200
    assert Contact.objects.get(pk=first.contact_id).state == "talking"


def test_without_htmx_the_panel_actions_go_back_to_the_console(repairs, reception, lucia, clock):
    check_in(actor=reception, service="A", name="Carmen Ruiz", phone=PHONE)
    answer = signed_in(lucia).post("/mostrador/llamar/", {"desk": "Mesa 3"})
    assert answer.status_code == 302 and answer.url == "/consola/"


def test_staff_book_a_visit_on_the_page_and_a_full_slot_is_refused_naming_the_rule(repairs, reception, clock):
    from atiende.desk.models import Customer

    carmen = Customer.objects.create(name="Carmen Ruiz")
    pedro = Customer.objects.create(name="Pedro Gil")
    page = signed_in(reception)
    assert page.get("/recepcion/citas/").status_code == 200
    done = page.post("/recepcion/citas/", {"service": "A", "customer": carmen.pk, "starts_at": "2026-01-05T11:20",
                                           "reason": "Recoger el portátil"}, follow=True)
    assert done.status_code == 200 and "Carmen Ruiz" in done.content.decode()
    full = page.post("/recepcion/citas/", {"service": "A", "customer": pedro.pk, "starts_at": "2026-01-05T11:20"})
    assert full.status_code == 400
    assert "Esa franja ya está completa" in full.content.decode() and "(CH-PRE)" in full.content.decode()


def test_the_kiosk_mode_keeps_check_in_and_nothing_else_on_the_device(repairs, reception, clock):
    from atiende.walkin.kiosk import COOKIE

    device = signed_in(reception)
    opened = device.post("/recepcion/quiosco/")
    assert opened.status_code == 302 and opened.url == "/recepcion/"
    assert opened.cookies[COOKIE]["httponly"] and opened.cookies[COOKIE]["samesite"] == "Strict"
    assert device.get("/solicitudes/").status_code == 302  # the staff session ended: the desk is behind sign-in
    page = device.get("/recepcion/")
    assert page.status_code == 200 and "Abrir el modo quiosco" not in page.content.decode()
    done = device.post("/recepcion/", {"service": "A", "name": "Carmen Ruiz", "phone": PHONE}, follow=True)
    assert "A-001" in done.content.decode()
    assert Visit.objects.get().checked_in_by == reception  # check-ins act for who opened the kiosk
    reception.is_active = False
    reception.save()
    assert device.get("/recepcion/").status_code == 302  # their account closed: so is the kiosk


def test_a_forged_kiosk_cookie_opens_nothing(repairs, reception, clock):
    from django.core import signing

    from atiende.walkin.kiosk import COOKIE

    forged = Client()
    forged.cookies[COOKIE] = signing.dumps({"user": reception.pk}, salt="another.salt")
    assert forged.get("/recepcion/").status_code == 302
    forged.cookies[COOKIE] = "not-signed"
    assert forged.get("/recepcion/").status_code == 302


def test_a_visitor_who_went_away_leaves_the_line_from_the_panel(repairs, reception, lucia, clock):
    gone = check_in(actor=reception, service="A", name="Carmen Ruiz", phone=PHONE)
    console = signed_in(lucia)
    assert "Se fue" in console.get("/mostrador/").content.decode()
    panel = console.post(f"/mostrador/{gone.pk}/se-fue/", headers={"HX-Request": "true"}).content.decode()
    assert "0 visitantes esperando" in panel
    assert Contact.objects.get(pk=gone.contact_id).state == "abandoned"
