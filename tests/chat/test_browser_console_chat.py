"""The technician answers from the console's «Chats» card (not a raw socket) and the customer reads it in the widget:
two Chromium contexts, the real websockets, a real server (tests.consoles.serve) on a copy of the seeded center,
SQLite or PostgreSQL. Typing and read marks go both ways through the card (consoles/chatlive.js): the widget
shows «Lucía está escribiendo…» and «Leído» under the customer's line; the card shows the customer typing and
«Leído por el cliente» under the technician's line. An emoticon's rewrite (NT-6) takes it out in place, and a re-read of the thread
keeps the draft with its findings; a canned answer inserted counts as used."""

from __future__ import annotations

import re
import time

import pytest

from tests.chat.served import add_widget, customer_site, origin_of
from tests.consoles.browser import CHROMIUM, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),  # selected on the PostgreSQL run: the server uses its database
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no system Chromium at {CHROMIUM} (apt-get install chromium)"),
]

REPLY = "Buenos días, Carmen. ¿Qué modelo de impresora tiene?"
MARKUP = '<img src=x onerror="window.pwned=1"> modelo 1020'  # a customer's line is text, never markup


@pytest.fixture(scope="module")
def browser():
    from tests.consoles.browser import chromium

    with chromium() as opened:
        yield opened


def _carmen_writes_and_lucia_accepts(browser, center, shop):
    """Carmen starts a chat in the widget on the shop's site; Lucía opens it in her console's «Chats» card and
    accepts it there. The widget's dialog and log, Lucía's page and her card."""
    from playwright.sync_api import expect

    add_widget(center.stored, origin_of(shop))
    customer = browser.new_context(viewport={"width": 1280, "height": 800}, locale="es-ES").new_page()
    customer.goto(shop)
    customer.get_by_role("button", name="Chatee con nosotros").click()
    dialog = customer.get_by_role("dialog", name="Soporte técnico")
    dialog.get_by_label("Su nombre").fill("Carmen")
    dialog.get_by_label("¿En qué podemos ayudarle?").fill("No puedo imprimir")
    dialog.get_by_role("button", name="Empezar el chat").click()
    log = dialog.get_by_role("log", name="Conversación")
    expect(log.get_by_text("No puedo imprimir")).to_be_visible()
    lucia = sign_in(browser, center.server, "lucia")
    lucia.goto(f"{center.server.url}/consola/")
    card = lucia.locator("#chats")
    card.locator("#live-chats").get_by_role("link", name="Carmen").click()
    card.get_by_role("button", name="Aceptar el chat").click()
    expect(dialog.get_by_role("status")).to_have_text("Le atiende Lucía.")
    return dialog, log, lucia, card


def _lucia_answers(card, log, text):
    """Lucía writes ``text`` in the card's composer and sends it (Enter; a line with findings is held back once,
    then sent anyway); the customer reads it in the widget's ``log``."""
    from playwright.sync_api import expect

    box = card.get_by_label("Su mensaje al cliente")
    box.fill(text)
    box.press("Enter")
    send_anyway = card.get_by_role("button", name="Enviar de todos modos")
    expect(card.locator("#chat-thread").get_by_role("log").get_by_text(text).or_(send_anyway)).to_be_visible()
    if send_anyway.count():
        send_anyway.click()
    expect(log.get_by_text(text)).to_be_visible()


def test_the_technician_answers_from_the_chats_card_and_the_customer_reads_it_in_the_widget(tmp_path, center_template,
                                                                                            browser):
    from playwright.sync_api import expect

    from tests.consoles.browser import served_center

    with served_center(tmp_path / "home", center_template, browser) as center, \
            customer_site(center.server.url, tmp_path / "site") as shop:
        # Carmen starts a chat on the shop's site; Lucía accepts it in her console's «Chats» card.
        dialog, log, lucia, card = _carmen_writes_and_lucia_accepts(browser, center, shop)
        thread = card.locator("#chat-thread")
        expect(thread.get_by_role("log")).to_contain_text("No puedo imprimir")

        # Lucía has read the customer's first line: the widget marks it «Leído».
        expect(log.locator("li.customer").filter(has_text="No puedo imprimir")).to_contain_text("Leído")

        # Typing, both ways, through the card.
        box = card.get_by_label("Su mensaje al cliente")
        box.press_sequentially("Buenos", delay=20)
        expect(dialog.get_by_text("Lucía está escribiendo…")).to_be_visible()
        dialog.get_by_label("Su mensaje").press_sequentially("Es una", delay=20)
        expect(thread.locator("[data-typing-line]")).to_have_text("Carmen está escribiendo…")
        typed = time.monotonic()

        # A re-read of the thread meanwhile draws the card anew: she is still shown typing there.
        thread.evaluate("node => { node.dataset.before = '1'; }")
        with lucia.expect_response(lambda r: re.search(r"/consola/chats/\d+/$", r.url) is not None):
            lucia.evaluate("""() => document.dispatchEvent(new CustomEvent("atiende:live", {detail: {
                type: "chat.update", chat: Number(document.getElementById("chat-thread").dataset.chat)}}))""")
        expect(card.locator("#chat-thread[data-before]")).to_have_count(0)
        if time.monotonic() - typed < 3:  # shown for 6 s after her typing frame, unless she stops (4 s): not yet
            expect(thread.locator("[data-typing-line]")).to_have_text("Carmen está escribiendo…", timeout=1500)

        # An emoticon is flagged (NT-6) and «Aplicar» takes it out in place (the rewrite is the empty string).
        box.fill("")
        box.press_sequentially("Enseguida lo vemos :)", delay=10)
        face = card.locator('#composer-findings [data-rule="NT-6"]')
        expect(face).to_contain_text("emoticono")

        # A re-read of the thread (each change of the chat brings one) keeps the draft and checks it again: the
        # findings are there on the new composer, not only on the one it replaced.
        box.evaluate("area => { area.dataset.before = '1'; }")
        with lucia.expect_response(lambda r: re.search(r"/consola/chats/\d+/$", r.url) is not None):
            lucia.evaluate("""() => document.dispatchEvent(new CustomEvent("atiende:live", {detail: {
                type: "chat.update", chat: Number(document.getElementById("chat-thread").dataset.chat)}}))""")
        expect(card.locator("#composer-body[data-before]")).to_have_count(0)
        expect(box).to_have_value("Enseguida lo vemos :)")
        expect(face).to_contain_text("emoticono")
        face.get_by_role("button", name="Aplicar").click()
        expect(box).to_have_value("Enseguida lo vemos")

        # A refused action stays on the card until she acts again: linking the chat to a work order she may not
        # see (404, ET-4) is said on the card, and the next re-read of the thread (any change of the chat brings
        # one) used to wipe it within a second. Her next action (the answer below) draws the card anew.
        card.get_by_text("Vincular a una orden de trabajo existente", exact=True).click()
        card.get_by_label("Número de la orden de trabajo (los mensajes del chat pasan a ella)").fill("999999")
        card.get_by_role("button", name="Vincular el chat").click()
        refused = thread.locator(".chat-head .form-error")
        expect(refused).to_contain_text("999999")
        expect(refused).to_contain_text("ET-4")
        for _ in range(2):
            with lucia.expect_response(lambda r: re.search(r"/consola/chats/\d+/$", r.url) is not None):
                lucia.evaluate("""() => document.dispatchEvent(new CustomEvent("atiende:live", {detail: {
                    type: "chat.update", chat: Number(document.getElementById("chat-thread").dataset.chat)}}))""")
            lucia.wait_for_timeout(300)  # the re-read's swap and what follows it have run
            expect(refused).to_have_count(1)
            expect(refused).to_contain_text("999999")
            expect(refused).to_contain_text("ET-4")

        # A canned answer inserted from the card counts as used (the work order composer's counter).
        created = lucia.evaluate("""async () => {
            const csrf = document.cookie.split("; ").find((c) => c.startsWith("csrftoken=")).split("=")[1];
            const answer = await fetch("/api/v1/canned-answers", {method: "POST", headers: {"X-CSRFToken": csrf,
                "Content-Type": "application/json", "Accept": "application/json"},
                body: JSON.stringify({title: "Modelo de la impresora", body: "¿Me dice el modelo de su impresora?"})});
            return (await answer.json()).id; }""")
        box.fill("")
        card.get_by_text("Respuestas predefinidas", exact=True).click()
        card.get_by_label("Buscar en las respuestas predefinidas").fill("modelo impresora")
        with lucia.expect_response(lambda r: "/usada/" in r.url and r.status == 204):
            card.get_by_role("button", name="Insertar «Modelo de la impresora»").click()
        expect(box).to_have_value("¿Me dice el modelo de su impresora?")
        used = center.stored.rows("SELECT times_used FROM knowledge_cannedanswer WHERE id = %s", created)
        assert used[0][0] == 1

        # She answers from the composer; the customer reads it in the widget.
        _lucia_answers(card, log, REPLY)
        expect(thread.locator(".form-error")).to_have_count(0)  # she acted: the refusal is gone

        # The widget, open, marks it read: the card says so under Lucía's line.
        expect(thread.locator("li.chat-tecnico").filter(has_text=REPLY)).to_contain_text("Leído por el cliente")

        # The customer answers; it reaches the card from the chat's socket, before any re-read of the thread is
        # answered (the re-reads are held here), drawn as text; it is marked read in the widget.
        held = []
        rereads = re.compile(r"/consola/chats/\d+/$")
        released = []
        lucia.route(rereads, lambda route: route.continue_() if released else held.append(route))
        composer = dialog.get_by_label("Su mensaje")
        composer.fill("Es una HP LaserJet")
        composer.press("Enter")
        composer.fill(MARKUP)
        composer.press("Enter")
        lines = thread.get_by_role("log").locator("li[data-seq]")
        expect(lines.filter(has_text="Es una HP LaserJet")).to_have_count(1)
        expect(lines.filter(has_text=MARKUP)).to_have_count(1)
        expect(lines.last).to_contain_text(MARKUP)  # in order
        assert thread.locator(".chat-log img").count() == 0 and lucia.evaluate("window.pwned") is None
        expect(log.locator("li.customer").filter(has_text=MARKUP)).to_contain_text("Leído")
        for _ in range(50):  # the re-read follows (at most once a second); let it through
            if held:
                break
            lucia.wait_for_timeout(100)
        assert held, "the thread was not re-read after the customer's lines"
        released.append(True)
        with lucia.expect_response(lambda r: rereads.search(r.url) is not None):
            for route in held:
                route.continue_()
        # The re-read brings the same lines: each is there once, in order.
        expect(lines.filter(has_text="Es una HP LaserJet")).to_have_count(1)
        expect(lines.filter(has_text=MARKUP)).to_have_count(1)
        expect(lines.last).to_contain_text(MARKUP)
        stored = center.stored.rows("SELECT body FROM desk_message ORDER BY id")
        assert [row[0] for row in stored][-4:] == ["No puedo imprimir", REPLY, "Es una HP LaserJet", MARKUP]


# The one CI failure (2026-12-07, SQLite half, under load: the coach's word never showed in the board's log) was a
# click before htmx settled what it had swapped in: htmx binds new nodes at settle (20 ms after the swap), so the
# «Enviar al técnico» form, clicked in between, posted natively and the page became the bare fragment, without the
# board. web/swaps.js binds the element as the click starts. This test makes every settle of Marta's page wait
# 15 s, so each click on the board lands on nodes htmx has not bound yet (checked below): without that binding it
# fails every time.
SETTLE_HELD_MS = 15_000


def test_a_supervisor_coaches_from_the_wallboard_and_the_customer_never_sees_it(tmp_path, center_template, browser):
    from playwright.sync_api import expect

    from tests.consoles.browser import served_center

    whisper = "Pregúntale el modelo exacto"
    with served_center(tmp_path / "home", center_template, browser) as center, \
            customer_site(center.server.url, tmp_path / "site") as shop:
        dialog, log, lucia, card = _carmen_writes_and_lucia_accepts(browser, center, shop)

        # Marta, on the wallboard: the chat is in its «Chats» card; she coaches Lucía from there.
        marta = sign_in(browser, center.server, "marta")
        marta.goto(f"{center.server.url}/panel/")
        board = marta.locator("#board-chats").locator("..")
        expect(board.locator("#board-chats").get_by_role("link", name="Carmen")).to_be_visible()
        marta.evaluate(f"() => {{ htmx.config.defaultSettleDelay = {SETTLE_HELD_MS}; }}")
        unbound = marta.locator("#board-chat-thread > .board-chat.htmx-added")  # swapped in, not settled
        board.locator("#board-chats").get_by_role("link", name="Carmen").click()
        expect(board.get_by_role("log")).to_contain_text("No puedo imprimir")
        assert unbound.count() == 1, "the race was not forced: the chat settled before the click"
        board.get_by_role("button", name="Asesorar al técnico").click()
        board.get_by_label("Un consejo al técnico (el cliente nunca lo ve)").fill(whisper)
        assert unbound.count() == 1, "the race was not forced: the coach's form settled before the click"
        board.get_by_role("button", name="Enviar al técnico").click()
        # A refused post is shown now (web/swaps.js swaps a 4xx answer; a 5xx is a banner): if the word does
        # not come, the test fails naming what the board said instead of waiting 60 s in silence.
        refusal = marta.locator("#board-chat-thread [role=alert], .htmx-refusal")
        expect(board.get_by_role("log").get_by_text(whisper).or_(refusal).first).to_be_visible()
        assert refusal.count() == 0, f"the coach's word was refused: {refusal.all_inner_texts()}"
        expect(board.get_by_role("log")).to_contain_text(whisper)

        # Lucía reads it in her card, marked staff-only; she answers; the customer gets the answer, never the word.
        thread = card.locator("#chat-thread")
        expect(thread.get_by_role("log")).to_contain_text(whisper)
        _lucia_answers(card, log, REPLY)
        expect(dialog).not_to_contain_text(whisper)
        customer = dialog.page
        customer.reload()  # and not on a rejoin either
        customer.get_by_role("button", name="Chatee con nosotros").click()
        expect(log.get_by_text(REPLY)).to_be_visible()
        expect(dialog).not_to_contain_text(whisper)
