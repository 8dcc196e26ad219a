"""GET /api/v1/search, the search page behind the top bar's box, and `atiende search reindex`."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from atiende.cli import main
from atiende.desk.services.customers import create_customer
from atiende.desk.services.work_orders import create_work_order
from atiende.knowledge.models import SearchEntry
from tests.desk.conftest import bearer

pytestmark = pytest.mark.django_db


@pytest.fixture
def gomez(tech):
    customer = create_customer(actor=tech, name="Rosa Gómez", organisation="Ferretería Núñez")
    create_work_order(actor=tech, customer=customer, title="La impresora de la ferretería no imprime")
    return customer


def test_api_finds_without_accents_and_highlights(client, tech, gomez):
    response = client.get("/api/v1/search", {"q": "ferreteria"}, headers=bearer(tech))
    assert response.status_code == 200
    body = response.json()
    assert [r["kind"] for r in body["results"]] == ["work_order", "customer"]
    order, customer = body["results"]
    assert order["title_html"].endswith("La impresora de la <mark>ferretería</mark> no imprime")
    assert customer["snippet_html"] == "<mark>Ferretería</mark> Núñez"
    assert customer["url"] == f"/clientes/{gomez.pk}/"


def test_api_kind_filter_and_bad_parameters(client, tech, gomez):
    only = client.get("/api/v1/search", {"q": "ferreteria", "kind": "customer"}, headers=bearer(tech)).json()
    assert [r["kind"] for r in only["results"]] == ["customer"]
    for params in ({"q": "x" * 501}, {"q": "a", "kind": "planet"}, {"q": "a", "limit": 0}, {"q": "a", "limit": "x"}):
        response = client.get("/api/v1/search", params, headers=bearer(tech))
        assert response.status_code in (400, 422)
        assert set(response.json()["error"]) >= {"code", "message", "rule"}


def test_api_needs_a_signed_in_user(client, gomez):
    response = client.get("/api/v1/search", {"q": "gomez"})
    assert response.status_code == 401
    assert "error" in response.json()


def test_sql_in_the_query_is_harmless(client, tech, gomez):
    for text in ["gomez'; DELETE FROM knowledge_searchentry; --", 'gomez" OR "1"="1', "gomez) | (x:*"]:
        response = client.get("/api/v1/search", {"q": text}, headers=bearer(tech))
        assert response.status_code == 200
    assert SearchEntry.objects.count() == 2


def test_the_search_page_lists_results_by_kind(client, tech, gomez):
    client.force_login(tech)
    page = client.get("/buscar/", {"q": "GOMEZ"}).content.decode()
    assert "<mark>Gómez</mark>" in page
    assert 'id="topbar-search-q"' in page
    empty = client.get("/buscar/", {"q": "lavadora"}).content.decode()
    assert "Nothing found" in empty or "No se encontró nada" in empty


def test_the_search_page_refuses_a_too_long_search_clearly(client, tech):
    client.force_login(tech)
    response = client.get("/buscar/", {"q": "x" * 600})
    assert response.status_code == 400


def test_reindex_command(capsys, tech, gomez):
    SearchEntry.objects.all().delete()
    assert main(["search", "reindex", "--format", "json"]) == 0
    counts = json.loads(capsys.readouterr().out)
    assert counts["work_order"] == 1 and counts["customer"] == 1
    assert SearchEntry.objects.count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's text search configuration")
def test_postgresql_configuration_folds_accents():
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_tsvector('atiende_search', 'Gómez Ferretería')::text")
        assert cursor.fetchone()[0] == "'ferreteria':2 'gomez':1"
