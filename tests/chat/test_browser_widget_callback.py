"""«Llámenme» in the chat widget, in a real browser (issue 18, PT-2): a visitor of a shop's site opens the widget,
asks to be called back instead of chatting, gets a plain refusal for a number that cannot exist and for a missing
consent, then the promise with the number of their request; the server stored a call-back (origin chat) in the
widget's queue with its commitment on that request. Real server (uvicorn) on a copy of the seeded center, SQLite
or PostgreSQL."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.chat.served import add_widget, customer_site, origin_of
from tests.consoles.browser import CHROMIUM
from tests.consoles.live_server import ROOT

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),  # selected on the PostgreSQL run: the server uses its database
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no system Chromium at {CHROMIUM} (apt-get install chromium)"),
]

# The seeded center's queue takes call-backs (set in the served database, before the widget reads its settings).
SETUP = """
from atiende.cli.django_setup import setup_django; setup_django()
from atiende.contact.services import queues
queues.save_queue(name="soporte", label="Soporte", tiers=[1, 2], policy={"callback_max_attempts": 2})
"""


@pytest.fixture(scope="module")
def browser():
    from tests.consoles.browser import chromium

    with chromium() as opened:
        yield opened


def test_a_visitor_asks_call_me_in_the_widget_and_sees_the_promise(tmp_path, center_template, browser):
    from playwright.sync_api import expect

    from tests.consoles.browser import served_center

    with served_center(tmp_path / "home", center_template, browser) as center, \
            customer_site(center.server.url, tmp_path / "site") as shop:
        subprocess.run([sys.executable, "-c", SETUP], env=center.server.env, cwd=ROOT, check=True, timeout=120,
                       capture_output=True)
        add_widget(center.stored, origin_of(shop))
        visitor = browser.new_context(viewport={"width": 1280, "height": 800}, locale="es-ES").new_page()
        visitor.goto(shop)
        visitor.get_by_role("button", name="Chatee con nosotros").click()
        dialog = visitor.get_by_role("dialog", name="Soporte técnico")
        expect(dialog.get_by_text("¿Prefiere hablar por teléfono?")).to_be_visible()
        dialog.get_by_role("button", name="Llámenme").click()

        dialog.get_by_label("Su nombre").fill("Eva Gil")
        dialog.get_by_label("Teléfono en el que llamarle").fill("600 11")
        dialog.get_by_label("Acepto que me llamen a este número por mi solicitud.").check()
        dialog.get_by_role("button", name="Llámenme").click()
        expect(dialog.get_by_role("alert")).to_contain_text("600 11 no es un teléfono al que podamos llamar")
        expect(dialog.get_by_label("Teléfono en el que llamarle")).to_be_focused()  # the field the error names
        dialog.get_by_label("Teléfono en el que llamarle").fill("+34 600 11 22 33")
        dialog.get_by_label("Acepto que me llamen a este número por mi solicitud.").uncheck()
        dialog.get_by_role("button", name="Llámenme").click()
        expect(dialog.get_by_role("alert")).to_have_text("Marque que podemos llamarle a este número.")
        assert center.stored.rows("SELECT COUNT(*) FROM telephony_callback") == [(0,)]

        dialog.get_by_label("Acepto que me llamen a este número por mi solicitud.").check()
        dialog.get_by_label("De qué se trata (opcional)").fill("La impresora no imprime")
        dialog.get_by_role("button", name="Llámenme").click()
        done = dialog.locator("#atiende-callback-done")
        expect(done).to_contain_text("Le llamaremos al +34600112233 entre el")
        expect(done).to_be_focused()
        (number, origin, note, work_order, commitment), = center.stored.rows(
            "SELECT number, origin, note, work_order_id, commitment_id FROM telephony_callback")
        assert (number, origin, note) == ("+34600112233", "chat", "La impresora no imprime")
        (order_number,), = center.stored.rows("SELECT number FROM desk_workorder WHERE id = %s", work_order)
        expect(done).to_contain_text(f"Su solicitud es la número {order_number}.")
        assert center.stored.rows("SELECT work_order_id FROM desk_commitment WHERE id = %s", commitment) == [
            (work_order,)]
