"""A second customer with the same e-mail or phone is not created silently: the existing one is offered,
and creating anyway is a deliberate second click (issue 22, item 24)."""

from __future__ import annotations

from atiende.desk.models import Customer
from tests.pages import signed_in


def _new(**extra: str) -> dict[str, str]:
    return {"name": "Carmen Ruiz Gil", "preferred_language": "es", "address_as": "", "organisation": "",
            "country": "ES", "knowledge_level": "", "email": "", "phone": "", "mobile": "", "notes": "", **extra}


def test_same_email_or_phone_offers_the_existing_customer(desk):
    client = signed_in(desk.technician)
    before = Customer.objects.count()
    for extra in ({"email": "CARMEN@ferreteria.example"}, {"phone": "910 000 111"}):
        page = client.post("/clientes/nuevo/", _new(**extra))
        html = page.content.decode()
        assert page.status_code == 200 and "Ya hay un cliente con este correo o teléfono" in html
        assert f'href="/clientes/{desk.customer.pk}/"' in html and 'name="confirm_duplicate"' in html
        assert Customer.objects.count() == before
    response = client.post("/clientes/nuevo/", _new(email="carmen@ferreteria.example", confirm_duplicate="1"))
    assert response.status_code == 302 and Customer.objects.count() == before + 1


def test_a_new_address_is_created_at_once(desk):
    response = signed_in(desk.technician).post("/clientes/nuevo/", _new(email="otra@ejemplo.es"))
    assert response.status_code == 302
