"""Help articles: public ones readable without signing in, versions kept, files checked, "did this solve it?"."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone

from atiende.errors import InputError
from atiende.knowledge import articles
from atiende.knowledge.search import search
from tests.attachments import PNG
from tests.desk.conftest import bearer
from tests.knowledge.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def printer_article(tech):
    return articles.create_article(actor=tech, title="Cómo reiniciar la impresora",
                                   body="Apague la impresora, espere diez segundos y vuelva a encenderla.",
                                   category="Impresoras", public=True)


@pytest.fixture
def vpn_article(tech):
    return articles.create_article(actor=tech, title="VPN de la oficina: certificados",
                                   body="Renovar el certificado intermedio del concentrador.", public=False)


def test_visitors_read_public_articles_without_signing_in(client, printer_article, vpn_article):
    listed = client.get("/api/v1/articles").json()
    assert [a["title"] for a in listed] == ["Cómo reiniciar la impresora"]
    assert client.get(f"/api/v1/articles/{printer_article.pk}").json()["category"] == "Impresoras"
    hidden = client.get(f"/api/v1/articles/{vpn_article.pk}")
    assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "not_found"


def test_staff_read_internal_articles_and_customers_do_not(client, tech, printer_article, vpn_article):
    assert len(client.get("/api/v1/articles", headers=bearer(tech)).json()) == 2
    customer = make_user("rosa", "cliente")
    assert len(client.get("/api/v1/articles", headers=bearer(customer)).json()) == 1
    assert [r.title for r in search(customer, "certificado")] == []
    assert [r.title for r in search(tech, "certificados")] == ["VPN de la oficina: certificados"]


def test_only_staff_write_articles(client, printer_article):
    customer = make_user("rosa", "cliente")
    response = client.post("/api/v1/articles", {"title": "x", "body": "y"}, content_type="application/json",
                           headers=bearer(customer))
    assert response.status_code == 403 and response.json()["error"]["rule"] == "ET-4"
    assert client.post("/api/v1/articles", {"title": "x", "body": "y"}, content_type="application/json").status_code == 401


def test_a_change_keeps_the_previous_text_and_needs_the_version_read(client, tech, printer_article):
    url = f"/api/v1/articles/{printer_article.pk}"
    changed = client.patch(url, {"version": 1, "body": "Desenchufe la impresora un minuto."},
                           content_type="application/json", headers=bearer(tech))
    assert changed.status_code == 200 and changed.json()["version"] == 2
    stale = client.patch(url, {"version": 1, "title": "Otro"}, content_type="application/json", headers=bearer(tech))
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_version"
    history = client.get(f"{url}/versions", headers=bearer(tech)).json()
    assert [(v["number"], v["body"][:9]) for v in history] == [(2, "Desenchuf"), (1, "Apague la")]
    # The index follows the change: the old words no longer find it.
    assert [r.id for r in search(tech, "desenchufe")] == [printer_article.pk]
    assert search(tech, "segundos") == []


def test_customers_do_not_see_earlier_versions(client, printer_article):
    customer = make_user("rosa", "cliente")
    assert client.get(f"/api/v1/articles/{printer_article.pk}/versions", headers=bearer(customer)).status_code == 404


def test_did_this_solve_it_is_counted_and_requests_avoided(client, printer_article):
    url = f"/api/v1/articles/{printer_article.pk}/feedback"
    client.post(url, {"solved": True}, content_type="application/json", REMOTE_ADDR="192.0.2.1")
    client.post(url, {"solved": False}, content_type="application/json", REMOTE_ADDR="192.0.2.2")
    last = client.post(url, {"solved": True, "context": "before_request"}, content_type="application/json",
                       REMOTE_ADDR="192.0.2.3").json()
    assert (last["solved"], last["not_solved"], last["requests_avoided"]) == (2, 1, 1)
    bad = client.post(url, {"solved": "quizá"}, content_type="application/json")
    assert bad.status_code in (400, 422) and "error" in bad.json()


def test_images_go_through_the_upload_checks(client, tech, printer_article, media):
    url = f"/api/v1/articles/{printer_article.pk}/files"
    ok = client.post(url, {"file": _named(PNG, "luz.png")}, headers=bearer(tech))
    assert ok.status_code == 201, ok.content
    image = client.get(ok.json()["url"])  # public article: anyone may see its image
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert image["X-Content-Type-Options"] == "nosniff"
    fake = client.post(url, {"file": _named(b"MZ\x90\x00 not an image", "luz.png")}, headers=bearer(tech))
    assert fake.status_code == 415 and fake.json()["error"]["code"] == "file_type_not_allowed"


def _named(data: bytes, name: str) -> io.BytesIO:
    file = io.BytesIO(data)
    file.name = name
    return file


def test_bad_input_is_refused_clearly(tech):
    with pytest.raises(InputError) as empty:
        articles.create_article(actor=tech, title="  ", body="x")
    assert empty.value.code == "required"
    with pytest.raises(InputError) as language:
        articles.create_article(actor=tech, title="x", body="y", language="fr")
    assert language.value.field == "language"


def test_one_answer_per_visitor_article_and_day_however_often_it_is_posted(client, printer_article, tech,
                                                                           monkeypatch):
    url = f"/api/v1/articles/{printer_article.pk}/feedback"
    for _ in range(5):  # a script posting again and again, without cookies: one address, one answer
        answer = client.post(url, {"solved": True}, content_type="application/json", REMOTE_ADDR="198.51.100.7")
    assert (answer.json()["solved"], answer.json()["not_solved"]) == (1, 0)
    changed = client.post(url, {"solved": False}, content_type="application/json", REMOTE_ADDR="198.51.100.7")
    assert (changed.json()["solved"], changed.json()["not_solved"]) == (0, 1)  # a change of mind replaces it
    client.force_login(tech)  # a signed-in person is one voter wherever they post from
    for address in ("203.0.113.1", "203.0.113.2"):
        client.post(f"/ayuda/{printer_article.pk}/valoracion/", {"solved": "si"}, REMOTE_ADDR=address)
    counts = articles.feedback_counts(printer_article)
    assert (counts.solved, counts.not_solved) == (1, 1)
    tomorrow = timezone.now() + timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: tomorrow)
    client.post(f"/ayuda/{printer_article.pk}/valoracion/", {"solved": "si"})
    assert articles.feedback_counts(printer_article).solved == 2  # another day, another answer
