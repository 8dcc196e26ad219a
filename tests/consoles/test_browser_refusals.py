"""What the console refuses is seen, with the rule that refuses it: the call card's transfer without the customer's
consent (TR-3) or without a purpose (TR-2), the walk-in desk's «Llamar al siguiente» without a desk and its «No se
presentó» on a visitor no longer waiting at the desk (CH-PRE), and the campaign panel's «Llamar» to a number put on the
do-not-call list after the card was taken, or outside the campaign's calling hours (CH-PRO).

The call card talks to the contact API (JSON; the dialog says the refusal); the desk and campaign panels are htmx
forms answered 400 or 409 with the panel and its error, which web/swaps.js swaps in and focuses (htmx alone drops a
4xx answer). Served by uvicorn (tests/consoles/browser.py), on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from tests.consoles.browser import (
    CHROMIUM,
    live,
    new_call,
    run_in_center,
    sign_in,
    start_repair_campaign,
)
from tests.consoles.seed import CALLER

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db,  # the PostgreSQL half runs it too (tests/conftest.py)
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no system Chromium at {CHROMIUM} (apt-get install chromium)"),
]

FOCUSED_ALERT = "() => { const a = document.activeElement; return !!a && a.getAttribute('role') === 'alert'; }"


def _statuses(page, path: str) -> list[int]:
    """The statuses of the page's POSTs to ``path`` (a refusal keeps its own status)."""
    seen: list[int] = []
    page.on("response", lambda r: seen.append(r.status) if r.request.method == "POST" and path in r.url else None)
    return seen


def test_a_transfer_without_consent_or_purpose_is_refused_on_the_call_card(served):
    from playwright.sync_api import expect

    server, browser = served.server, served.browser
    lucia = sign_in(browser, server, "lucia")
    live(lucia, "/consola/", server)
    new_call(server, "llamada-rechazos")
    active = lucia.locator("#active-contact")
    expect(active).to_have_attribute("data-state", "offered")
    active.locator("[data-action=answer]").click()
    expect(active).to_have_attribute("data-state", "talking")

    active.locator("[data-action=transfer]").click()
    dialog = lucia.locator("#dlg-transfer")
    error = dialog.locator(".form-error")
    dialog.locator("#transfer-purpose").fill("Revisar la licencia con segundo nivel")
    dialog.locator("#transfer-to").select_option(label="Jorge")
    dialog.locator("button[type=submit]").click()
    expect(error).to_contain_text("TR-3")  # no consent, no transfer
    expect(dialog).to_be_visible()
    dialog.locator("#transfer-purpose").fill("")
    dialog.locator("#transfer-consent").check()
    dialog.locator("button[type=submit]").click()
    expect(error).to_contain_text("TR-2")  # the purpose, as explained to the customer
    expect(active).to_have_attribute("data-state", "talking")  # the call stayed with her
    assert served.stored.contact("llamada-rechazos")["state"] == "talking"


WALK_IN = """
from atiende.people.models import User
from atiende.walkin.services.catalogue import save_service
from atiende.walkin.services.checkin import check_in
save_service(queue="mostrador", letter="A", label="Reparaciones")
check_in(actor=User.objects.get(username="jorge"), service="A", name="Carmen Ruiz", phone=CALLER)
"""


def test_the_walk_in_desk_shows_why_a_call_or_a_no_show_is_refused(served):
    from playwright.sync_api import expect

    server, browser = served.server, served.browser
    run_in_center(server, WALK_IN, CALLER=CALLER)
    lucia = sign_in(browser, server, "lucia")
    lucia.goto(f"{server.url}/consola/")
    panel = lucia.locator("#desk-panel")
    expect(panel).to_contain_text("1 visitante esperando: A-001")

    # No desk to send the visitor to: refused (400), said in the panel with CH-PRE, the focus on it.
    calls = _statuses(lucia, "/mostrador/llamar/")
    panel.get_by_role("button", name="Llamar al siguiente").click()
    refusal = panel.locator("#desk-error")
    expect(refusal).to_contain_text("CH-PRE")
    expect(refusal).to_be_visible()
    lucia.wait_for_function(FOCUSED_ALERT, timeout=10_000)
    assert calls and calls[-1] == 400, calls

    panel.get_by_label("Mi mesa").fill("Mesa 3")
    panel.get_by_role("button", name="Llamar al siguiente").click()
    expect(panel.locator("#desk-called")).to_contain_text("A-001")
    expect(panel.locator("#desk-error")).to_have_count(0)

    # In another tab she marks the visitor as not come; this tab still shows them called. Its «No se presentó» is
    # refused (409): the visitor is no longer waiting at her desk, and the panel says so.
    other = lucia.context.new_page()
    other.goto(f"{server.url}/consola/")
    other.locator("#desk-panel").get_by_role("button", name="No se presentó").click()
    expect(other.locator("#desk-panel #desk-called")).to_have_count(0)
    no_shows = _statuses(lucia, "/no-vino")
    panel.get_by_role("button", name="No se presentó").click()
    expect(refusal).to_contain_text("A-001")
    expect(refusal).to_contain_text("CH-PRE")
    lucia.wait_for_function(FOCUSED_ALERT, timeout=10_000)
    expect(panel.locator("#desk-called")).to_have_count(0)  # the panel as it stands now: call the next
    assert no_shows == [409], no_shows


# A second person to call after Doña Carmen.
PEDRO = """
Target.objects.create(campaign=campaign, name="Pedro Gil", phone="+34910000222", number="+34910000222",
                      zones="Europe/Madrid", zone_source="prefix")
"""

DO_NOT_CALL = """
from atiende.campaigns.models import DoNotCall
DoNotCall.objects.create(number=CALLER, reason="Lo pidió por correo")
"""

# Calling days without today (in Madrid, the people's zone): now is outside the campaign's calling hours.
NOT_TODAY = """
from datetime import datetime
from zoneinfo import ZoneInfo
from atiende.campaigns.models import Campaign
today = datetime.now(ZoneInfo("Europe/Madrid")).weekday()
Campaign.objects.update(calling_days=[d for d in range(7) if d != today])
"""


def test_the_campaign_panel_shows_why_a_dial_is_refused(served):
    from playwright.sync_api import expect

    server, browser, stored = served.server, served.browser, served.stored
    start_repair_campaign(server, then=PEDRO)
    lucia = sign_in(browser, server, "lucia")
    lucia.goto(f"{server.url}/consola/")
    panel = lucia.locator("#preview-panel")
    dials = _statuses(lucia, "/llamar/")

    # She takes Doña Carmen's card; meanwhile the number goes on the do-not-call list. «Llamar» is refused
    # (409, CH-PRO): the panel says why, with the rule, and Carmen leaves the list for good.
    panel.get_by_role("button", name="Siguiente persona a llamar").click()
    expect(panel.locator("#preview-card")).to_contain_text("Doña Carmen Ruiz")
    run_in_center(server, DO_NOT_CALL, CALLER=CALLER)
    panel.locator("#btn-dial").click()
    refusal = panel.locator("#preview-error")
    expect(refusal).to_contain_text("Carmen Ruiz")
    expect(refusal).to_contain_text("CH-PRO")
    lucia.wait_for_function(FOCUSED_ALERT, timeout=10_000)
    expect(panel.locator("#preview-card")).to_have_count(0)
    assert dials == [409], dials
    assert stored.rows("SELECT status FROM campaigns_target WHERE number = %s", CALLER) == [("do_not_call",)]

    # The next person, Pedro; the campaign's calling days change so that today is not one: refused (409,
    # CH-PRO), with the next opening, and Pedro stays on her screen to call later.
    panel.get_by_role("button", name="Siguiente persona a llamar").click()
    expect(panel.locator("#preview-card")).to_contain_text("Pedro Gil")
    run_in_center(server, NOT_TODAY)
    panel.locator("#btn-dial").click()
    expect(refusal).to_contain_text("Pedro Gil")
    expect(refusal).to_contain_text("CH-PRO")
    lucia.wait_for_function(FOCUSED_ALERT, timeout=10_000)
    expect(panel.locator("#preview-card")).to_contain_text("Pedro Gil")
    assert dials == [409, 409], dials
    assert stored.rows("SELECT COUNT(*) FROM campaigns_attempt") == [(0,)]

    # An empty refusal (a panel with nothing to draw): swapped in, it would wipe the panel and say nothing; it is
    # said in the page's banner instead, with its status, and the panel stays.
    lucia.route("**/llamar/", lambda route: route.fulfill(status=409, body="", content_type="text/html"))
    panel.locator("#btn-dial").click()
    banner = lucia.locator(".messages.htmx-refusal")
    expect(banner).to_contain_text("(409)")
    expect(panel.locator("#preview-card")).to_contain_text("Pedro Gil")

