"""Customer pages: list, detail with trait history, create and edit with validation."""

from __future__ import annotations

import pytest

from atiende.desk.models import Customer
from tests.pages import signed_in

pytestmark = pytest.mark.django_db


def test_customer_list_and_search(desk):
    client = signed_in(desk.technician)
    assert "Doña Carmen Ruiz" in client.get("/clientes/").content.decode()
    assert "Doña Carmen Ruiz" in client.get("/clientes/?q=ferreteria.example").content.decode()
    assert "Doña Carmen Ruiz" not in client.get("/clientes/?q=zzz").content.decode()


def test_customer_detail_shows_address_contacts_and_traits(desk):
    page = signed_in(desk.technician).get(f"/clientes/{desk.customer.pk}/").content.decode()
    for text in ["Doña Carmen Ruiz", "Ferretería Ruiz", "carmen@ferreteria.example", "+34 910 000 111",
                 "CT-INX", "inexperto", "no sé dónde está eso", "Básico", "La impresora no imprime"]:
        assert text in page, text


def test_create_customer_with_bad_input_shows_messages(desk):
    response = signed_in(desk.technician).post("/clientes/nuevo/", {
        "name": "", "country": "España", "email": "no-es-correo", "preferred_language": "fr",
    })
    assert response.status_code == 400
    page = response.content.decode()
    assert "Este campo es obligatorio." in page
    assert "Use el código ISO de dos letras" in page
    assert "Introduzca una dirección de correo electrónico válida." in page


def test_bad_phone_is_shown_next_to_the_phone_box(desk):
    response = signed_in(desk.technician).post("/clientes/nuevo/", {
        "name": "Luis Gómez", "preferred_language": "es", "phone": "llámame",
    })
    assert response.status_code == 400
    page = response.content.decode()
    assert "no es un número de teléfono válido" in page
    assert 'id="id_phone_error"' in page


def test_create_customer(desk):
    response = signed_in(desk.technician).post("/clientes/nuevo/", {
        "name": "Luis Gómez", "address_as": "Don", "preferred_language": "es", "country": "mx",
        "organisation": "Taller Gómez", "email": "luis@taller.example", "knowledge_level": "avanzado",
    }, follow=True)
    page = response.content.decode()
    assert "Don Luis Gómez" in page
    customer = Customer.objects.get(name="Luis Gómez")
    assert customer.country == "MX" and customer.organisation.name == "Taller Gómez"
    assert customer.contact_points.get().value == "luis@taller.example"


def test_edit_customer(desk):
    client = signed_in(desk.technician)
    form = client.get(f"/clientes/{desk.customer.pk}/editar/").content.decode()
    assert 'value="carmen@ferreteria.example"' in form
    response = client.post(f"/clientes/{desk.customer.pk}/editar/", {
        "name": "Carmen Ruiz Soto", "address_as": "Doña", "preferred_language": "es",
        "email": "carmen@ferreteria.example", "organisation": "Ferretería Ruiz",
    })
    assert response.status_code == 302
    desk.customer.refresh_from_db()
    assert desk.customer.name == "Carmen Ruiz Soto"
    assert desk.customer.contact_points.count() == 1


def test_unknown_customer_is_a_404(desk):
    client = signed_in(desk.technician)
    assert client.get("/clientes/999999/").status_code == 404
    assert client.post("/clientes/999999/editar/", {"name": "x"}).status_code == 404


def test_customer_history_shows_who_changed_what(desk):
    client = signed_in(desk.technician)
    client.post(f"/clientes/{desk.customer.pk}/editar/", {
        "name": "Carmen Ruiz", "address_as": "Sra.", "preferred_language": "en",
        "email": "carmen@ferreteria.example", "organisation": "Ferretería Ruiz",
    })
    page = client.get(f"/clientes/{desk.customer.pk}/").content.decode()
    assert "tratamiento: Doña → Sra." in page
    assert "idioma preferido: Español → Inglés" in page
    assert "Lucia" in page
