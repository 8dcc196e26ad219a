"""After an htmx action the keyboard stays where the person works and the result is read out; the banner
of an earlier action goes away (issue 22, items 24 and 30). These failed before: focus fell to <body>."""

from __future__ import annotations

from tests.attachments import PNG
from tests.browser import BROWSER, chromium, new_page, sign_in
from tests.pages import PASSWORD

pytestmark = BROWSER

FOCUSED = "() => { const a = document.activeElement; return a ? (a.id || a.name || a.tagName) : null }"


def test_focus_stays_at_the_control_used_and_the_result_is_announced(desk, live_server, media):
    from playwright.sync_api import expect

    with chromium() as browser:
        page, violations = new_page(browser)
        sign_in(page, live_server.url, desk.technician.username, PASSWORD)
        page.goto(f"{live_server.url}/solicitudes/{desk.work_order.number}/")
        live = page.locator("#live-region")

        # A closed question added from the keyboard: focus back in its box, ready for the next one.
        questions = page.locator("#closed-questions")
        box = questions.get_by_role("textbox", name="Pregunta cerrada")
        box.fill("¿El equipo tiene Windows 11?")
        box.press("Enter")
        expect(questions).to_contain_text("¿El equipo tiene Windows 11?")
        expect(live).to_contain_text("Actualizado: Preguntas cerradas")
        assert page.evaluate("() => document.activeElement !== document.body")
        assert page.evaluate(FOCUSED) == "id_question"
        page.keyboard.type("¿Le sale algún mensaje?")
        page.keyboard.press("Enter")
        expect(questions).to_contain_text("¿Le sale algún mensaje?")

        # A refused phase change (AL-6: no paraphrase yet): focus on the refusal, which is read out.
        page.locator("#phase-panel").get_by_role("button").first.click()
        refusal = page.locator(".phase-guard")
        expect(refusal).to_contain_text("AL-6")
        expect(live).to_contain_text("Parafrasee")
        assert page.evaluate("() => document.activeElement.classList.contains('phase-guard')")

        # A file attached: its banner shows; the next action takes that old banner away.
        page.get_by_label("Adjuntar un archivo").set_input_files(
            files=[{"name": "captura.png", "mimeType": "image/png", "buffer": PNG}])
        page.locator("#attachments").get_by_role("button", name="Adjuntar", exact=True).click()
        expect(page.locator(".messages")).to_contain_text("captura.png")
        expect(live).to_contain_text("captura.png")
        box = page.locator("#closed-questions").get_by_role("textbox", name="Pregunta cerrada")
        box.fill("¿Usa una impresora en red?")
        box.press("Enter")
        expect(page.locator("#closed-questions")).to_contain_text("¿Usa una impresora en red?")
        expect(page.locator(".messages")).to_have_count(0)
        assert violations == []
