"""A refused htmx action is seen: htmx 2 does not swap a 4xx answer, so the work order's refusals (a phase
change the rules refuse, 409; a field the service refuses, 400) showed nothing at all when the views answered
them with their own status. web/swaps.js swaps a 4xx HTML answer like a 200 and puts the focus on the error;
what it cannot swap (a server fault, a JSON or plain-text answer) becomes a banner said in the live region."""

from __future__ import annotations

import json

from tests.browser import BROWSER, chromium, new_page, sign_in
from tests.pages import PASSWORD

pytestmark = BROWSER

FOCUSED = "() => { const a = document.activeElement; return a ? (a.id || a.className || a.tagName) : null }"


def _answers(page, path: str) -> list[int]:
    """The statuses the page got for its POSTs to ``path`` (to show the refusal kept its own status)."""
    seen: list[int] = []
    page.on("response", lambda r: seen.append(r.status) if r.request.method == "POST" and path in r.url else None)
    return seen


def _commitment_typed(browser, desk, live_server):
    """The work order open as its technician, a commitment typed in and not added yet: (page, its accessibility
    violations, the commitments panel)."""
    page, violations = new_page(browser)
    sign_in(page, live_server.url, desk.technician.username, PASSWORD)
    page.goto(f"{live_server.url}/solicitudes/{desk.work_order.number}/")
    commitments = page.locator("#commitments")
    commitments.get_by_role("textbox", name="Compromiso").fill("Llamarla con el presupuesto")
    commitments.get_by_label("Vence el").fill("2099-01-01T10:00")
    return page, violations, commitments


def test_a_refused_phase_change_and_a_refused_field_are_shown_with_their_rule(desk, live_server):
    from playwright.sync_api import expect

    with chromium() as browser:
        page, violations = new_page(browser)
        sign_in(page, live_server.url, desk.technician.username, PASSWORD)
        page.goto(f"{live_server.url}/solicitudes/{desk.work_order.number}/")
        live = page.locator("#live-region")

        # The phase change the rules refuse (AL-6, 409): the refusal is on the page, with its rule, focused.
        phases = _answers(page, "/fase/")
        page.locator("#phase-panel").get_by_role("button").first.click()
        refusal = page.locator(".phase-guard")
        expect(refusal).to_contain_text("AL-6")
        expect(refusal).to_be_visible()
        expect(live).to_contain_text("AL-6")
        assert phases == [409]
        page.wait_for_function("() => document.activeElement.classList.contains('phase-guard')", timeout=10_000)

        # A commitment due in the past (PT-2, 400): the field is marked, its message shown, the focus in it.
        adds = _answers(page, "/compromisos/")
        commitments = page.locator("#commitments")
        commitments.get_by_role("textbox", name="Compromiso").fill("Llamarla con el presupuesto")
        commitments.get_by_label("Vence el").fill("2020-01-01T10:00")
        commitments.get_by_role("button", name="Añadir").click()
        expect(commitments.locator(".field-invalid")).to_contain_text("PT-2")
        assert adds == [400]
        # swaps.js moves the focus once the swap has settled: wait for it rather than read it at once.
        page.wait_for_function("() => document.activeElement && document.activeElement.id === 'id_due_at'",
                               timeout=10_000)
        assert violations == []


def test_what_cannot_be_swapped_is_said_in_a_banner(desk, live_server):
    from playwright.sync_api import expect

    with chromium() as browser:
        page, violations, commitments = _commitment_typed(browser, desk, live_server)

        # A server fault: nothing to swap, the page says so (and keeps what was typed).
        page.route("**/compromisos/**", lambda route: route.fulfill(status=500, body="boom",
                                                                    content_type="text/plain"))
        commitments.get_by_role("button", name="Añadir").click()
        banner = page.locator(".messages.htmx-refusal")
        expect(banner).to_contain_text("El servidor no pudo hacerlo")
        expect(banner).to_contain_text("(500)")
        expect(page.locator("#live-region")).to_contain_text("El servidor no pudo hacerlo")
        assert page.evaluate("() => document.activeElement.classList.contains('htmx-refusal')")
        expect(commitments.get_by_role("textbox", name="Compromiso")).to_have_value("Llamarla con el presupuesto")

        # A JSON refusal (the API's error format): its message and rule, in the banner.
        page.unroute("**/compromisos/**")
        body = json.dumps({"error": {"code": "x", "message": "No se puede ahora.", "rule": "PT-2"}})
        page.route("**/compromisos/**", lambda route: route.fulfill(status=409, body=body,
                                                                    content_type="application/json"))
        commitments.get_by_role("button", name="Añadir").click()
        expect(banner).to_have_text("No se puede ahora. (PT-2)")
        expect(banner).to_have_count(1)
        assert violations == []


def test_an_action_after_the_session_ended_opens_the_sign_in_page_and_comes_back(desk, live_server):
    """The session ends (8 hours by default) while the page stays open: an htmx action used to get the sign-in
    page as its answer (the redirect followed inside the request), with no #commitments in it, and the page never
    said the session had ended (this test timed out waiting for the sign-in page). It is the sign-in page now, as
    a whole page (HX-Redirect), and back to the work order after signing in."""
    from playwright.sync_api import expect

    with chromium() as browser:
        page, violations, commitments = _commitment_typed(browser, desk, live_server)
        detail = f"{live_server.url}/solicitudes/{desk.work_order.number}/"
        page.context.clear_cookies(name="sessionid")  # the session ended; the CSRF cookie stays, as it does
        commitments.get_by_role("button", name="Añadir").click()
        page.wait_for_url(lambda url: "/entrar/" in url)
        assert f"next=%2Fsolicitudes%2F{desk.work_order.number}%2F" in page.url, page.url
        page.get_by_label("Nombre de usuario").fill(desk.technician.username)
        page.get_by_label("Contraseña").fill(PASSWORD)
        page.locator("form button[type=submit]").last.click()
        page.wait_for_url(detail)
        expect(page.locator("#commitments")).to_be_visible()
        assert violations == []


def test_an_action_whose_csrf_token_is_refused_says_to_reload_the_page(desk, live_server):
    """The page outlived its CSRF token (signed out and in again in another tab, the cookie gone): the action used
    to show Django's 403 page for developers as the banner's text ("Forbidden (403) CSRF verification failed...").
    It says, in the person's language, that the session has expired and the page wants reloading."""
    from playwright.sync_api import expect

    with chromium() as browser:
        page, violations, commitments = _commitment_typed(browser, desk, live_server)
        adds = _answers(page, "/compromisos/")
        page.context.clear_cookies(name="csrftoken")
        commitments.get_by_role("button", name="Añadir").click()
        banner = page.locator(".messages.htmx-refusal")
        expect(banner).to_have_text("La sesión ha caducado; recargue la página.")
        expect(page.locator("#live-region")).to_contain_text("La sesión ha caducado")
        assert adds == [403]
        expect(commitments.get_by_role("textbox", name="Compromiso")).to_have_value("Llamarla con el presupuesto")
        assert violations == []
