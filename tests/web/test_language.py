"""Spanish by default, English on request (Django's set_language)."""

from __future__ import annotations

import pytest

from tests.pages import signed_in

pytestmark = pytest.mark.django_db


def test_switching_to_english_shows_the_pages_in_english(desk):
    client = signed_in(desk.technician)
    url = f"/solicitudes/{desk.work_order.number}/"
    assert "Preguntas cerradas" in client.get(url).content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": url}, follow=True)
    page = response.content.decode()
    assert '<html lang="en">' in page
    assert "Closed questions" in page
    assert "Identification" in page
    assert "Preguntas cerradas" not in page


def test_switching_back_to_spanish(desk):
    client = signed_in(desk.technician)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/"}, follow=True)
    assert "Mis solicitudes" in response.content.decode()


def test_an_unknown_language_keeps_spanish(desk):
    client = signed_in(desk.technician)
    response = client.post("/i18n/setlang/", {"language": "xx", "next": "/"}, follow=True)
    assert response.status_code == 200
    assert "Mis solicitudes" in response.content.decode()


def test_signing_in_starts_in_the_language_of_the_profile(client, desk):
    from tests.pages import PASSWORD

    desk.technician.language = "en"
    desk.technician.save()
    response = client.post("/entrar/", {"username": "lucia", "password": PASSWORD}, follow=True)
    assert "My work orders" in response.content.decode()


def test_a_language_chosen_before_signing_in_is_kept(client, desk):
    from tests.pages import PASSWORD

    client.post("/i18n/setlang/", {"language": "en", "next": "/entrar/"})
    response = client.post("/entrar/", {"username": "lucia", "password": PASSWORD}, follow=True)
    assert "My work orders" in response.content.decode()
