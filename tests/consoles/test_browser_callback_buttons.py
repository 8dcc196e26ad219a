"""A real browser on the console's call-back card with no phone system (issue 18): a call-back booked on a work
order is routed to Lucía, who dials it by hand; the card offers «Han contestado» and «Nadie contestó» and no
«Rechazar». «Nadie contestó» frees her at once and, on its last try, fails the call-back (PT-2 commitment
missed); «Han contestado» starts the talk and keeps the commitment. What she sees and what the server stored
(tests.consoles.browser.Stored) are both checked, on SQLite and on PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.consoles.browser import CHROMIUM, live, sign_in
from tests.consoles.live_server import ROOT

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no system Chromium at {CHROMIUM} (apt-get install chromium)"),
    pytest.mark.django_db,  # keeps the test in the PostgreSQL run (the server has its own database)
]

NO_CALL = "Ahora no hay ninguna llamada."
# The served center's queue takes call-backs, one dial each (no retry to wait for): set in its own database.
SETUP = """
from atiende.cli.django_setup import setup_django; setup_django()
from atiende.contact.services import queues
queues.save_queue(name="soporte", label="Soporte", tiers=[1, 2], policy={"callback_max_attempts": 1})
"""


def _book(page, served, number: int) -> None:
    """Lucía books a call-back for the work order's customer (who asked on the phone), open from now on."""
    from playwright.sync_api import expect

    page.goto(f"{served.server.url}/solicitudes/{number}/llamenme/")
    # From this minute for an hour in the center's time: the window has opened, so it is dialled at once, whatever
    # the hour the suite runs (after 23:00 its end is the next day's, which the form reads as such).
    opens = datetime.now(ZoneInfo(served.server.env.get("ATIENDE_TIME_ZONE", "Europe/Madrid")))
    page.locator("input[name=day]").fill(opens.date().isoformat())
    page.locator("input[name=start]").fill(opens.strftime("%H:%M"))
    page.locator("input[name=end]").fill((opens + timedelta(hours=1)).strftime("%H:%M"))
    page.get_by_role("button", name="Programar la devolución").click()
    expect(page).to_have_url(f"{served.server.url}/solicitudes/{number}/")


def _commitments(stored) -> list[str]:
    """The PT-2 commitment of each call-back, in booking order."""
    return [status for (status,) in stored.rows(
        "SELECT c.status FROM desk_commitment c JOIN telephony_callback b ON b.commitment_id = c.id ORDER BY b.id")]


def _callbacks(stored) -> list[tuple[str, int]]:
    return [(status, attempts) for status, attempts in stored.rows(
        "SELECT status, attempts FROM telephony_callback ORDER BY id")]


def test_the_call_back_buttons_record_nobody_answered_and_someone_answered(served):
    from playwright.sync_api import expect

    stored = served.stored
    subprocess.run([sys.executable, "-c", SETUP], env=served.server.env, cwd=ROOT, check=True, timeout=120,
                   capture_output=True)
    (number,), = stored.rows("SELECT number FROM desk_workorder ORDER BY id")[:1]
    console = sign_in(served.browser, served.server, "lucia")
    live(console, "/consola/", served.server)
    booking = console.context.new_page()

    _book(booking, served, number)
    box = console.locator("#active-contact")
    expect(box).to_have_attribute("data-state", "offered")
    expect(box.locator("#own-dial")).to_have_attribute("data-dial", "callback_hand")
    expect(box.locator("#own-dial")).to_contain_text("marque el +34910000111 en su teléfono")
    expect(box.get_by_role("button", name="Rechazar")).to_have_count(0)
    assert stored.technician("lucia") == ("ocupado", "")
    box.get_by_role("button", name="Nadie contestó").click()
    expect(box).to_have_text(NO_CALL)
    expect(console.locator("#my-status")).to_have_text("Disponible")
    assert stored.technician("lucia") == ("disponible", "")
    assert _callbacks(stored) == [("fallida", 1)]  # its one try: PT-2 not kept, the supervisors alerted
    assert _commitments(stored) == ["incumplido"]

    _book(booking, served, number)
    expect(box).to_have_attribute("data-state", "offered")
    expect(box.locator("#own-dial")).to_have_attribute("data-dial", "callback_hand")
    box.get_by_role("button", name="Han contestado").click()
    expect(box).to_have_attribute("data-state", "talking")
    expect(box.get_by_role("button", name="Colgar")).to_be_visible()
    assert _callbacks(stored) == [("fallida", 1), ("conectada", 1)]
    assert _commitments(stored) == ["incumplido", "cumplido"]
    lucia = stored.user_id("lucia")
    assert stored.rows("SELECT state, assignee_id FROM contact_contact WHERE direction = 'outbound' "
                       "ORDER BY id") == [("abandoned", None), ("talking", lucia)]
