"""Every role against every page (ET-4): who may open what, and what a customer sees."""

from __future__ import annotations

import pytest

from tests.pages import signed_in

pytestmark = pytest.mark.django_db

ROLES = ["tecnico", "supervisor", "administrador", "cliente"]


def _pages(desk) -> dict[str, str]:
    number = desk.work_order.number
    pk = desk.customer.pk
    return {
        "home": "/",
        "work_order_list": "/solicitudes/",
        "work_order_detail": f"/solicitudes/{number}/",
        "work_order_create": "/solicitudes/nueva/",
        "work_order_edit": f"/solicitudes/{number}/editar/",
        "customer_list": "/clientes/",
        "customer_detail": f"/clientes/{pk}/",
        "customer_create": "/clientes/nuevo/",
        "customer_edit": f"/clientes/{pk}/editar/",
        "password_change": "/cuenta/contrasena/",
        "portal_request_create": "/solicitudes/abrir/",
    }


# The pages a customer's portal account may open; staff may open all the others.
CUSTOMER_PAGES = {"home", "work_order_list", "work_order_detail", "password_change", "portal_request_create"}
CUSTOMER_ONLY = {"portal_request_create"}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_exactly_the_pages_it_may(desk, role):
    client = signed_in(desk.user(role))
    for name, url in _pages(desk).items():
        status = client.get(url).status_code
        allowed = name in CUSTOMER_PAGES if role == "cliente" else name not in CUSTOMER_ONLY
        assert status == (200 if allowed else 403), f"{role} {name} {url} -> {status}"


def test_forbidden_page_names_the_roles_and_the_rule_to_staff_only(desk):
    response = signed_in(desk.portal).get("/clientes/")
    page = response.content.decode()
    assert response.status_code == 403
    assert "Solo estos roles pueden abrir esta página" in page
    assert "ET-4" not in page  # customers never see rule codes (issue 22, item 20)
    page = signed_in(desk.technician).get("/planificacion/").content.decode()
    assert "Solo estos roles pueden abrir esta página" in page and 'href="/reglas/ET-4/"' in page


def test_customer_sees_only_their_own_work_orders(desk):
    client = signed_in(desk.portal)
    page = client.get("/solicitudes/").content.decode()
    assert "La impresora no imprime" in page
    assert "Sin acceso al correo" not in page
    assert client.get(f"/solicitudes/{desk.other_work_order.number}/").status_code == 404


def test_customer_sees_no_staff_actions_nor_history(desk):
    page = signed_in(desk.portal).get(f"/solicitudes/{desk.work_order.number}/").content.decode()
    assert "La impresora no imprime" in page
    assert "Editar" not in page
    assert "Añadir una pregunta cerrada" not in page
    assert "Historial" not in page


def test_technician_of_another_team_cannot_see_the_work_order(desk):
    client = signed_in(desk.other_technician)
    assert client.get(f"/solicitudes/{desk.work_order.number}/").status_code == 404
    assert "La impresora no imprime" not in client.get("/solicitudes/").content.decode()


@pytest.mark.parametrize("role", ["supervisor", "administrador"])
def test_managers_see_the_unassigned_count_on_home(desk, role):
    page = signed_in(desk.user(role)).get("/").content.decode()
    assert "solicitudes abiertas sin responsable" in page


def test_admin_site_is_for_administrators_only(desk):
    assert signed_in(desk.administrator).get("/admin/").status_code == 200
    desk.supervisor.is_staff = True
    desk.supervisor.save()
    assert signed_in(desk.supervisor).get("/admin/").status_code == 302


def test_admin_shows_work_orders_read_only(desk):
    client = signed_in(desk.administrator)
    response = client.get(f"/admin/desk/workorder/{desk.work_order.pk}/change/")
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()
    assert client.get("/admin/people/user/").status_code == 200


def test_customer_cannot_change_a_work_order_by_posting(desk):
    wo = desk.work_order
    client = signed_in(desk.portal)
    n = wo.number
    for url, data in [
        (f"/solicitudes/{n}/fase/", {"phase": "satisfaccion", "version": wo.version}),
        (f"/solicitudes/{n}/preguntas/", {"question": "¿Hola?"}),
        (f"/solicitudes/{n}/compromisos/", {"description": "x", "due_at": "2030-01-01T10:00"}),
        (f"/solicitudes/{n}/editar/", {"title": "Cambiado", "version": wo.version}),
    ]:
        assert client.post(url, data).status_code == 403, url
    wo.refresh_from_db()
    assert (wo.title, wo.phase, wo.version) == ("La impresora no imprime", "identificacion", 1)
    assert not wo.closed_questions.exists() and not wo.commitments.exists()
