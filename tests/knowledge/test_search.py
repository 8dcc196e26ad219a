"""Search in Spanish: accents, capitals and plurals do not matter; only what one may see is found."""

from __future__ import annotations

import pytest

from atiende.desk.messages import post_message
from atiende.desk.services.customers import create_customer, update_customer
from atiende.desk.services.work_orders import create_work_order, update_work_order
from atiende.errors import InputError
from atiende.knowledge import index
from atiende.knowledge.models import SearchEntry
from atiende.knowledge.search import search
from tests.knowledge.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(tech, other_tech):
    gomez = create_customer(actor=tech, name="Rosa Gómez", organisation="Ferretería Núñez",
                            contact_points=[("email", "rosa@ferreteria-nunez.es")])
    pena = create_customer(actor=tech, name="Luis Peña", contact_points=[("telefono", "+34 600 111 222")])
    printers = create_work_order(actor=tech, customer=gomez, title="Las impresoras de la tienda no imprimen",
                                 problem_story="Desde el lunes ninguna impresora responde.")
    password = create_work_order(actor=tech, customer=pena, title="Olvidó su contraseña del correo")
    post_message(work_order=password, body="Le enviamos el enlace para cambiar la contraseña.",
                 visibility="public", channel="email", direction="out", author=tech)
    hidden = create_work_order(actor=other_tech, customer=pena, title="Impresora de Bogotá sin tóner")
    return {"gomez": gomez, "pena": pena, "printers": printers, "password": password, "hidden": hidden}


def titles(results):
    return [(r.kind, r.title) for r in results]


# The same data and the same queries give exactly these results, in this order, on SQLite
# (FTS5) and on PostgreSQL (tsvector): this test runs on both.
EXPECTED = {
    "gomez": [("customer", "Rosa Gómez")],
    "GÓMEZ": [("customer", "Rosa Gómez")],
    "ferreteria": [("customer", "Rosa Gómez")],
    "ferreterías nuñez": [("customer", "Rosa Gómez")],
    "impresora": [("work_order", "#{printers} Las impresoras de la tienda no imprimen")],
    "IMPRESORAS tienda": [("work_order", "#{printers} Las impresoras de la tienda no imprimen")],
    "contrasena": [("work_order", "#{password} Olvidó su contraseña del correo")],
    "enlace cambiar": [("work_order", "#{password} Olvidó su contraseña del correo")],
    "olvido": [("work_order", "#{password} Olvidó su contraseña del correo")],
    "ferret": [("customer", "Rosa Gómez")],
    "pena": [("customer", "Luis Peña")],
    "lavadora": [],
}


@pytest.mark.parametrize("text", list(EXPECTED))
def test_same_results_on_both_databases(admin, desk, text):
    numbers = {"printers": desk["printers"].number, "password": desk["password"].number}
    expected = [(kind, title.format(**numbers)) for kind, title in EXPECTED[text]]
    # An administrator sees every work order: Bogotá's one matches «impresora» too.
    found = [r for r in titles(search(admin, text)) if "Bogotá" not in r[1]]
    assert found == expected


def test_matches_are_highlighted_in_the_title_and_the_text(tech, desk):
    [result] = search(tech, "contrasena enlace")
    assert result.title_html.endswith("Olvidó su <mark>contraseña</mark> del correo")
    assert "el <mark>enlace</mark> para cambiar la <mark>contraseña</mark>" in result.snippet_html
    assert result.url == f"/solicitudes/{desk['password'].number}/"


def test_a_technician_finds_only_the_work_orders_of_their_teams(tech, other_tech, desk):
    assert [r.id for r in search(tech, "impresora")] == [desk["printers"].pk]
    assert [r.id for r in search(other_tech, "impresora", kinds=["work_order"])] == [desk["hidden"].pk]


def test_a_customer_finds_no_work_orders_nor_customers(desk, tech):
    portal = make_user("rosa", "cliente")
    assert search(portal, "impresora") == []
    assert search(portal, "gomez") == []
    assert search(None, "gomez") == []


def test_the_index_follows_changes_to_work_orders_and_customers(tech, desk):
    order = desk["printers"]
    update_work_order(actor=tech, work_order=order, version=order.version, title="El escáner no escanea")
    assert search(tech, "impresoras tienda") == []  # the story still says «impresora», not «tienda»
    assert [r.title for r in search(tech, "escaner")] == [f"#{order.number} El escáner no escanea"]
    update_customer(actor=tech, customer=desk["pena"], name="Luis Peñalver")
    assert [r.title for r in search(tech, "penalver")] == ["Luis Peñalver"]


def test_reindex_rebuilds_what_was_lost(tech, desk):
    SearchEntry.objects.all().delete()
    assert search(tech, "gomez") == []
    counts = index.reindex_all()
    assert counts["work_order"] == 3 and counts["customer"] == 2
    assert [r.title for r in search(tech, "gomez")] == ["Rosa Gómez"]


@pytest.mark.parametrize("text", [
    "'; DROP TABLE knowledge_searchentry; --", '"impresora', "impresora OR 1=1", "NEAR(a b)", "* AND *",
    "col:impresora", "^impresora", "impresora & !tienda | x:*", "(((", "\\", "%_%",
])
def test_query_syntax_in_the_search_box_is_only_words(tech, desk, text):
    search(tech, text)  # no database error
    assert SearchEntry.objects.count() == 5


def test_empty_and_too_long_searches(tech, desk):
    assert search(tech, "") == []
    assert search(tech, "  ,;  ") == []
    with pytest.raises(InputError) as refused:
        search(tech, "a" * 501)
    assert refused.value.code == "too_long"
