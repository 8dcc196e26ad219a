"""Garbage in any form or query string gets a clear 4xx page, never a 500."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.pages import signed_in

pytestmark = pytest.mark.django_db

GARBAGE = [
    "", " ", "\x00", "a" * 5000, "-1", "0", "99999999999999999999", "1e309", "NaN", "<script>alert(1)</script>",
    "'; DROP TABLE desk_workorder; --", "２", "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
    "2026-13-45T99:99", "true", "[]", "{}",
]
FIELDS = ["title", "customer", "requester", "decision_maker", "channel", "direction", "priority", "assignee",
          "team", "knowledge_level", "version", "phase", "note", "question", "answer", "description", "due_at",
          "status", "name", "address_as", "organisation", "country", "preferred_language", "email", "phone",
          "mobile", "rating", "resolved", "comment", "q", "page"]


def _post_urls(desk) -> list[str]:
    n = desk.work_order.number
    question = desk.work_order.closed_questions.create(question="¿Enciende?")
    commitment_url = f"/solicitudes/{n}/compromisos/999999/"
    return [
        "/solicitudes/nueva/", f"/solicitudes/{n}/editar/", f"/solicitudes/{n}/fase/",
        f"/solicitudes/{n}/contacto-de-cierre/", f"/solicitudes/{n}/preguntas/",
        f"/solicitudes/{n}/preguntas/{question.pk}/respuesta/", f"/solicitudes/{n}/compromisos/", commitment_url,
        "/clientes/nuevo/", f"/clientes/{desk.customer.pk}/editar/", "/cuenta/contrasena/",
        "/encuesta/no-such-token/", "/i18n/setlang/", "/entrar/",
    ]


def test_garbage_posts_never_crash(desk):
    client = signed_in(desk.technician)
    for url in _post_urls(desk):
        for value in GARBAGE:
            response = client.post(url, {field: value for field in FIELDS})
            assert response.status_code < 500, (url, value, response.status_code)


def test_garbage_query_strings_never_crash(desk):
    client = signed_in(desk.supervisor)
    for value in GARBAGE:
        for url in ["/solicitudes/", "/clientes/", "/"]:
            response = client.get(url, {field: value for field in FIELDS})
            assert response.status_code < 500, (url, value)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(st.sampled_from(FIELDS), st.text(max_size=40), max_size=8))
def test_random_work_order_forms_never_crash(desk, data):
    client = signed_in(desk.technician)
    n = desk.work_order.number
    for url in ["/solicitudes/nueva/", f"/solicitudes/{n}/editar/", f"/solicitudes/{n}/fase/",
                f"/solicitudes/{n}/compromisos/", "/clientes/nuevo/"]:
        assert client.post(url, data).status_code < 500


def test_wrong_method_is_a_405(desk):
    client = signed_in(desk.technician)
    assert client.get(f"/solicitudes/{desk.work_order.number}/fase/").status_code == 405
