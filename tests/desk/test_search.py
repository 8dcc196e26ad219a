"""Finding work orders: by number, words, customer, contact point and filters, only among the visible."""

from __future__ import annotations

import pytest

from atiende.desk.selectors import get_work_order, search_work_orders
from atiende.desk.services.customers import create_customer
from atiende.desk.services.work_orders import create_work_order, update_work_order
from atiende.errors import InputError
from tests.desk.conftest import bearer

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(tech, other_tech, customer):
    jorge = create_customer(actor=tech, name="Jorge Méndez", organisation="Ferretería El Clavo",
                            contact_points=[("movil", "+52 55 8765 4321")], country="MX")
    printer = create_work_order(actor=tech, customer=customer, title="La impresora no imprime",
                                priority="alta", channel="telefonico")
    network = create_work_order(actor=tech, customer=jorge, title="Sin conexión a internet",
                                channel="email", problem_story="El router parpadea en rojo")
    hidden = create_work_order(actor=other_tech, customer=customer, title="La impresora de Bogotá")
    return {"printer": printer, "network": network, "hidden": hidden, "jorge": jorge}


def test_search_by_number_with_or_without_hash(tech, orders):
    number = orders["network"].number
    assert list(search_work_orders(tech, q=f"#{number}")) == [orders["network"]]
    assert orders["network"] in search_work_orders(tech, q=str(number))


def test_search_by_words_in_title_and_story_ignores_case(tech, orders):
    assert list(search_work_orders(tech, q="IMPRESORA")) == [orders["printer"]]
    assert list(search_work_orders(tech, q="router")) == [orders["network"]]


def test_search_by_customer_organisation_and_phone(tech, orders):
    assert list(search_work_orders(tech, q="Méndez")) == [orders["network"]]
    assert list(search_work_orders(tech, q="clavo")) == [orders["network"]]
    assert list(search_work_orders(tech, q="8765")) == [orders["network"]]
    assert list(search_work_orders(tech, q="carmen@example.es")) == [orders["printer"]]


def test_filters_combine(tech, orders):
    assert list(search_work_orders(tech, priority="alta")) == [orders["printer"]]
    assert list(search_work_orders(tech, channel="email")) == [orders["network"]]
    assert list(search_work_orders(tech, customer=orders["jorge"])) == [orders["network"]]
    assert list(search_work_orders(tech, phase="cierre")) == []
    assert list(search_work_orders(tech, phase="identificacion", channel="email")) == [orders["network"]]


def test_search_never_shows_another_teams_work_orders(tech, orders):
    assert orders["hidden"] not in search_work_orders(tech, q="impresora")
    with pytest.raises(InputError) as exc:
        get_work_order(tech, orders["hidden"].number)
    assert exc.value.status == 404


def test_an_administrator_finds_everything(admin, orders):
    assert set(search_work_orders(admin, q="impresora")) == {orders["printer"], orders["hidden"]}


def test_assigned_filter(tech, orders):
    update_work_order(actor=tech, work_order=orders["printer"], version=1, assignee=tech)
    assert list(search_work_orders(tech, assignee=tech)) == [orders["printer"]]


def test_the_list_endpoint_paginates_with_a_total(client, tech, customer):
    for i in range(7):
        create_work_order(actor=tech, customer=customer, title=f"Solicitud {i}")
    headers = bearer(tech)
    page = client.get("/api/v1/work-orders?page=2&page_size=3", headers=headers).json()
    assert (page["count"], page["page"], page["page_size"], page["pages"]) == (7, 2, 3, 3)
    assert [w["title"] for w in page["items"]] == ["Solicitud 3", "Solicitud 2", "Solicitud 1"]
    beyond = client.get("/api/v1/work-orders?page=9&page_size=3", headers=headers).json()
    assert beyond["items"] == [] and beyond["count"] == 7


def test_the_list_endpoint_filters(client, tech, orders):
    response = client.get("/api/v1/work-orders?q=impresora&priority=alta", headers=bearer(tech))
    assert [w["number"] for w in response.json()["items"]] == [orders["printer"].number]


def test_customer_search_endpoint(client, tech, orders):
    response = client.get("/api/v1/customers?q=clavo", headers=bearer(tech))
    assert [c["name"] for c in response.json()["items"]] == ["Jorge Méndez"]


def test_the_list_endpoint_does_not_query_once_per_work_order(client, tech, customer, django_assert_max_num_queries):
    for i in range(30):
        create_work_order(actor=tech, customer=customer, title=f"Solicitud {i}", requester=customer,
                          assignee=tech)
    headers = bearer(tech)
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/work-orders?page_size=30", headers=headers)
    assert len(response.json()["items"]) == 30
