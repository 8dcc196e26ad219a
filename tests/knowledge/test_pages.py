"""The help center (no sign-in), the staff's knowledge pages, suggestions and the canned-answer picker."""

from __future__ import annotations

import pytest

from atiende.desk.services.work_orders import create_work_order
from atiende.knowledge import articles, canned
from atiende.knowledge.models import ArticleFeedback, ArticleVersion
from tests.knowledge.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def public(tech):
    return articles.create_article(actor=tech, title="La impresora no imprime: qué revisar",
                                   body="Compruebe que la impresora tiene papel.\n\nReinicie la impresora.",
                                   category="Impresoras", public=True)


@pytest.fixture
def internal(tech):
    return articles.create_article(actor=tech, title="Impresoras: contrato de mantenimiento",
                                   body="Llamar al proveedor de impresoras con el número de contrato.")


def test_visitors_read_the_help_center_without_signing_in(client, public, internal):
    page = client.get("/ayuda/").content.decode()
    assert "La impresora no imprime: qué revisar" in page and "Impresoras" in page
    assert "contrato de mantenimiento" not in page
    article = client.get(f"/ayuda/{public.pk}/").content.decode()
    assert "<p>Compruebe que la impresora tiene papel.</p>" in article
    assert client.get(f"/ayuda/{internal.pk}/").status_code == 404


def test_did_this_solve_it_from_the_help_center(client, public):
    response = client.post(f"/ayuda/{public.pk}/valoracion/", {"solved": "si"})
    assert response.status_code == 302 and response["Location"].endswith("?valorado=si")
    thanks = client.get(response["Location"]).content.decode()
    assert 'role="status"' in thanks and "did-this" not in thanks
    assert ArticleFeedback.objects.filter(article=public, solved=True, context="help_center").count() == 1
    bad = client.post(f"/ayuda/{public.pk}/valoracion/", {"solved": "si", "context": "nowhere"})
    assert bad.status_code == 400
    assert ArticleFeedback.objects.count() == 1


def test_the_portal_suggests_articles_and_counts_requests_avoided(client, public, internal):
    rosa = make_user("rosa", "cliente")
    client.force_login(rosa)
    form = client.get("/solicitudes/abrir/").content.decode()
    assert 'id="request-suggestions"' in form
    found = client.get("/ayuda/sugerencias/", {"title": "Mi impresora no imprime",
                                               "problem_story": "La impresora de casa no imprime nada"})
    html = found.content.decode()
    assert "qué revisar" in html and "contrato" not in html  # customers: public articles only
    assert '"context": "before_request"' in html
    client.post(f"/ayuda/{public.pk}/valoracion/", {"solved": "si", "context": "before_request"},
                headers={"HX-Request": "true"})
    assert articles.feedback_counts(public).requests_avoided == 1


def test_staff_write_articles_and_a_stale_edit_is_refused(client, tech, public):
    client.force_login(tech)
    created = client.post("/conocimiento/articulos/nuevo/", {
        "title": "Cómo cambiar la contraseña", "body": "Entre en Mi cuenta.", "language": "es",
        "category": "Cuentas", "public": "on"})
    assert created.status_code == 302
    url = f"/conocimiento/articulos/{public.pk}/editar/"
    assert client.post(url, {"title": public.title, "body": "Nuevo texto.", "language": "es",
                             "version": "1"}).status_code == 302
    stale = client.post(url, {"title": "Otro", "body": "Otro texto.", "language": "es", "version": "1"})
    assert stale.status_code == 409
    assert ArticleVersion.objects.filter(article=public).count() == 2
    history = client.get(f"/conocimiento/articulos/{public.pk}/historial/").content.decode()
    assert "Nuevo texto." in history and "Compruebe que la impresora tiene papel." in history
    listing = client.get("/conocimiento/").content.decode()
    assert "Cómo cambiar la contraseña" in listing


def test_customers_cannot_open_the_staff_pages(client, public):
    client.force_login(make_user("rosa", "cliente"))
    assert client.get("/conocimiento/").status_code == 403
    assert client.get(f"/conocimiento/articulos/{public.pk}/editar/").status_code == 403


def test_related_articles_on_a_work_order_and_the_canned_answer_picker(client, tech, customer, public, internal):
    order = create_work_order(actor=tech, customer=customer, title="Impresora no imprime",
                              problem_story="La impresora de recepción no imprime", knowledge_level="basico")
    client.force_login(tech)
    page = client.get(f"/solicitudes/{order.number}/").content.decode()
    assert f"/conocimiento/relacionados/{order.number}/" in page
    assert f"/conocimiento/solicitudes/{order.number}/respuestas/" in page
    related = client.get(f"/conocimiento/relacionados/{order.number}/").content.decode()
    assert "qué revisar" in related
    answer = canned.create_canned_answer(actor=tech, title="Cierre", body="Un saludo, {tecnico}. Caso {numero}.",
                                         plain_body="Gracias, {cliente}. Caso {numero}.")
    picker = client.get(f"/conocimiento/solicitudes/{order.number}/respuestas/", {"respuesta": answer.pk})
    assert f"Gracias, Doña Carmen Ruiz. Caso {order.number}." in picker.content.decode()


def test_saving_a_canned_answer_shows_what_the_assistant_found(client, tech):
    client.force_login(tech)
    response = client.post("/conocimiento/respuestas/nueva/", {
        "title": "DNS", "body": "NO PODEMOS HACER NADA, reinicie el DNS.", "language": "es"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "What the language assistant found" in page or "Lo que encontró el asistente de lenguaje" in page


def test_the_console_shows_articles_related_to_the_call(client, tech, public, internal):
    client.force_login(tech)
    console = client.get("/consola/").content.decode()
    assert 'id="console-related"' in console and 'hx-get="/conocimiento/relacionados/"' in console
    assert 'id="customer-words" name="texto"' in console and 'id="related-titles" name="titulos"' in console
    # The caller's open work order (its title, filled in by console.js) and what they say.
    related = client.get("/conocimiento/relacionados/", {
        "titulos": "La impresora no imprime", "texto": "dice que la impresora de recepción no saca nada"})
    html = related.content.decode()
    assert f'href="/ayuda/{public.pk}/"' in html and f'href="/ayuda/{internal.pk}/"' in html
    assert "Interno" in html or "Internal" in html  # the staff's own article is marked
    nothing = client.get("/conocimiento/relacionados/").content.decode()  # no call: nothing to relate
    assert "No hay artículos relacionados." in nothing or "No related articles." in nothing
    client.force_login(make_user("rosa", "cliente"))
    assert client.get("/conocimiento/relacionados/", {"texto": "impresora"}).status_code == 403
