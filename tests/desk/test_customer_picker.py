"""The customer picker of the work-order form stays usable with hundreds of customers: a short list and a
search that brings the rest (htmx, /clientes/elegir/), any visible customer still accepted (issue 22, item 24)."""

from __future__ import annotations

import re

from atiende.desk.models import Customer, WorkOrder
from tests.pages import signed_in


def _options(html: str, select_id: str) -> list[str]:
    select = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None
    return re.findall(r'<option value="(\d*)"', select.group(1))


def test_the_picker_is_short_and_searchable_at_hundreds_of_customers(desk):
    Customer.objects.bulk_create([Customer(name=f"Cliente {n:03d}") for n in range(300)])
    Customer.objects.create(name="Zoe Quintana Barrios")
    client = signed_in(desk.technician)
    form = client.get("/solicitudes/nueva/").content.decode()
    assert len(_options(form, "id_customer")) <= 31  # the blank choice and 30 customers, not 300
    assert 'hx-get="/clientes/elegir/"' in form and 'hx-target="#id_customer"' in form
    found = client.get("/clientes/elegir/", {"q": "quintana"}, headers={"HX-Request": "true"}).content.decode()
    zoe = Customer.objects.get(name="Zoe Quintana Barrios")
    assert re.findall(r'<option value="(\d+)"', found) == [str(zoe.pk)]
    assert "Nadie coincide con «nadie-así»" in client.get("/clientes/elegir/", {"q": "nadie-así"}).content.decode()
    by_phone = client.get("/clientes/elegir/", {"q": "910 000"}).content.decode()
    assert f'value="{desk.customer.pk}"' in by_phone
    # A customer the first page of the list did not show is still accepted.
    response = client.post("/solicitudes/nueva/", {
        "title": "No arranca", "customer": zoe.pk, "channel": "telefonico", "direction": "reactivo",
        "priority": "normal"})
    assert response.status_code == 302
    assert WorkOrder.objects.get(title="No arranca").customer == zoe


def test_customers_in_the_portal_cannot_list_other_customers(desk):
    Customer.objects.create(name="Zoe Quintana Barrios")
    page = signed_in(desk.portal).get("/clientes/elegir/", {"q": "quintana"})
    assert page.status_code == 403
