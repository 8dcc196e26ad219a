"""A real browser works a campaign in the console's preview mode, and a customer asks «Llámenme» in the portal
(issue 18, CH-PRO, PT-2).

Preview: Lucía takes the next person of an active campaign; the customer card comes first, with the PH-5
opening line for Doña Carmen Ruiz, then she calls (no PBX configured: she dials by hand, as the panel says) and
records the outcome; the person is reached, and the call is counted (PO-3). Portal: Carmen, signed in as a
customer, opens her request, asks to be called back tomorrow 10:00-12:00, and sees the promise on the request.
Served by uvicorn (tests/consoles/browser.py), on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.consoles.browser import CHROMIUM, live, run_in_center, sign_in, start_repair_campaign
from tests.consoles.conftest import console_browser, served  # noqa: F401  (fixtures)
from tests.consoles.seed import CALLER

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db,  # the PostgreSQL half runs it too (tests/conftest.py)
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no system Chromium at {CHROMIUM} (apt-get install chromium)"),
]

# Carmen's own account in the portal, where she asks to be called back.
CARMEN_SIGNS_IN = """
from atiende.people.models import User
account = User.objects.create_user("carmen", password=PASSWORD, role="cliente", first_name="Carmen")
Customer.objects.filter(pk=carmen.pk).update(user=account)
"""


def _setup(server) -> None:
    start_repair_campaign(server, policy={"callback_max_attempts": 2}, then=CARMEN_SIGNS_IN)


def test_a_technician_works_a_campaign_in_preview_card_first_then_the_call_then_the_outcome(served):  # noqa: F811
    from playwright.sync_api import expect

    server, browser, stored = served.server, served.browser, served.stored
    _setup(server)
    lucia = sign_in(browser, server, "lucia")
    lucia.goto(f"{server.url}/consola/")
    panel = lucia.locator("#preview-panel")
    expect(panel).to_contain_text("Campañas salientes")
    panel.get_by_role("button", name="Siguiente persona a llamar").click()
    # The card first: who, their time, the PH-5 opening line with her form of address, the script.
    card = panel.locator("#preview-card")
    expect(card).to_contain_text("Doña Carmen Ruiz")
    expect(card.locator("#preview-opening")).to_contain_text("¿Podría hablar con Doña Carmen Ruiz, por favor?")
    expect(card.locator("#preview-opening")).to_contain_text("PH-5")
    expect(card).to_contain_text("Le llamamos para saber si su equipo funciona bien.")
    expect(card.locator("#btn-outcome")).to_have_count(0)  # no outcome before the call
    card.locator("#btn-dial").click()
    expect(card.locator("#preview-call-state")).to_contain_text(f"Marque el {CALLER} en su teléfono.")
    # From the dial she is on a call: the console's call card shows her own dial, with nothing to decline,
    # and routing passes her by («ocupado») until the outcome.
    call_card = lucia.locator("#active-contact")
    expect(call_card.locator("#own-dial")).to_contain_text(f"Marque el {CALLER} en su teléfono")
    expect(call_card.locator("[data-action=decline]")).to_have_count(0)
    expect(lucia.locator("#my-status")).to_have_attribute("data-status", "ocupado")
    call_card.get_by_role("button", name="Han contestado").click()  # Carmen picks up: the talk starts
    expect(call_card).to_have_attribute("data-state", "talking")
    card.get_by_label("Contactada").check()
    card.get_by_label("Nota").fill("El equipo funciona; satisfecha.")
    card.locator("#btn-outcome").click()
    expect(panel.get_by_role("button", name="Siguiente persona a llamar")).to_be_visible()
    assert stored.rows("SELECT status, attempts FROM campaigns_target") == [("reached", 1)]
    assert stored.rows("SELECT c.direction, c.state, u.username FROM contact_contact c "
                       "JOIN people_user u ON u.id = c.assignee_id") == [("outbound", "wrap_up", "lucia")]


SECOND_PERSON = """
from atiende.campaigns.models import Campaign, Target
Target.objects.create(campaign=Campaign.objects.get(), name="Pedro Gil", phone="+34600999888", number="+34600999888",
                      zones="Europe/Madrid", zone_source="list")
"""


def test_the_preview_panel_follows_the_others_and_a_pause_without_a_reload(served):  # noqa: F811
    """Issue 18: the panel changed only on reload. Jorge takes a person and Lucía's panel counts one fewer; Marta
    pauses the campaign and Jorge's card says so (no «Llamar») while the campaign leaves Lucía's panel."""
    from playwright.sync_api import expect

    server, browser, stored = served.server, served.browser, served.stored
    _setup(server)
    run_in_center(server, SECOND_PERSON)
    lucia = sign_in(browser, server, "lucia")
    live(lucia, "/consola/", server)
    expect(lucia.locator("#preview-campaigns")).to_contain_text("quedan 2 personas por llamar")
    jorge = sign_in(browser, server, "jorge")
    live(jorge, "/consola/", server)
    jorge.locator("#preview-panel").get_by_role("button", name="Siguiente persona a llamar").click()
    expect(jorge.locator("#preview-card #btn-dial")).to_be_visible()
    expect(lucia.locator("#preview-campaigns")).to_contain_text("queda 1 persona por llamar")  # no reload
    marta = sign_in(browser, server, "marta")
    [(campaign_id,)] = stored.rows("SELECT id FROM campaigns_campaign")
    marta.goto(f"{server.url}/campanas/{campaign_id}/")
    marta.get_by_role("button", name="Pausar").click()
    expect(jorge.locator("#preview-paused")).to_contain_text("CH-PRO")
    expect(jorge.locator("#preview-card #btn-dial")).to_have_count(0)
    expect(lucia.locator("#preview-panel")).to_have_count(0)
    assert stored.rows("SELECT status FROM campaigns_campaign") == [("paused",)]


def test_a_customer_asks_to_be_called_back_from_their_request_in_the_portal(served):  # noqa: F811
    from playwright.sync_api import expect

    server, browser, stored = served.server, served.browser, served.stored
    _setup(server)
    carmen = sign_in(browser, server, "carmen")
    carmen.goto(f"{server.url}/solicitudes/1/")
    carmen.get_by_role("link", name="Pídanos que le llamemos").click()
    expect(carmen.get_by_role("heading", name="Pídanos que le llamemos")).to_be_visible()
    tomorrow = (datetime.now(ZoneInfo("Europe/Madrid")) + timedelta(days=1)).date()
    carmen.locator("input[name=day]").fill(tomorrow.isoformat())
    carmen.locator("input[name=start]").fill("10:00")
    carmen.locator("input[name=end]").fill("09:00")  # a window that ends before it starts: refused, said plainly
    carmen.get_by_role("button", name="Llámenme").click()
    expect(carmen.locator("form[novalidate]")).to_contain_text("PT-2")
    carmen.locator("input[name=end]").fill("12:00")
    carmen.get_by_role("button", name="Llámenme").click()
    expect(carmen.get_by_text("Hecho: le llamaremos entre el")).to_be_visible()
    expect(carmen.get_by_text("Devolver la llamada al cliente al +34910000111").first).to_be_visible()  # the promise, on the request (PT-2)
    rows = stored.rows("SELECT number, origin, status FROM telephony_callback")
    assert rows == [("+34910000111", "portal", "pendiente")]
