"""The consoles' JSON (/consola/estado/, /consola/asistente/, /consola/solicitud/, /panel/estado/) answers
every refusal in the API's one error format, {"error": {"code", "message", "rule"}}, with a 4xx: the
console's script shows ``error.message`` whatever went wrong (docs/consoles.md, atiende/api/errors.py)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.consoles.conftest import signed_in

pytestmark = pytest.mark.django_db

ENDPOINTS = [("get", "/consola/estado/"), ("post", "/consola/asistente/"), ("post", "/consola/solicitud/"),
             ("get", "/panel/estado/")]


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) >= {"code", "message", "rule"} and error["message"]
    return error


def _send(client: Client, method: str, path: str, raw: str = "{}"):
    if method == "get":
        return client.get(path)
    return client.post(path, data=raw, content_type="application/json")


@pytest.mark.parametrize("method,path", ENDPOINTS)
def test_signed_out_gets_a_401_in_the_api_format_not_the_sign_in_page(method, path):
    error = _error(_send(Client(), method, path), 401)
    assert error["code"] == "not_authenticated"


def test_the_wrong_role_gets_a_403_naming_the_rule(center):
    for user, path in ((center.marta, "/consola/estado/"), (center.ana, "/consola/estado/"),
                       (center.lucia, "/panel/estado/")):
        error = _error(signed_in(user).get(path), 403)
        assert (error["code"], error["rule"]) == ("forbidden", "ET-4")
    for path in ("/consola/asistente/", "/consola/solicitud/"):
        error = _error(_send(signed_in(center.marta), "post", path), 403)
        assert (error["code"], error["rule"]) == ("forbidden", "ET-4")


def test_a_post_without_the_csrf_token_is_refused_in_the_api_format(center):
    client = Client(enforce_csrf_checks=True)
    client.force_login(center.lucia)
    response = client.post("/consola/asistente/", data=json.dumps({"text": "hola"}), content_type="application/json")
    assert _error(response, 403)["code"] == "csrf_failed"


@pytest.mark.parametrize("raw,code", [
    ("no es json", "invalid_body"), ("[]", "invalid_body"), (json.dumps({"text": 3}), "invalid_body"),
    (json.dumps({"text": "x" * 20_001}), "text_too_long"),
])
def test_assistant_bad_input_codes(center, raw, code):
    error = _error(_send(signed_in(center.lucia), "post", "/consola/asistente/", raw), 400)
    assert (error["code"], error["rule"]) == (code, None)


def test_work_order_bad_input_codes(center):
    client = signed_in(center.lucia)
    cases = [
        ("no es json", 400, "invalid_body"),
        (json.dumps({"customer": center.customer.pk, "title": " "}), 400, "title_required"),
        (json.dumps({"customer": center.customer.pk, "title": "x" * 201}), 400, "title_required"),
        (json.dumps({"customer": True, "title": "x"}), 400, "customer_required"),
        (json.dumps({"customer": center.customer.pk, "title": "x", "problem_story": 7}), 400, "invalid_text"),
        (json.dumps({"customer": 999_999, "title": "x"}), 404, "unknown_customer"),
    ]
    for raw, status, code in cases:
        assert _error(_send(client, "post", "/consola/solicitud/", raw), status)["code"] == code, raw


def test_a_nul_character_is_refused_and_nothing_is_stored(center):
    from atiende.desk.models import WorkOrder

    client = signed_in(center.lucia)
    body = {"customer": center.customer.pk, "title": "La impresora\u0000 no imprime"}
    response = _send(client, "post", "/consola/solicitud/", json.dumps(body))
    assert _error(response, 400)["code"] == "invalid_input"
    assert not WorkOrder.objects.exists()


def test_success_bodies_are_unchanged(center):
    client = signed_in(center.lucia)
    assert set(client.get("/consola/estado/").json()) >= {"me", "contacts", "offers", "queue", "customer"}
    empty = client.post("/consola/asistente/", data=json.dumps({"text": "  "}), content_type="application/json")
    assert empty.json() == {"traits": [], "knowledge_level": None, "paraphrase": "", "questions": []}
    created = client.post("/consola/solicitud/", content_type="application/json",
                          data=json.dumps({"customer": center.customer.pk, "title": "No imprime"}))
    assert created.status_code == 201 and set(created.json()) == {"number", "phase"}
