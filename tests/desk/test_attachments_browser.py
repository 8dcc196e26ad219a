"""A real browser attaches a file to a work order through htmx (multipart), sees it listed
without leaving the page, downloads it (as a download, never rendered) and deletes it,
with no Content Security Policy violation on the way. No screenshot is taken."""

from __future__ import annotations

from pathlib import Path

from atiende.desk.models import Attachment
from tests.browser import BROWSER, chromium, new_page, sign_in
from tests.pages import PASSWORD

LOG = "10:00:01 ERROR el servicio de impresión se detuvo\n".encode()

pytestmark = BROWSER


def test_technician_attaches_downloads_and_deletes_a_file(desk, live_server, media):
    from playwright.sync_api import expect

    wo = desk.work_order
    with chromium() as browser:
        page, violations = new_page(browser, viewport={"width": 1366, "height": 900}, accept_downloads=True)
        sign_in(page, live_server.url, desk.technician.username, PASSWORD)

        page.goto(f"{live_server.url}/solicitudes/{wo.number}/")
        page.wait_for_load_state("load")
        assert page.evaluate("typeof htmx") == "object"
        panel = page.locator("#attachments")
        expect(panel).to_contain_text("No hay archivos adjuntos.")
        url_before = page.url
        page.get_by_label("Adjuntar un archivo").set_input_files(
            {"name": "registro.log", "mimeType": "text/plain", "buffer": LOG})
        panel.get_by_role("button", name="Adjuntar", exact=True).click()
        link = page.locator("#attachments").get_by_role("link", name="registro.log")
        expect(link).to_be_visible()
        expect(page.locator("#work-order")).to_contain_text("Archivo registro.log adjuntado.")
        assert page.url == url_before  # swapped in place by htmx, not a full page load

        with page.expect_download() as info:
            link.click()
        download = info.value
        assert download.suggested_filename == "registro.log"
        assert Path(download.path()).read_bytes() == LOG

        page.once("dialog", lambda dialog: dialog.accept())  # hx-confirm asks first
        page.locator("#attachments").get_by_role("button", name="Eliminar").click()
        expect(page.locator("#attachments")).to_contain_text("No hay archivos adjuntos.")
        assert not Attachment.objects.exists()
        assert violations == []


def test_technician_attaches_an_internal_file_and_shows_it_to_the_customer(desk, live_server, media):
    """The «Interno» checkbox goes with the htmx multipart upload; the badge and the toggle work in place."""
    from playwright.sync_api import expect

    wo = desk.work_order
    with chromium() as browser:
        page, violations = new_page(browser, viewport={"width": 1366, "height": 900})
        sign_in(page, live_server.url, desk.technician.username, PASSWORD)

        page.goto(f"{live_server.url}/solicitudes/{wo.number}/")
        page.wait_for_load_state("load")
        panel = page.locator("#attachments")
        page.get_by_label("Adjuntar un archivo").set_input_files(
            {"name": "servidores.log", "mimeType": "text/plain", "buffer": LOG})
        page.get_by_label("Interno: solo lo ve el personal de la mesa de ayuda").check()
        panel.get_by_role("button", name="Adjuntar", exact=True).click()
        row = page.locator("#attachments li", has_text="servidores.log")
        expect(row.locator(".badge")).to_have_text("Interno")
        assert Attachment.objects.get().internal is True

        row.get_by_role("button", name="Mostrar al cliente").click()
        expect(page.locator("#work-order")).to_contain_text("ahora es visible para el cliente")
        expect(page.locator("#attachments li", has_text="servidores.log").locator(".badge")).to_have_count(0)
        assert Attachment.objects.get().internal is False
        assert violations == []
