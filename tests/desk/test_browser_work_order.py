"""A real browser opens a work order: the page a technician works in all day.

Drives the system Chromium (never a downloaded one) against the live server,
and saves the screenshot the README shows.
"""

from __future__ import annotations

from pathlib import Path

from atiende.desk.services.commitments import add_commitment
from atiende.desk.services.questions import add_closed_question
from atiende.desk.services.work_orders import update_work_order
from tests.browser import BROWSER, chromium, new_page, sign_in
from tests.pages import PASSWORD, soon

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "work-order.png"

pytestmark = BROWSER


def test_technician_signs_in_and_works_a_work_order(desk, live_server):
    from datetime import datetime

    from playwright.sync_api import expect

    wo = desk.work_order
    wo = update_work_order(
        actor=desk.technician, work_order=wo, version=wo.version,
        paraphrase="Déjeme ver si comprendo: la impresora de recepción dejó de imprimir ayer por la tarde.",
    )
    add_closed_question(actor=desk.technician, work_order=wo,
                        question="¿La impresora muestra alguna luz naranja?", answer="Sí, parpadea")
    add_commitment(actor=desk.technician, work_order=wo, description="Llamar a Doña Carmen con el resultado",
                   due_at=datetime.fromisoformat(soon(3)).astimezone())

    with chromium() as browser:
        page, violations = new_page(browser)
        sign_in(page, live_server.url, desk.technician.username, PASSWORD)

        page.get_by_role("link", name="Solicitudes", exact=True).click()
        # Ask the new page, not the one being left: wait until it has loaded its scripts.
        page.wait_for_url("**/solicitudes/")
        page.wait_for_load_state("load")
        assert page.evaluate("typeof htmx") == "object"  # loaded, and allowed by the CSP
        # Live search (htmx): the results change as the technician types, without submitting.
        page.get_by_label("Buscar", exact=True).fill("nada parecido")
        expect(page.get_by_text("No hay solicitudes.")).to_be_visible()
        page.get_by_label("Buscar", exact=True).fill("impresora")
        row_link = page.get_by_role("link", name="La impresora no imprime")
        expect(row_link).to_be_visible()
        row_link.click()

        expect(page.get_by_role("heading", level=1)).to_contain_text(f"#{wo.number}")
        expect(page.locator(".stepper [aria-current=step]")).to_have_text("Identificación")
        expect(page.get_by_text("Solicitud indirecta")).to_be_visible()
        expect(page.locator("#closed-questions")).to_contain_text("¿La impresora muestra alguna luz naranja?")

        # AL-5 inline: a new closed question appears without leaving the page (htmx).
        page.get_by_label("Pregunta cerrada").fill("¿Está encendida?")
        with page.expect_response(lambda r: r.url.endswith("/preguntas/")) as added:
            page.locator("#closed-questions").get_by_role("button", name="Añadir").click()
        assert added.value.status == 200, added.value.status
        assert added.value.request.headers.get("hx-request") == "true"
        expect(page.locator("#closed-questions")).to_contain_text("¿Está encendida?")

        # SP-1 guard: the unanswered question keeps the work order in identification, and the
        # refusal is shown in place with its rule.
        page.get_by_role("button", name="Pasar a Satisfacción").click()
        guard = page.locator(".phase-guard")
        expect(guard).to_contain_text("Cada pregunta cerrada que se hizo necesita su respuesta")
        expect(guard.locator(".rule-id")).to_have_text("AL-6")
        expect(page.locator(".stepper [aria-current=step]")).to_have_text("Identificación")

        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
        assert violations == []
    assert SCREENSHOT.stat().st_size > 10_000
