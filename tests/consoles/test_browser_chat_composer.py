"""The console's chat composer in a real browser (issues 17 and 19): typing a don't (DN) or capitals (NT-6) shows the
finding as it is typed, one click applies the rewrite in place, and a practice chat runs in the console from the
first line to the scorecard. Saves the screenshot docs/training.md shows (docs/screenshots/console-chat.png)."""

from __future__ import annotations

from pathlib import Path

import pytest

from atiende.knowledge.canned import create_canned_answer
from atiende.practice.models import PracticeSession, PracticeTurn
from tests.browser import BROWSER, chromium, new_page, sign_in
from tests.consoles.seed import build

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "console-chat.png"
PASSWORD = "una-clave-de-prueba-9"
GREETING = "Buenos días, soporte técnico, le atiende Lucía. ¿Con quién hablo?"

pytestmark = BROWSER


@pytest.fixture
def center(transactional_db):
    return build(PASSWORD)


def test_the_composer_flags_as_you_type_and_a_practice_chat_ends_with_the_scorecard(center, live_server):
    from playwright.sync_api import expect

    create_canned_answer(actor=center.lucia, title="Disculpa por la espera",
                         body="Disculpe la espera, {cliente}. Ahora mismo lo revisamos juntos.")
    with chromium() as browser:
        page, violations = new_page(browser, viewport={"width": 1366, "height": 1000})
        sign_in(page, live_server.url, "lucia", PASSWORD)
        page.goto(f"{live_server.url}/consola/")
        chats = page.locator("#chats")
        chats.get_by_label("Escenario").select_option("enfadado-impresora")
        chats.get_by_role("button", name="Empezar el chat de práctica").click()
        log = chats.get_by_role("log")
        expect(log).to_contain_text("Chat entrante de Ramón Gil")
        box = chats.get_by_label("Su mensaje al cliente")
        box.focus()

        box.press_sequentially(GREETING, delay=5)
        box.press("Enter")
        expect(log).to_contain_text("¡Por fin!")  # the simulated customer answers, without a page load

        # NT-6 and DN-1 show while typing (debounced check), each with its rewrite one click away
        box = chats.get_by_label("Su mensaje al cliente")
        box.press_sequentially("NO SE PREOCUPE, ESO ES MUY FACIL", delay=5)
        findings = chats.locator("#composer-findings")
        expect(findings.locator('[data-rule="NT-6"]').first).to_be_visible()
        expect(findings.locator('[data-rule="DN-1"]')).to_be_visible()
        findings.locator('[data-rule="DN-1"]').get_by_role("button", name="Aplicar").click()
        expect(box).to_have_value("NO SE PREOCUPE, vamos a hacerlo paso a paso; le acompaño en cada uno.")
        expect(findings.locator('[data-rule="DN-1"]')).to_have_count(0)  # checked again: that finding is gone
        findings.locator('[data-rule="NT-6"]').first.get_by_role("button", name="Aplicar").click()
        expect(box).to_have_value("No se preocupe, vamos a hacerlo paso a paso; le acompaño en cada uno.")
        expect(findings).to_contain_text("no encuentra nada que cambiar")

        # a canned answer, searched and inserted, filled with the customer's name
        box.fill("")
        chats.get_by_text("Respuestas predefinidas", exact=True).click()
        chats.get_by_label("Buscar en las respuestas predefinidas").fill("espera")
        chats.get_by_role("button", name="Insertar «Disculpa por la espera»").click()
        expect(box).to_have_value("Disculpe la espera, Ramón Gil. Ahora mismo lo revisamos juntos.")
        box.press("Enter")
        expect(log).to_contain_text("Disculpe la espera, Ramón Gil.")

        # the customer's traits and strategy card, read from what they wrote
        expect(chats.locator('[data-trait="CT-ENF"]')).to_be_visible()

        # sending with findings: held back once, then «Enviar de todos modos», recorded with the line
        box = chats.get_by_label("Su mensaje al cliente")
        box.fill("TRANQUILO, ESO NO ES NADA")
        box.press("Enter")
        expect(chats.get_by_role("button", name="Enviar de todos modos")).to_be_visible()
        chats.get_by_role("button", name="Enviar de todos modos").click()
        expect(log).to_contain_text("Enviado pese a los avisos del asistente")

        chats.get_by_role("button", name="Terminar el chat").click()
        expect(chats.get_by_role("heading", name="Reglas que incumplió")).to_be_visible()
        expect(chats.get_by_role("heading", name="La verdad oculta")).to_be_visible()
        expect(chats.get_by_label("Su mensaje al cliente")).to_have_count(0)
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        chats.screenshot(path=str(SCREENSHOT))
    row = PracticeSession.objects.get()
    assert row.status == "finished" and row.state["channel"] == "chat" and row.score is not None
    anyway = PracticeTurn.objects.get(session=row, text="TRANQUILO, ESO NO ES NADA")
    assert {f["rule"] for f in anyway.checked_findings} >= {"NT-6", "DN-1"}
    assert violations == []
