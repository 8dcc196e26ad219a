"""A real browser opens a scorecard as the supervisor sees it: the transcript with the
evidence marked beside the items, an override with its comment. Saves the screenshot
docs/scorecards.md shows. Drives the system Chromium (never a downloaded one)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.test import Client

from atiende.scorecards import services
from atiende.scorecards.jobs import run_pending_scoring
from atiende.scorecards.models import Scorecard
from tests.browser import BROWSER, chromium

from .conftest import GOOD_TURNS, run_call

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "scorecard.png"

pytestmark = BROWSER


def test_supervisor_sees_the_evidence_marked_and_the_override(people, clock, live_server):
    from playwright.sync_api import expect

    call = run_call(people, clock, turns=GOOD_TURNS)
    run_pending_scoring()  # what the worker does after the call ended
    card = Scorecard.objects.get(contact=call)
    services.override_item(scorecard_id=card.pk, user=people.marta, rule="CO-3", status="met",
                           comment="Le habló en términos sencillos desde el principio.")
    session = Client()
    session.force_login(people.marta)
    cookie = session.cookies[settings.SESSION_COOKIE_NAME].value

    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1366, "height": 1000}, locale="es-ES")
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
        page = context.new_page()
        page.set_default_timeout(60_000)
        expect.set_options(timeout=60_000)
        page.goto(f"{live_server.url}/calidad/{card.pk}/")
        expect(page.locator("mark").first).to_be_visible()
        expect(page.locator("#item-CO-3 .sc-override")).to_contain_text("términos sencillos")
        expect(page.locator("#ov-comment")).to_be_visible()  # the supervisor's override form
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT))
        # The technician's trend: one bar for this week, the rules with their rates.
        page.goto(f"{live_server.url}/calidad/tecnicos/{people.lucia.pk}/")
        expect(page.locator("svg rect")).to_have_count(1)
        expect(page.locator("table").last).to_contain_text("CO-3")
        page.screenshot(path="/tmp/scorecards-trend.png")
    assert SCREENSHOT.stat().st_size > 10_000
