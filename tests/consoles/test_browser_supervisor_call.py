"""A real browser: a supervisor takes a call over from the wallboard (PO-5) and handles it there as a technician
does on the console: the hold is refused without the customer's consent (the rule shown, HO-3), then goes on
with reason, consent and minutes (HO-2..HO-4, the same dialog as the console's), HO-5's reminder comes when the
announced time is past, she resumes, hangs up and finishes the wrap-up; or she transfers it (refused without a
purpose, TR-2) and it is hers until the receiver accepts (TR-4). What the people see (the Spanish UI) and what
the server stored (tests.consoles.browser.Stored)."""

from __future__ import annotations

import pytest

from tests.consoles.browser import CHROMIUM, live, new_call, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no system Chromium at {CHROMIUM} (apt-get install chromium)"),
    # The server has its own database (see tests.consoles.browser): the marker keeps this test in the
    # PostgreSQL run, which selects the tests that use a database.
    pytest.mark.django_db,
]

NO_CALL = "Ahora no hay ninguna llamada."


def test_supervisor_takes_over_holds_with_consent_resumes_and_ends_the_call(served):
    from playwright.sync_api import expect

    lucia = sign_in(served.browser, served.server, "lucia")
    live(lucia, "/consola/", served.server)
    marta = sign_in(served.browser, served.server, "marta")
    live(marta, "/panel/", served.server)
    stored = served.stored

    new_call(served.server, "supervisora-1")
    box = lucia.locator("#active-contact")
    expect(box).to_have_attribute("data-state", "offered")
    box.get_by_role("button", name="Atender").click()
    expect(box).to_have_attribute("data-state", "talking")
    box.get_by_role("button", name="Escalar al supervisor").click()
    lucia.locator("#dlg-escalate").get_by_label("En qué necesita ayuda").fill("Quiere hablar con un responsable")
    lucia.locator("#dlg-escalate").get_by_role("button", name="Pedir ayuda a un supervisor").click()

    # Marta takes the call over from the alert; it is hers, with the technician's actions.
    alert = marta.locator("#board-alerts [data-rule='PO-5']", has_text="Quiere hablar con un responsable")
    alert.get_by_role("button", name="Tomar el control").click()
    mine = marta.locator("#board-mine .my-call")
    expect(mine).to_have_attribute("data-mode", "take_over")
    expect(mine).to_have_attribute("data-state", "talking")
    for name in ("Poner en espera", "Transferir", "Colgar"):
        expect(mine.get_by_role("button", name=name, exact=True)).to_be_visible()
    expect(box).to_have_text(NO_CALL)
    call = stored.contact("supervisora-1")
    assert (call["state"], call["assignee"]) == ("talking", stored.user_id("marta"))

    # HO-3: without the customer's consent there is no hold; the dialog says so, with the rule.
    mine.get_by_role("button", name="Poner en espera").click()
    dialog = marta.locator("#dlg-hold")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Motivo, tal como se le dijo al cliente").fill("Consulto su contrato")
    dialog.get_by_label("Minutos anunciados al cliente").fill("0.05")  # 3 s: HO-5's reminder comes soon
    dialog.get_by_role("button", name="Poner en espera").click()
    expect(dialog.locator(".form-error")).to_contain_text("HO-3")
    expect(dialog).to_be_visible()
    assert stored.contact("supervisora-1")["state"] == "talking"

    # With consent it goes on hold: the reason and the announced time are on her row, then HO-5's reminder.
    dialog.get_by_label("El cliente aceptó esperar").check()
    dialog.get_by_role("button", name="Poner en espera").click()
    expect(dialog).to_be_hidden()
    expect(mine).to_have_attribute("data-state", "on_hold")
    expect(mine.locator(".mine-hold")).to_contain_text("Consulto su contrato")
    expect(marta.locator("#mine-reminder")).to_be_visible()
    expect(marta.locator("#mine-reminder")).to_contain_text("HO-5")
    expect(mine.get_by_role("button", name="Poner en espera")).to_have_count(0)
    assert stored.contact("supervisora-1")["state"] == "on_hold"

    # Back with the customer, then she ends the call and finishes the wrap-up.
    mine.get_by_role("button", name="Retomar").click()
    expect(mine).to_have_attribute("data-state", "talking")
    expect(marta.locator("#mine-reminder")).to_be_hidden()
    mine.get_by_role("button", name="Colgar").click()
    expect(mine).to_have_attribute("data-state", "wrap_up")
    mine.get_by_role("button", name="Terminar el cierre de llamada").click()
    expect(marta.locator("#board-mine")).to_have_text("No está en ninguna llamada.")
    expect(marta.locator("#mine-error")).to_be_empty()

    call = stored.contact("supervisora-1")
    assert (call["state"], call["assignee"]) == ("ended", stored.user_id("marta"))
    # The server's HO-5 reminder (hold_overrun) fires on its own clock: before or after she resumed.
    events = [kind for kind in stored.events("supervisora-1") if kind != "hold_overrun"]
    assert events[-5:] == ["supervisor_joined", "hold", "resumed", "hangup", "ended"]
    assert stored.technician("marta")[0] == "desconectado"  # back to what she did before taking over
    assert stored.technician("lucia") == ("disponible", "")


def test_supervisor_transfers_a_call_she_took_over_and_the_receiver_accepts(served):
    from playwright.sync_api import expect

    pages = {}
    for username, path in (("lucia", "/consola/"), ("jorge", "/consola/"), ("marta", "/panel/")):
        pages[username] = sign_in(served.browser, served.server, username)
        live(pages[username], path, served.server)
    lucia, jorge, marta = pages["lucia"], pages["jorge"], pages["marta"]
    stored = served.stored

    new_call(served.server, "supervisora-2")
    box = lucia.locator("#active-contact")
    expect(box).to_have_attribute("data-state", "offered")
    box.get_by_role("button", name="Atender").click()
    expect(box).to_have_attribute("data-state", "talking")
    box.get_by_role("button", name="Escalar al supervisor").click()
    lucia.locator("#dlg-escalate").get_by_label("En qué necesita ayuda").fill("Hay que revisar la licencia")
    lucia.locator("#dlg-escalate").get_by_role("button", name="Pedir ayuda a un supervisor").click()
    marta.locator("#board-alerts [data-rule='PO-5']", has_text="Hay que revisar la licencia").get_by_role(
        "button", name="Tomar el control").click()
    mine = marta.locator("#board-mine .my-call")
    expect(mine).to_have_attribute("data-mode", "take_over")

    # TR-2: no transfer without its purpose; the dialog says so with the rule. Her own name is not offered.
    mine.get_by_role("button", name="Transferir").click()
    dialog = marta.locator("#dlg-transfer")
    target = dialog.get_by_label("A", exact=True)
    expect(target.locator("option", has_text="Marta")).to_have_count(0)
    dialog.get_by_label("El cliente aceptó la transferencia").check()
    target.select_option(label="Jorge")
    dialog.get_by_role("button", name="Pedir la transferencia").click()
    expect(dialog.locator(".form-error")).to_contain_text("TR-2")

    dialog.get_by_label("Motivo, tal como se le explicó al cliente").fill("Revisar la licencia con Jorge")
    dialog.get_by_role("button", name="Pedir la transferencia").click()
    expect(dialog).to_be_hidden()
    expect(mine).to_have_attribute("data-state", "transfer_pending")
    expect(mine.locator(".mine-transfer")).to_contain_text("Revisar la licencia con Jorge")
    expect(mine.locator(".mine-transfer")).to_contain_text("Jorge")
    call = stored.contact("supervisora-2")
    assert (call["state"], call["assignee"]) == ("transfer_pending", stored.user_id("marta"))  # TR-4

    # Jorge accepts: the call is his, it leaves Marta's list, and she goes back to what she did before.
    offer = jorge.locator("#offers .offer")
    expect(offer).to_contain_text("Revisar la licencia con Jorge")
    expect(offer).to_contain_text("Marta")
    offer.get_by_role("button", name="Aceptar").click()
    expect(jorge.locator("#active-contact")).to_have_attribute("data-state", "talking")
    expect(marta.locator("#board-mine")).to_have_text("No está en ninguna llamada.")
    call = stored.contact("supervisora-2")
    assert (call["state"], call["assignee"]) == ("talking", stored.user_id("jorge"))
    assert stored.technician("marta")[0] == "desconectado"
