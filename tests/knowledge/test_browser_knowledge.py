"""A real browser: the top bar's search, the help center without signing in, suggestions and canned answers."""

from __future__ import annotations

from atiende.knowledge import articles, canned
from atiende.knowledge.models import ArticleFeedback
from tests.browser import BROWSER, chromium, new_page, sign_in
from tests.pages import PASSWORD, desk, fast_hashing  # noqa: F401

pytestmark = BROWSER


def test_search_help_center_suggestions_and_canned_answers(desk, live_server):  # noqa: F811
    from playwright.sync_api import expect

    article = articles.create_article(
        actor=desk.technician, title="La impresora no imprime: qué revisar", category="Impresoras", public=True,
        body="Compruebe que la impresora tiene papel y que la luz verde está fija.\n\nReinicie la impresora.")
    articles.create_article(actor=desk.technician, title="Impresoras: contrato de mantenimiento",
                            body="Llamar al proveedor con el número de contrato.")
    canned.create_canned_answer(actor=desk.technician, title="Cierre amable",
                                body="Un saludo, {tecnico}. Solicitud {numero}.",
                                plain_body="Gracias, {cliente}. Ya está resuelto (solicitud {numero}).")
    with chromium() as browser:
        # A visitor reads the help center without signing in and says it solved it.
        visitor, visitor_violations = new_page(browser)
        visitor.goto(f"{live_server.url}/ayuda/")
        expect(visitor.get_by_role("heading", name="Impresoras")).to_be_visible()
        expect(visitor.locator("main")).not_to_contain_text("contrato de mantenimiento")
        visitor.get_by_role("link", name="La impresora no imprime: qué revisar").click()
        expect(visitor.get_by_role("heading", name="¿Le resolvió esto el problema?")).to_be_visible()
        visitor.get_by_role("button", name="Sí").click()
        expect(visitor.locator("#article-feedback")).to_contain_text("Nos alegra")
        assert visitor_violations == []

        # The technician searches without accents from the top bar.
        page, violations = new_page(browser)
        sign_in(page, live_server.url, desk.technician.username, PASSWORD)
        box = page.get_by_role("searchbox", name="Buscar en todo", exact=True)  # the top bar's
        box.fill("ferreteria ruiz")
        box.press("Enter")
        results = page.locator("#search-results")
        expect(results.locator("mark", has_text="Ferretería").first).to_be_visible()
        expect(results).to_contain_text("Carmen Ruiz")
        page.get_by_role("searchbox", name="Buscar en todo", exact=True).fill("IMPRESORAS")
        page.get_by_role("searchbox", name="Buscar en todo", exact=True).press("Enter")
        expect(page.locator("#search-results")).to_contain_text("contrato de mantenimiento")  # staff: internal too

        # On the work order: related articles, and a canned answer inserted in the plain version (basic level).
        # The picker is swapped in as the page loads. The quickest hand there can be chooses the moment it is in
        # the page (an observer, before anything else runs): htmx must have bound it already. It bound what it
        # swapped in only as the swap settled, 20 ms later (more under load), and a choice made in between was
        # lost, the insert button never came (the fresh-clone CI of ec58eba); web/swaps.js settles in the swap.
        page.add_init_script("""new MutationObserver((changes, watcher) => {
            const choice = document.getElementById("canned-choice");
            if (!choice) { return; }
            watcher.disconnect();
            choice.value = [...choice.options].find((option) => option.text === "Cierre amable").value;
            choice.dispatchEvent(new Event("change", {bubbles: true}));
        }).observe(document, {childList: true, subtree: true});""")
        page.goto(f"{live_server.url}/solicitudes/{desk.work_order.number}/")
        expect(page.locator(".related-articles")).to_contain_text("qué revisar")
        page.get_by_role("button", name="Insertar en la respuesta").click()
        expect(page.get_by_role("textbox", name="Mensaje")).to_have_value(
            f"Gracias, Doña Carmen Ruiz. Ya está resuelto (solicitud {desk.work_order.number}).")
        assert violations == []

        # The customer, before opening a request, is shown the article and says it solved it.
        customer, customer_violations = new_page(browser)
        sign_in(customer, live_server.url, desk.portal.username, PASSWORD, landing=f"Hola, {desk.portal.display_name}")
        customer.goto(f"{live_server.url}/solicitudes/abrir/")
        customer.get_by_label("¿Qué necesita, en pocas palabras?").fill("La impresora no imprime")
        suggestions = customer.locator("#request-suggestions")
        expect(suggestions).to_contain_text("qué revisar")
        suggestions.get_by_role("button", name="Esto lo resolvió").click()
        expect(suggestions).to_contain_text("no necesita abrir una solicitud")
        assert customer_violations == []
    assert articles.feedback_counts(article).requests_avoided == 1
    assert ArticleFeedback.objects.filter(article=article, context="help_center", solved=True).count() == 1
