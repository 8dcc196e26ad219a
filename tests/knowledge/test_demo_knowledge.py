"""`atiende demo` brings help articles and canned answers: the help center, search and the picker work on first run."""

from __future__ import annotations

import pytest

from atiende.demo import load_demo
from atiende.desk.models import WorkOrder
from atiende.knowledge.models import Article, CannedAnswer, SearchEntry
from atiende.knowledge.search import related_articles, search
from atiende.people.models import User
from atiende.search.query import terms_of_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(demo_loaded):
    """Loaded once for the module (tests/conftest.py); each test's writes are rolled back after it."""
    return demo_loaded


def test_the_help_center_shows_the_demo_s_public_articles_to_anyone(client, demo):
    page = client.get("/ayuda/").content.decode()
    assert "El portátil no enciende: qué revisar" in page and "La impresora atasca el papel" in page
    assert "Servidor lento" not in page  # internal: staff only
    english = client.get("/ayuda/", {"idioma": "en"}).content.decode()
    assert "My laptop will not turn on" in english
    found = [r.title for r in search(None, "contrasena correo")]
    assert found == ["He olvidado la contraseña del correo"]


def test_a_demo_work_order_shows_related_articles_and_canned_answers(client, demo):
    diego = User.objects.get(username="diego")
    order = WorkOrder.objects.get(title="La impresora de recetas atasca el papel")
    text = f"{order.title}\n{order.title}\n{order.problem_story}"
    assert "La impresora atasca el papel" in [r.title for r in related_articles(diego, terms_of_text(text))]
    found = [r.title for r in search(diego, "copias seguridad", kinds=["article"])]
    assert found[0] == "Copias de seguridad que fallan: diagnóstico"  # internal, for the staff
    client.force_login(diego)
    picker = client.get(f"/conocimiento/solicitudes/{order.number}/respuestas/").content.decode()
    assert "Saludo y número de solicitud" in picker and "Reiniciar el router" in picker


def test_loading_the_demo_again_adds_no_articles(demo):
    before = (Article.objects.count(), CannedAnswer.objects.count(), SearchEntry.objects.count())
    load_demo()
    assert (Article.objects.count(), CannedAnswer.objects.count(), SearchEntry.objects.count()) == before
    assert before[0] == 11 and before[1] == 6
