"""A real browser practises a call: lines typed in the composer, the customer's answers appearing without a
page load (htmx), the result at the end. Saves the screenshot docs/training.md shows."""

from __future__ import annotations

from pathlib import Path

from tests.browser import BROWSER, chromium, new_page, sign_in

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "practice.png"

pytestmark = BROWSER


def test_a_technician_practises_in_the_composer_and_sees_the_result(people, live_server):
    from playwright.sync_api import expect

    with chromium() as browser:
        page, violations = new_page(browser, viewport={"width": 1366, "height": 1100})
        sign_in(page, live_server.url, "lucia", "x", landing="Mis solicitudes")
        page.goto(f"{live_server.url}/practica/")
        page.get_by_role("button", name="Practicar enfadado-impresora").click()
        expect(page.get_by_role("log")).to_contain_text("Llamada entrante de Ramón Gil")
        field = page.get_by_label("Lo que dice al cliente (o una orden)")
        field.fill("Buenos días, soporte técnico, le atiende Lucía. ¿Con quién hablo?")
        field.press("Enter")
        expect(page.get_by_role("log")).to_contain_text("¡Por fin!")
        field = page.get_by_label("Lo que dice al cliente (o una orden)")
        field.fill("Entiendo.")
        field.press("Enter")
        expect(page.get_by_role("log")).to_contain_text("nadie me da una solución")
        page.get_by_role("button", name="Terminar la llamada").click()
        expect(page.get_by_role("heading", name="Reglas que incumplió")).to_be_visible()
        expect(page.get_by_role("heading", name="La verdad oculta")).to_be_visible()
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert violations == []
