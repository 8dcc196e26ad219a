"""A real browser on the consoles' other paths: a technician declines a ringing call or a transfer (the call is
never dropped, TR-4 / TR-5), pauses with a reason and comes back (en pausa / disponible), and a supervisor
joins, coaches and takes over a call from the wallboard (PO-5). Each test checks what the people see (the
Spanish UI) and what the server stored (tests.consoles.browser.Stored).
"""

from __future__ import annotations

import pytest

from tests.consoles.browser import CHROMIUM, live, new_call, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no system Chromium at {CHROMIUM} (apt-get install chromium)"),
    # The server has its own database (a SQLite file, or a fresh PostgreSQL one on the PostgreSQL run): the
    # marker keeps these tests in that run, which selects the tests that use a database.
    pytest.mark.django_db,
]

NO_CALL = "Ahora no hay ninguna llamada."


def _consoles(served, *usernames: str) -> dict[str, object]:
    pages = {}
    for username in usernames:
        page = sign_in(served.browser, served.server, username)
        live(page, "/panel/" if username == "marta" else "/consola/", served.server)
        pages[username] = page
    return pages


def _escalate(page, reason: str) -> None:
    page.locator("#active-contact").get_by_role("button", name="Escalar al supervisor").click()
    dialog = page.locator("#dlg-escalate")
    dialog.get_by_label("En qué necesita ayuda").fill(reason)
    dialog.get_by_role("button", name="Pedir ayuda a un supervisor").click()


def _request_transfer(page, purpose: str, to: str) -> None:
    page.locator("#active-contact").get_by_role("button", name="Transferir").click()
    dialog = page.locator("#dlg-transfer")
    dialog.get_by_label("Motivo, tal como se le explicó al cliente").fill(purpose)
    dialog.get_by_label("El cliente aceptó la transferencia").check()
    dialog.get_by_label("A", exact=True).select_option(label=to)
    dialog.get_by_role("button", name="Pedir la transferencia").click()


def _answered_by(page, served, call_id: str):
    """The call rings at this console and is answered from it; its box is returned."""
    from playwright.sync_api import expect

    new_call(served.server, call_id)
    box = page.locator("#active-contact")
    expect(box).to_have_attribute("data-state", "offered")
    box.get_by_role("button", name="Atender").click()
    expect(box).to_have_attribute("data-state", "talking")
    return box


def test_declined_call_rings_at_the_next_technician_and_is_never_dropped(served):
    from playwright.sync_api import expect

    pages = _consoles(served, "lucia", "jorge")
    lucia, jorge = pages["lucia"], pages["jorge"]
    stored = served.stored
    # Jorge signs in for calls; Lucía has been available longer, so the call rings at her first.
    jorge.get_by_role("button", name="Disponible").click()
    expect(jorge.locator("#my-status")).to_have_text("Disponible")
    assert stored.technician("jorge") == ("disponible", "")

    new_call(served.server, "rechazada-1")
    box = lucia.locator("#active-contact")
    expect(box).to_have_attribute("data-state", "offered")
    expect(box).to_contain_text("sonando")
    box.get_by_role("button", name="Rechazar").click()

    # Lucía no longer has it; it rings at Jorge, who answers and greets the caller by name.
    expect(box).to_have_attribute("data-state", "")
    expect(box).to_have_text(NO_CALL)
    jorge_box = jorge.locator("#active-contact")
    expect(jorge_box).to_have_attribute("data-state", "offered")
    jorge_box.get_by_role("button", name="Atender").click()
    expect(jorge_box).to_have_attribute("data-state", "talking")
    expect(jorge.locator("#greeting")).to_have_text("Doña Carmen Ruiz")

    call = stored.contact("rechazada-1")
    assert (call["state"], call["assignee"]) == ("talking", stored.user_id("jorge"))
    assert stored.events("rechazada-1") == ["created", "offered", "returned_to_queue", "offered", "answered"]
    assert stored.technician("lucia") == ("disponible", "")
    assert stored.technician("jorge")[0] == "ocupado"


def test_declined_transfer_returns_the_call_to_the_first_technician(served):
    from playwright.sync_api import expect

    pages = _consoles(served, "lucia", "jorge")
    lucia, jorge = pages["lucia"], pages["jorge"]
    stored = served.stored
    box = _answered_by(lucia, served, "transferencia-1")

    _request_transfer(lucia, "Revisar la licencia con segundo nivel", "Jorge")
    expect(box).to_have_attribute("data-state", "transfer_pending")
    expect(lucia.locator("#transfer-pending")).to_contain_text("Revisar la licencia con segundo nivel")
    # PO-5: mid-transfer, the way to a supervisor stays open.
    expect(box.get_by_role("button", name="Escalar al supervisor")).to_be_visible()

    # TR-4: Jorge says no. The call stays with Lucía, talking, never dropped (TR-5).
    offer = jorge.locator("#offers .offer")
    expect(offer).to_contain_text("Revisar la licencia con segundo nivel")
    expect(offer).to_contain_text("Lucía")
    offer.get_by_role("button", name="Rechazar").click()
    expect(jorge.locator("#offers")).to_have_text("No le han ofrecido transferencias.")
    expect(jorge.locator("#active-contact")).to_have_text(NO_CALL)
    expect(box).to_have_attribute("data-state", "talking")
    expect(lucia.locator("#transfer-pending")).to_have_count(0)
    expect(lucia.locator("#transfer-returned")).to_have_text(
        "Jorge rechazó la transferencia: la llamada sigue con usted. (TR-5)")
    expect(lucia.locator("#greeting")).to_have_text("Doña Carmen Ruiz")

    call = stored.contact("transferencia-1")
    assert (call["state"], call["assignee"]) == ("talking", stored.user_id("lucia"))
    assert stored.events("transferencia-1")[-2:] == ["transfer_requested", "transfer_returned"]
    assert stored.technician("lucia")[0] == "ocupado"
    assert stored.technician("jorge")[0] != "ocupado"

    # Lucía asks again and thinks better of it: she calls the transfer off, the call stays hers.
    _request_transfer(lucia, "Mejor lo ve un compañero", "Jorge")
    expect(box).to_have_attribute("data-state", "transfer_pending")
    expect(offer).to_contain_text("Mejor lo ve un compañero")
    box.get_by_role("button", name="Cancelar la transferencia").click()
    expect(box).to_have_attribute("data-state", "talking")
    expect(lucia.locator("#transfer-returned")).to_have_text("Transferencia cancelada: la llamada sigue con usted. (TR-5)")
    expect(jorge.locator("#offers")).to_have_text("No le han ofrecido transferencias.")
    call = stored.contact("transferencia-1")
    assert (call["state"], call["assignee"]) == ("talking", stored.user_id("lucia"))
    assert stored.events("transferencia-1")[-4:] == [
        "transfer_requested", "transfer_returned", "transfer_requested", "transfer_returned"]


def test_transfer_nobody_accepts_in_time_comes_back_to_the_first_technician(served):
    """TR-5: a transfer the receiver lets run out (the queue "urgente" gives 3 seconds) returns on its own,
    through the server's worker: the call is never dropped and never left pending."""
    from playwright.sync_api import expect

    pages = _consoles(served, "lucia", "jorge")
    lucia, jorge = pages["lucia"], pages["jorge"]
    stored = served.stored
    new_call(served.server, "transferencia-sin-respuesta", queue="urgente")
    box = lucia.locator("#active-contact")
    expect(box).to_have_attribute("data-state", "offered")
    box.get_by_role("button", name="Atender").click()
    expect(box).to_have_attribute("data-state", "talking")

    _request_transfer(lucia, "Lo revisa facturación", "Jorge")
    expect(box).to_have_attribute("data-state", "transfer_pending")
    expect(jorge.locator("#offers .offer")).to_contain_text("Lo revisa facturación")
    # Jorge does nothing. The deadline passes, the worker returns the call, both consoles hear it live.
    expect(lucia.locator("#transfer-returned")).to_have_text(
        "Nadie aceptó la transferencia a tiempo: la llamada sigue con usted. (TR-5)")
    expect(box).to_have_attribute("data-state", "talking")
    expect(jorge.locator("#offers")).to_have_text("No le han ofrecido transferencias.")
    expect(jorge.locator("#active-contact")).to_have_text(NO_CALL)

    call = stored.contact("transferencia-sin-respuesta")
    assert (call["state"], call["assignee"]) == ("talking", stored.user_id("lucia"))
    assert stored.events("transferencia-sin-respuesta")[-2:] == ["transfer_requested", "transfer_returned"]
    assert stored.technician("lucia")[0] == "ocupado"


def test_pause_with_reason_holds_calls_back_until_available_again(served):
    from playwright.sync_api import expect

    pages = _consoles(served, "lucia", "marta")
    lucia, marta = pages["lucia"], pages["marta"]
    stored = served.stored
    status = lucia.locator("#my-status")
    expect(status).to_have_attribute("data-status", "disponible")

    # A pause needs its reason.
    lucia.get_by_role("button", name="Pausar").click()
    expect(lucia.locator("#me-error")).to_contain_text("Indique el motivo de la pausa.")
    assert stored.technician("lucia") == ("disponible", "")

    lucia.get_by_placeholder("Motivo de la pausa").fill("Reunión de equipo")
    lucia.get_by_role("button", name="Pausar").click()
    expect(status).to_have_attribute("data-status", "en_pausa")
    expect(status).to_have_text("En pausa")
    expect(lucia.locator("#my-pause-reason")).to_have_text("Motivo de la pausa: Reunión de equipo")
    expect(lucia.get_by_placeholder("Motivo de la pausa")).to_have_value("")
    expect(lucia.locator("#me-error")).to_be_empty()
    assert stored.technician("lucia") == ("en_pausa", "Reunión de equipo")
    lucia_row = marta.locator("#board-techs tr", has_text="Lucía")
    expect(lucia_row).to_contain_text("En pausa")

    # Paused, no call rings at her: it waits in the queue, which she and the wallboard see.
    new_call(served.server, "en-pausa-1")
    expect(lucia.locator("#queue")).to_contain_text("+34910000111")
    expect(marta.locator("#board-queues .wait")).to_contain_text("+34910000111")
    expect(lucia.locator("#active-contact")).to_have_text(NO_CALL)
    call = stored.contact("en-pausa-1")
    assert (call["state"], call["offered_to"]) == ("waiting", None)

    # Back: available again, the waiting call rings at her at once.
    lucia.get_by_role("button", name="Disponible").click()
    box = lucia.locator("#active-contact")
    expect(box).to_have_attribute("data-state", "offered")
    expect(lucia.locator("#queue")).not_to_contain_text("+34910000111")
    box.get_by_role("button", name="Atender").click()
    expect(box).to_have_attribute("data-state", "talking")
    expect(status).to_have_text("Ocupado")
    expect(lucia.locator("#my-pause-reason")).to_be_hidden()
    expect(lucia_row).to_contain_text("Ocupado")
    assert stored.contact("en-pausa-1")["assignee"] == stored.user_id("lucia")
    assert stored.technician("lucia") == ("ocupado", "")

    # No pause in the middle of a call: it is refused with the reason, and she stays on it.
    lucia.get_by_placeholder("Motivo de la pausa").fill("Café")
    lucia.get_by_role("button", name="Pausar").click()
    expect(lucia.locator("#me-error")).to_contain_text("No puede pausar con una llamada en curso")
    expect(box).to_have_attribute("data-state", "talking")
    assert stored.technician("lucia") == ("ocupado", "")


def test_supervisor_coaches_then_takes_over_the_call_and_ends_it(served):
    from playwright.sync_api import expect

    pages = _consoles(served, "lucia", "marta")
    lucia, marta = pages["lucia"], pages["marta"]
    stored = served.stored
    box = _answered_by(lucia, served, "supervisor-1")
    call_id = stored.contact("supervisor-1")["id"]

    # PO-5: Lucía asks for help; Marta coaches her from the wallboard's alert.
    _escalate(lucia, "El cliente pide hablar con un responsable")
    expect(box).to_contain_text("Se ha avisado a un supervisor.")
    alert = marta.locator("#board-alerts [data-rule='PO-5']", has_text="El cliente pide hablar con un responsable")
    alert.get_by_role("button", name="Asesorar").click()
    expect(lucia.locator("#supervisor-on-call")).to_have_text("Marta le está asesorando: el cliente no le oye.")
    expect(box).to_have_attribute("data-state", "talking")
    mine = marta.locator("#board-mine .my-call")
    expect(mine).to_have_attribute("data-mode", "coach")
    expect(mine).to_contain_text(f"Llamada #{call_id}")
    expect(mine).to_contain_text("Está asesorando al técnico. Técnico: Lucía")
    assert stored.contact("supervisor-1")["assignee"] == stored.user_id("lucia")
    assert stored.technician("marta")[0] == "ocupado"  # on a call: routing rings her nothing

    # Then she takes the call over: it leaves Lucía's console, and Lucía is free for the next one.
    mine.get_by_role("button", name="Tomar el control").click()
    expect(mine).to_have_attribute("data-mode", "take_over")
    expect(mine).to_contain_text("Ha tomado el control de la llamada.")
    expect(box).to_have_text(NO_CALL)
    expect(lucia.locator("#my-status")).to_have_text("Disponible")
    call = stored.contact("supervisor-1")
    assert (call["state"], call["assignee"]) == ("talking", stored.user_id("marta"))
    assert stored.technician("lucia") == ("disponible", "")

    # Marta finishes it herself: hang up, wrap-up, and she goes back to what she was doing (signed off calls).
    mine.get_by_role("button", name="Colgar").click()
    expect(mine).to_have_attribute("data-state", "wrap_up")
    mine.get_by_role("button", name="Terminar el cierre de llamada").click()
    expect(marta.locator("#board-mine")).to_have_text("No está en ninguna llamada.")
    expect(marta.locator("#board-error")).to_be_empty()
    assert stored.contact("supervisor-1")["state"] == "ended"
    assert stored.events("supervisor-1")[-4:] == ["supervisor_joined", "supervisor_joined", "hangup", "ended"]
    assert stored.technician("marta")[0] == "desconectado"
    assert stored.technician("lucia") == ("disponible", "")


def test_supervisor_joins_a_call_until_it_ends(served):
    from playwright.sync_api import expect

    pages = _consoles(served, "lucia", "marta")
    lucia, marta = pages["lucia"], pages["marta"]
    stored = served.stored
    box = _answered_by(lucia, served, "conferencia-1")

    _escalate(lucia, "No consigo que el equipo arranque")
    alert = marta.locator("#board-alerts [data-rule='PO-5']", has_text="No consigo que el equipo arranque")
    alert.get_by_role("button", name="Unirse").click()
    expect(lucia.locator("#supervisor-on-call")).to_have_text("Marta se ha unido a la llamada (conferencia).")
    expect(box).to_have_attribute("data-state", "talking")
    mine = marta.locator("#board-mine .my-call")
    expect(mine).to_have_attribute("data-mode", "join")
    expect(mine).to_contain_text("Se ha unido a la llamada. Técnico: Lucía")
    call = stored.contact("conferencia-1")
    assert (call["state"], call["assignee"]) == ("talking", stored.user_id("lucia"))
    assert stored.technician("marta")[0] == "ocupado"

    # The technician keeps the call and ends it; the supervisor leaves with it, back to her own state.
    box.get_by_role("button", name="Colgar").click()
    expect(box).to_have_attribute("data-state", "wrap_up")
    expect(marta.locator("#board-mine")).to_have_text("No está en ninguna llamada.")
    box.get_by_role("button", name="Terminar el cierre de llamada").click()
    expect(box).to_have_text(NO_CALL)
    expect(lucia.locator("#my-status")).to_have_text("Disponible")
    assert stored.contact("conferencia-1")["state"] == "ended"
    assert stored.technician("marta")[0] == "desconectado"
    assert stored.technician("lucia") == ("disponible", "")
