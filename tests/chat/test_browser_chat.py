"""A customer on a shop's site and a technician in the console chat over the real websocket, in two Chromium
contexts: the widget embedded by one script tag on another origin (under the shop's own strict Content
Security Policy), the console signed in as Lucía. XSS payloads go both ways and stay text; typing, read marks,
a screenshot, an internal note the customer never sees, a page reload that resumes the chat, the keyboard and
the end. Real server (uvicorn, tests.consoles.serve) on a copy of the seeded center, SQLite or PostgreSQL."""

from __future__ import annotations

import json

import pytest

from tests.attachments import PNG
from tests.chat.served import add_widget, customer_site, origin_of
from tests.consoles.browser import CHROMIUM, SHOTS, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),  # selected on the PostgreSQL run: the server uses its database
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no system Chromium at {CHROMIUM} (apt-get install chromium)"),
]

XSS_NAME = 'Carmen <img src=x onerror="window.__xss=1">'
XSS_CUSTOMER = '<script>window.__xss=2</script><b>No puedo imprimir</b>'
XSS_TECHNICIAN = '<img src=x onerror="window.__xss=3">Pruebe <a href="javascript:alert(1)">esto</a>'

# The technician's side of the console's chat: its socket from the console page (the session's cookie, the
# desk's own origin). What arrives is kept in window.__chat and written into the page as text.
CONSOLE_SOCKET = """
async (chatId) => {
  window.__chat = {frames: [], socket: null};
  const socket = new WebSocket(`ws://${location.host}/ws/chat/tecnico/`);
  window.__chat.socket = socket;
  const log = document.createElement("ol");
  log.id = "test-chat-log";
  document.body.appendChild(log);
  socket.onmessage = (event) => {
    const frame = JSON.parse(event.data);
    window.__chat.frames.push(frame);
    if (frame.type === "message") {
      const line = document.createElement("li");
      line.textContent = frame.text;
      log.appendChild(line);
    }
  };
  await new Promise((resolve) => { socket.onopen = resolve; });
  socket.send(JSON.stringify({type: "subscribe", chat: chatId, last_seq: 0}));
}
"""


@pytest.fixture(scope="module")
def browser():
    from tests.consoles.browser import chromium

    with chromium() as opened:
        yield opened


def frames(page, kind: str) -> list[dict]:
    return [f for f in page.evaluate("window.__chat.frames") if f["type"] == kind]


def technician_sends(page, frame: dict) -> None:
    page.evaluate("(frame) => window.__chat.socket.send(JSON.stringify(frame))", frame)


def test_customer_on_a_site_and_technician_in_the_console_over_the_real_websocket(tmp_path, center_template, browser):
    from playwright.sync_api import expect

    from tests.consoles.browser import served_center

    with served_center(tmp_path / "home", center_template, browser) as center, \
            customer_site(center.server.url, tmp_path / "site") as shop:
        server = center.server
        add_widget(center.stored, origin_of(shop))
        violations: list[str] = []
        customer = browser.new_context(viewport={"width": 1280, "height": 800}, locale="es-ES").new_page()
        customer.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        customer.goto(shop)

        # The launcher, from the keyboard: Enter opens the dialog with the focus on the name; Escape closes it.
        launcher = customer.get_by_role("button", name="Chatee con nosotros")
        expect(launcher).to_be_visible()
        launcher.focus()
        customer.keyboard.press("Enter")
        dialog = customer.get_by_role("dialog", name="Soporte técnico")
        expect(dialog).to_be_visible()
        expect(dialog.get_by_label("Su nombre")).to_be_focused()
        customer.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
        expect(launcher).to_be_focused()
        # The shop's own styles do not reach the widget (its shadow root), nor does it need inline styles.
        assert launcher.evaluate("b => getComputedStyle(b).fontSize") == "16px"
        launcher.click()

        # The customer starts the chat with markup in their name and their first message.
        expect(dialog.get_by_text("Espera estimada", exact=False).or_(
            dialog.get_by_text("Un técnico le atenderá en un momento."))).to_be_visible()
        dialog.get_by_label("Su nombre").fill(XSS_NAME)
        dialog.get_by_label("Correo electrónico (opcional)").fill("carmen@example.com")
        dialog.get_by_label("¿En qué podemos ayudarle?").fill(XSS_CUSTOMER)
        dialog.get_by_role("button", name="Empezar el chat").click()
        log = dialog.get_by_role("log", name="Conversación")
        expect(log.get_by_text(XSS_CUSTOMER)).to_be_visible()
        chat_id = center.stored.rows("SELECT id FROM chat_chatsession ORDER BY id DESC")[0][0]
        # Lucía's console: she takes the chat (the chats API, with her session) and opens its socket.
        lucia = sign_in(browser, server, "lucia")
        accepted = lucia.evaluate("""async (chatId) => {
            const csrf = document.cookie.split("; ").find((c) => c.startsWith("csrftoken=")).split("=")[1];
            const answer = await fetch(`/api/v1/chats/${chatId}/accept`, {method: "POST",
                headers: {"X-CSRFToken": csrf, "Accept": "application/json"}});
            return answer.status; }""", chat_id)
        assert accepted == 200
        lucia.evaluate(CONSOLE_SOCKET, chat_id)
        expect(dialog.get_by_role("status")).to_have_text("Le atiende Lucía.")

        # What the customer wrote reaches the console as the text it is: nothing ran on either side.
        expect(lucia.locator("#test-chat-log")).to_contain_text(XSS_CUSTOMER)
        joined = frames(lucia, "joined")[0]["chat"]
        assert joined["customer"]["name"] == XSS_NAME

        # Typing, both ways.
        composer = dialog.get_by_label("Su mensaje")
        composer.press_sequentially("Hola")
        lucia.wait_for_function("() => window.__chat.frames.some((f) => f.type === 'typing' && f.side === 'customer')")
        technician_sends(lucia, {"type": "typing", "chat": chat_id, "active": True})
        expect(dialog.get_by_text("Lucía está escribiendo…")).to_be_visible()

        # The technician answers with markup: the customer sees it as text; the customer's read mark comes back.
        technician_sends(lucia, {"type": "message", "chat": chat_id, "client_id": "t1", "text": XSS_TECHNICIAN})
        expect(log.get_by_text(XSS_TECHNICIAN)).to_be_visible()
        lucia.wait_for_function("() => window.__chat.frames.some((f) => f.type === 'read' && f.side === 'customer')")

        # An internal note never reaches the customer; the next public message does.
        technician_sends(lucia, {"type": "message", "chat": chat_id, "client_id": "n1", "visibility": "internal",
                                 "text": "Nota interna: cliente de nivel básico"})
        technician_sends(lucia, {"type": "message", "chat": chat_id, "client_id": "t2",
                                 "text": "¿Me envía una captura del error?"})
        expect(log.get_by_text("¿Me envía una captura del error?")).to_be_visible()
        expect(dialog).not_to_contain_text("Nota interna")

        # The customer writes (Enter sends) and sends a screenshot; Lucía reads: «Leído» under their message.
        composer.fill("Ahora se la mando")
        composer.press("Enter")
        expect(log.get_by_text("Ahora se la mando")).to_be_visible()
        dialog.locator("input[type=file]").set_input_files(
            files=[{"name": "captura.png", "mimeType": "image/png", "buffer": PNG}])
        lucia.wait_for_function("() => window.__chat.frames.some((f) => f.type === 'message' && f.attachment "
                                "&& f.attachment.name === 'captura.png')")
        last = max(f["seq"] for f in frames(lucia, "message"))
        technician_sends(lucia, {"type": "read", "chat": chat_id, "seq": last})
        expect(log.locator("li.customer").filter(has_text="Ahora se la mando")).to_contain_text("Leído")
        customer.screenshot(path=str(SHOTS / "chat-widget.png"))

        assert customer.evaluate("window.__xss") is None
        assert lucia.evaluate("window.__xss") is None
        assert customer.locator("[data-atiende-chat] img").count() == 0
        assert lucia.locator("#test-chat-log img").count() == 0

        # A reload keeps the chat (the tab's session storage) and shows it again, once and in order.
        customer.reload()
        customer.get_by_role("button", name="Chatee con nosotros").click()
        expect(log.get_by_text("¿Me envía una captura del error?")).to_be_visible()
        texts = log.locator("li .text").all_inner_texts()
        assert texts == [XSS_CUSTOMER, XSS_TECHNICIAN, "¿Me envía una captura del error?", "Ahora se la mando", ""]
        assert "Nota interna" not in " ".join(texts)

        # The customer ends the chat: the widget says where the conversation goes.
        customer.once("dialog", lambda d: d.accept())
        dialog.get_by_role("button", name="Finalizar chat").click()
        expect(dialog.get_by_role("status")).to_have_text("El chat ha terminado.")
        expect(dialog).to_contain_text("carmen@example.com")
        lucia.wait_for_function("() => window.__chat.frames.some((f) => f.type === 'state' && "
                                "['ended', 'abandoned'].includes(f.chat.state))")
        stored = center.stored.rows("SELECT body FROM desk_message m JOIN chat_chatsession s "
                                    "ON s.work_order_id = m.work_order_id WHERE s.id = %s ORDER BY m.id", chat_id)
        assert [row[0] for row in stored][:2] == [XSS_CUSTOMER, XSS_TECHNICIAN]
        assert not violations, json.dumps(violations)
