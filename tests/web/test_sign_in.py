"""Signing in and out, and changing one's password."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.pages import PASSWORD, signed_in

pytestmark = pytest.mark.django_db


def test_sign_in_page_is_in_spanish_by_default(client: Client):
    response = client.get("/entrar/")
    assert response.status_code == 200
    assert '<html lang="es">' in response.content.decode()
    assert "Entrar" in response.content.decode()


def test_pages_send_anonymous_visitors_to_sign_in(client: Client, desk):
    for url in ["/", "/solicitudes/", f"/solicitudes/{desk.work_order.number}/", "/clientes/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/entrar/?next=")


def test_wrong_password_is_refused_with_a_message(client: Client, desk):
    response = client.post("/entrar/", {"username": "lucia", "password": "no-es-esta"})
    assert response.status_code == 200
    assert "introduzca un nombre de usuario y clave correctos" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_technician_signs_in_and_lands_on_the_home_page(client: Client, desk):
    response = client.post("/entrar/", {"username": "lucia", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert "Mis solicitudes" in response.content.decode()
    assert "La impresora no imprime" in response.content.decode()


def test_sign_out_needs_a_post_and_ends_the_session(desk):
    client = signed_in(desk.technician)
    assert client.get("/salir/").status_code == 405
    response = client.post("/salir/", follow=True)
    assert "Ha salido de Atiende." in response.content.decode()
    assert client.get("/").status_code == 302


def test_password_change_shows_what_is_wrong(desk):
    client = signed_in(desk.technician)
    response = client.post("/cuenta/contrasena/", {
        "old_password": "incorrecta", "new_password1": "corta", "new_password2": "otra",
    })
    assert response.status_code == 200
    page = response.content.decode()
    assert "Su contraseña antigua es incorrecta" in page
    assert "Los dos campos de contraseña no coinciden" in page


def test_password_change_with_good_input_keeps_the_person_signed_in(desk):
    client = signed_in(desk.technician)
    response = client.post("/cuenta/contrasena/", {
        "old_password": PASSWORD, "new_password1": "una-clave-nueva-larga", "new_password2": "una-clave-nueva-larga",
    }, follow=True)
    assert "Su contraseña se ha cambiado." in response.content.decode()
    desk.technician.refresh_from_db()
    assert desk.technician.check_password("una-clave-nueva-larga")
    assert client.get("/").status_code == 200


def test_every_form_carries_a_csrf_token(desk):
    client = signed_in(desk.technician)
    client.handler.enforce_csrf_checks = True
    for url in ["/solicitudes/nueva/", f"/solicitudes/{desk.work_order.number}/", "/clientes/nuevo/",
                "/cuenta/contrasena/"]:
        page = client.get(url).content.decode()
        assert page.count("<form") <= page.count("csrfmiddlewaretoken") + page.count('method="get"')
    response = client.post(f"/solicitudes/{desk.work_order.number}/preguntas/", {"question": "¿Enciende?"})
    assert response.status_code == 403
