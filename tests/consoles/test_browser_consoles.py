"""A real browser works a call from both sides: the technicians' consoles and the supervisor's wallboard.

A call arrives (the generic CTI endpoint, as a PBX would send it), rings at Lucía's console, is answered,
put on hold with consent, runs over the announced minutes and shows the HO-5 reminder (fired by the
server's worker, pushed over the websocket), is transferred to Jorge who accepts it, escalated, joined by
the supervisor from the wallboard's alert, and ends. Drives the system Chromium against uvicorn (ASGI),
because pytest-django's live server has no websockets.
"""

from __future__ import annotations

import pytest

from tests.consoles.browser import CHROMIUM, SHOTS, live, new_call, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no system Chromium at {CHROMIUM} (apt-get install chromium)"),
]


def test_call_answered_held_overrun_transferred_escalated_and_ended(served):
    from playwright.sync_api import expect

    server, browser = served.server, served.browser
    lucia = sign_in(browser, server, "lucia")
    jorge = sign_in(browser, server, "jorge")
    marta = sign_in(browser, server, "marta")
    live(lucia, "/consola/", server)
    live(jorge, "/consola/", server)
    live(marta, "/panel/", server)
    expect(lucia.get_by_role("heading", name="Consola", level=1)).to_be_visible()
    expect(lucia.locator("#my-status")).to_have_attribute("data-status", "disponible")

    # A call arrives: it rings at Lucía (the only one available) without reloading the page.
    new_call(server, "llamada-1")
    active = lucia.locator("#active-contact")
    expect(active).to_have_attribute("data-state", "offered")
    active.locator("[data-action=answer]").click()
    expect(active).to_have_attribute("data-state", "talking")
    expect(lucia.locator("#greeting")).to_have_text("Doña Carmen Ruiz")  # CO-1, PH-5
    expect(lucia.locator("#customer-card .mini-stepper [aria-current=step]")).to_have_text("Identificación")
    expect(lucia.locator("#my-calls")).to_have_text("1 / 30")  # PO-3
    expect(lucia.locator("#t-talk")).to_contain_text("de 15:00")  # PO-1

    # Meanwhile a call waits in a queue whose limit is 4 s (PO-2): the wallboard shows it, colours it
    # as it nears and passes the limit, and raises the wait alert.
    new_call(server, "llamada-2", caller="+34600000002", queue="urgente")
    waiting = marta.locator("#board-queues .wait").first
    expect(waiting).to_contain_text("+34600000002")
    expect(waiting).to_have_attribute("data-level", "over")
    expect(marta.locator("#board-alerts [data-rule='PO-2']").first).to_be_visible()
    expect(lucia.locator("#queue")).to_contain_text("+34600000002")

    # Hold: without the customer's consent it is refused, naming HO-3; with it, it starts.
    # ...from the keyboard: the button opens the dialog with the focus on its first field.
    active.locator("[data-action=hold]").focus()
    lucia.keyboard.press("Enter")
    dialog = lucia.locator("#dlg-hold")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#hold-reason")).to_be_focused()
    lucia.keyboard.type("Consulto el registro del equipo")
    dialog.locator("#hold-minutes").fill("0.05")
    dialog.locator("button[type=submit]").click()
    expect(dialog.locator(".form-error")).to_contain_text("HO-3")
    dialog.locator("#hold-consent").focus()
    lucia.keyboard.press("Space")
    expect(dialog.locator("#hold-consent")).to_be_checked()
    dialog.locator("button[type=submit]").click()
    expect(dialog).to_be_hidden()
    expect(active).to_have_attribute("data-state", "on_hold")

    # The announced 3 seconds run out: the reminder shows, and the worker's HO-5 alert arrives live
    # on the console and on the supervisor's wallboard.
    expect(lucia.locator("#hold-reminder")).to_be_visible()
    expect(lucia.locator("#hold-reminder")).to_contain_text("HO-5")
    expect(lucia.locator("#my-alerts")).to_contain_text("HO-5")
    expect(marta.locator("#board-alerts [data-rule='HO-5']")).to_be_visible()
    active.locator("[data-action=resume]").click()
    expect(active).to_have_attribute("data-state", "talking")

    # The page survives a dropped websocket: it reconnects and shows the same call.
    lucia.evaluate("window.atiendeConsoleSocket.close()")
    expect(lucia.locator("#live-status")).to_have_attribute("data-live", "true")
    expect(active).to_have_attribute("data-state", "talking")

    # Transfer to Jorge with purpose and consent; Lucía sees it pending, Jorge sees the offer.
    active.locator("[data-action=transfer]").click()
    transfer = lucia.locator("#dlg-transfer")
    transfer.locator("#transfer-purpose").fill("Revisar la licencia con segundo nivel")
    transfer.locator("#transfer-consent").check()
    transfer.locator("#transfer-to").select_option(label="Jorge")
    transfer.locator("button[type=submit]").click()
    expect(active).to_have_attribute("data-state", "transfer_pending")
    expect(lucia.locator("#transfer-pending")).to_contain_text("Revisar la licencia")
    offer = jorge.locator("#offers .offer")
    expect(offer).to_contain_text("Revisar la licencia con segundo nivel")
    offer.locator("[data-action=accept-transfer]").click()
    jorge_active = jorge.locator("#active-contact")
    expect(jorge_active).to_have_attribute("data-state", "talking")
    expect(jorge.locator("#greeting")).to_have_text("Doña Carmen Ruiz")

    # A work order for this call, opened from the console, starts in identification (SP-1).
    jorge.locator("#wo-title").fill("La impresora de recepción no imprime")
    jorge.locator("[data-action=create-work-order]").click()
    expect(jorge.locator("#customer-card .work-order")).to_have_count(2)
    expect(jorge.locator("#customer-card .work-order").first).to_contain_text("La impresora de recepción")

    # The assistant checks what Jorge is about to say, live, with the rule.
    jorge.locator("#customer-words").fill("No sé dónde está eso, la impresora no imprime desde ayer.")
    jorge.locator("#btn-assist").click()
    expect(jorge.locator("#assist-result")).not_to_be_empty()
    jorge.locator("#my-draft").fill("Tranquilo, es un problema del driver TCP/IP, reinicie el spooler.")
    finding = jorge.locator("#draft-findings .finding").first
    expect(finding).to_contain_text("DN-2")  # the rule, with the customer's level (CO-3)
    finding.get_by_role("button").click()  # one-click rewrite
    expect(jorge.locator("#my-draft")).not_to_have_value(
        "Tranquilo, es un problema del driver TCP/IP, reinicie el spooler.")

    # Jorge asks for a supervisor; Marta sees the alert on the wallboard and joins in one click.
    jorge_active.locator("[data-action=escalate]").click()
    jorge.locator("#escalate-reason").fill("El cliente pide hablar con un responsable")
    jorge.locator("#form-escalate button[type=submit]").click()
    alert = marta.locator("#board-alerts [data-rule='PO-5']").first
    expect(alert).to_contain_text("El cliente pide hablar con un responsable")
    SHOTS.mkdir(parents=True, exist_ok=True)
    jorge.screenshot(path=str(SHOTS / "console.png"), full_page=True)
    marta.screenshot(path=str(SHOTS / "wallboard.png"), full_page=True)
    alert.locator("[data-action=join]").click()
    # Joined, the call is a conference again (no longer waiting for help): Jorge sees who is on it.
    expect(jorge.locator("#supervisor-on-call")).to_have_text("Marta se ha unido a la llamada (conferencia).")
    expect(jorge_active).to_have_attribute("data-state", "talking")
    expect(marta.locator("#board-error")).to_be_empty()

    # The call ends: hang up, wrap-up, finished; the console is free again.
    jorge_active.locator("[data-action=hangup]").click()
    expect(jorge_active).to_have_attribute("data-state", "wrap_up")
    jorge_active.locator("[data-action=wrap-up]").click()
    expect(jorge_active).to_have_attribute("data-state", "")
    assert (SHOTS / "console.png").stat().st_size > 10_000
    assert (SHOTS / "wallboard.png").stat().st_size > 10_000
