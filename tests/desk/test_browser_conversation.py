"""A real browser works the conversation: the technician's composer with the assistant, and the portal reply."""

from __future__ import annotations

from atiende.desk.models import Message
from tests.attachments import PNG
from tests.browser import BROWSER, chromium, new_page, sign_in
from tests.pages import PASSWORD

pytestmark = BROWSER


def test_technician_replies_past_the_assistant_and_the_customer_answers_from_the_portal(desk, live_server, media):
    from playwright.sync_api import expect

    page_url = f"{live_server.url}/solicitudes/{desk.work_order.number}/"
    with chromium() as browser:
        page, violations = new_page(browser)
        sign_in(page, live_server.url, desk.technician.username, PASSWORD)
        page.goto(page_url)
        panel = page.locator("#conversation")
        expect(panel).to_contain_text("Solicitud abierta")

        # NT-6 / PT-2: the assistant holds a shouted reply and shows why; the technician sends it anyway.
        page.get_by_role("textbox", name="Mensaje").fill("NO PUEDO HACER NADA MÁS")
        with page.expect_response(lambda r: r.url.endswith("/mensajes/")) as held:
            panel.get_by_role("button", name="Enviar", exact=True).click()
        assert held.value.request.headers.get("hx-request") == "true"
        findings = page.locator(".assistant-findings")
        expect(findings).to_contain_text("NT-6")
        assert not Message.objects.exists()
        page.get_by_role("button", name="Enviar de todos modos").click()
        expect(page.locator(".timeline-message")).to_contain_text("NO PUEDO HACER NADA MÁS")
        expect(page.locator(".findings-sent")).to_contain_text("NT-6")

        # An internal note, for the staff only.
        page.get_by_label("Nota interna (solo el equipo)").check()
        page.get_by_role("textbox", name="Mensaje").fill("Revisar la garantía antes de cambiar la pieza.")
        page.locator("#conversation").get_by_role("button", name="Enviar", exact=True).click()
        expect(page.locator(".message-internal")).to_contain_text("Revisar la garantía")
        assert violations == []

        customer, customer_violations = new_page(browser)
        sign_in(customer, live_server.url, desk.portal.username, PASSWORD, landing=f"Hola, {desk.portal.display_name}")
        customer.goto(page_url)
        conversation = customer.locator("#conversation")
        expect(conversation).to_contain_text("NO PUEDO HACER NADA MÁS")
        expect(conversation).not_to_contain_text("Revisar la garantía")
        customer.get_by_role("textbox", name="Mensaje").fill("Les mando la foto del error.")
        customer.get_by_label("Adjuntar archivos").set_input_files(
            files=[{"name": "error.png", "mimeType": "image/png", "buffer": PNG}])
        conversation.get_by_role("button", name="Enviar", exact=True).click()
        reply = customer.locator(".message-in")
        expect(reply).to_contain_text("Les mando la foto del error.")
        expect(reply.get_by_role("link", name="error.png")).to_be_visible()
        assert customer_violations == []
    message = Message.objects.get(direction="in")
    assert message.author == desk.portal and message.visibility == "public"
