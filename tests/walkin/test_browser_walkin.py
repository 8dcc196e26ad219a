"""A real browser follows a visitor from the kiosk to the waiting-room display to the technician's console.

At the reception kiosk Carmen picks the repair service, types her name, her phone and the number of her open
request and gets ticket A-001. The waiting-room display, open on a TV with nobody signed in, is live; Lucía,
at her console, calls the next visitor to «Mesa 3»: the TV shows A-001 and the desk without reloading, her
console has the visitor's ticket, name and work order, and when Carmen arrives Lucía serves her: the contact
is answered (channel presencial) and the customer card shows the work order in its phase (SP-1).
Served by uvicorn (tests/consoles/browser.py) because the display needs its websocket.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.consoles.browser import CHROMIUM, sign_in
from tests.consoles.live_server import ROOT
from tests.consoles.seed import CALLER

pytestmark = [
    pytest.mark.browser,
    # The served center has a database of its own (SQLite, or PostgreSQL on that run); the marker puts the test in
    # the PostgreSQL half too (tests/conftest.py selects database tests there).
    pytest.mark.django_db,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no system Chromium at {CHROMIUM} (apt-get install chromium)"),
]

SERVICE = ("from atiende.cli.django_setup import setup_django; setup_django(); "
           "from atiende.walkin.services.catalogue import save_service; "
           "save_service(queue='mostrador', letter='A', label='Reparaciones')")


def test_kiosk_ticket_reaches_the_display_when_a_technician_calls_next_from_the_console(served):
    from playwright.sync_api import expect

    server, browser, stored = served.server, served.browser, served.stored
    subprocess.run([sys.executable, "-c", SERVICE], env=server.env, cwd=ROOT, check=True, timeout=120,
                   capture_output=True)

    # The reception kiosk: a tablet signed in with a staff account, big touch targets, Spanish.
    kiosk = sign_in(browser, server, "jorge")
    kiosk.goto(f"{server.url}/recepcion/")
    expect(kiosk.get_by_role("heading", name="Bienvenido")).to_be_visible()
    kiosk.get_by_text("Reparaciones").click()
    kiosk.get_by_label("Su nombre").fill("Carmen Ruiz")
    kiosk.get_by_label("Su teléfono").fill("12ab")
    kiosk.get_by_role("button", name="Sacar turno").click()
    expect(kiosk.locator(".kiosk-error").first).to_contain_text("CH-PRE")  # a mistake, said plainly
    kiosk.get_by_label("Su teléfono").fill(CALLER)
    kiosk.get_by_label("Su número de solicitud, si lo tiene (opcional)").fill("1")
    kiosk.get_by_role("button", name="Sacar turno").click()
    expect(kiosk.locator("#ticket-number")).to_have_text("A-001")
    expect(kiosk.get_by_text("Su solicitud: #1")).to_be_visible()

    # The waiting-room TV: nobody signed in, live over its websocket.
    tv = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="es-ES").new_page()
    tv.goto(f"{server.url}/sala/")
    expect(tv.locator("#display")).to_have_attribute("data-live", "yes")
    expect(tv.locator("#now-calling")).to_have_attribute("data-ticket", "")

    # Lucía calls the next visitor from her console's desk panel.
    lucia = sign_in(browser, server, "lucia")
    lucia.goto(f"{server.url}/consola/")
    panel = lucia.locator("#desk-panel")
    expect(panel).to_contain_text("1 visitante esperando: A-001")
    panel.get_by_label("Mi mesa").fill("Mesa 3")
    panel.get_by_role("button", name="Llamar al siguiente").click()
    expect(panel.locator("#desk-called")).to_contain_text("A-001")
    expect(panel.locator("#desk-called")).to_contain_text("Carmen Ruiz")
    expect(panel.locator("#desk-called")).to_contain_text("Solicitud #1")

    # The TV shows the ticket and the desk without reloading; the name never.
    expect(tv.locator("#now-calling")).to_have_attribute("data-ticket", "A-001")
    expect(tv.locator("#now-calling")).to_contain_text("Mesa 3")
    expect(tv.locator("#now-calling")).to_have_class("now-line waiting flash")
    assert "Carmen" not in tv.content()

    # Carmen comes to the desk: Lucía serves her; the visit goes on as a call, with the work order's phases.
    panel.get_by_role("button", name="El visitante ha llegado").click()
    expect(lucia.locator("#active-contact")).to_have_attribute("data-state", "talking")
    expect(lucia.locator("#customer-card")).to_contain_text("Identificación")
    expect(tv.locator("#now-calling")).not_to_have_class("now-line waiting flash")
    rows = stored.rows("SELECT c.state, c.channel, u.username FROM contact_contact c "
                       "JOIN people_user u ON u.id = c.assignee_id")
    assert rows == [("talking", "presencial", "lucia")]
