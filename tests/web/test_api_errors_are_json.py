"""Issue 22, items 4, 9 and 11: whatever goes wrong under /api/, the answer is the API's JSON error.

A client of the API reads ``{"error": {"code", "message", "rule"}}``; Django's HTML pages (400 for too
many fields or a body too large to read, 404 for an unknown address, 403 for a refused CSRF check, 500)
are not for it. Ids past 64 bits anywhere are a 404/422, NUL characters anywhere a 400 that says why.
"""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from atiende.desk.models import Attachment, WorkOrder
from atiende.people.models import ApiToken
from tests.pages import signed_in

pytestmark = pytest.mark.django_db


def _bearer(user) -> dict[str, str]:
    return {"Authorization": f"Bearer {ApiToken.issue(user)[1]}"}


def _json_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    error = response.json()["error"]
    assert error["message"] and set(error) >= {"code", "message", "rule"}
    if code:
        assert error["code"] == code, error
    return error


def test_a_json_body_larger_than_django_reads_is_a_json_413(desk):
    body = json.dumps({"title": "x" * (3 * 1024 * 1024)})
    response = Client().post("/api/v1/work-orders", body, content_type="application/json",
                             headers=_bearer(desk.technician))
    _json_error(response, 413, "request_too_large")


def test_more_than_a_thousand_fields_is_a_json_400(desk):
    fields = {f"f{i}": "x" for i in range(1200)}
    response = Client().post(f"/api/v1/work-orders/{desk.work_order.number}/attachments", fields,
                             headers=_bearer(desk.technician))
    assert "1000" in _json_error(response, 400, "bad_request")["message"]


def test_an_unknown_api_address_is_a_json_404_whatever_the_method(desk):
    _json_error(Client().get("/api/v1/no-such-thing", headers=_bearer(desk.technician)), 404, "not_found")
    _json_error(Client().get("/api/v2/"), 404, "not_found")
    # With the session cookie and no CSRF token, the POST used to get Django's CSRF page.
    client = Client(enforce_csrf_checks=True)
    client.force_login(desk.technician)
    response = client.post("/api/v1/no-such-thing", {"a": "b"})
    assert response.status_code in (403, 404)
    _json_error(response, response.status_code)


def test_a_refused_csrf_check_under_the_api_is_json_and_says_what_to_send(desk):
    client = Client(enforce_csrf_checks=True)
    client.force_login(desk.technician)
    response = client.post("/api/v1/work-orders", {"title": "x"}, content_type="application/json")
    assert "X-CSRFToken" in _json_error(response, 403, "csrf_failed")["message"]
    # A page's form gets Atiende's error page telling the person to reload, not Django's page for developers.
    page = client.post("/solicitudes/nueva/", {"title": "x"}, headers={"Accept-Language": "es"})
    assert page.status_code == 403 and page["Content-Type"].startswith("text/html")
    text = page.content.decode()
    assert "La sesión ha caducado; recargue la página." in text and "CSRF verification failed" not in text


def test_a_refused_csrf_check_on_an_htmx_request_says_to_reload_the_page(desk):
    """web/swaps.js puts a JSON refusal's message in the page's banner: the message, never Django's page."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(desk.technician)
    for language, said in (("es", "La sesión ha caducado; recargue la página."),
                           ("en", "The session has expired; reload the page.")):
        response = client.post("/solicitudes/nueva/", {"title": "x"},
                               headers={"HX-Request": "true", "Accept-Language": language})
        assert _json_error(response, 403, "csrf_failed")["message"] == said


def test_a_refused_csrf_check_on_a_page_script_asking_for_json_says_to_reload_the_page(desk):
    """A page's own script (consoles/live.js, any fetch asking for JSON) sends the token its page was given: a
    refusal means the page outlived its session. It gets JSON it can read, telling the person to reload, not an
    HTML page nor the API client's advice about headers; a browser's usual Accept still gets the page."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(desk.technician)
    for language, said in (("es", "La sesión ha caducado; recargue la página."),
                           ("en", "The session has expired; reload the page.")):
        client.cookies["django_language"] = language
        for accept in ("application/json", "application/json, text/plain, */*", "*/*;q=0.1, application/json"):
            page = client.post("/solicitudes/nueva/", {"title": "x"}, headers={"Accept": accept})
            assert _json_error(page, 403, "csrf_failed")["message"] == said, accept
        # The consoles' JSON is served by a django-ninja API beside their pages (/consola/...), not under /api/.
        console = client.post("/consola/asistente/", {"text": "hola"}, content_type="application/json",
                              headers={"Accept": "application/json"})
        assert _json_error(console, 403, "csrf_failed")["message"] == said
        browser = client.post("/solicitudes/nueva/", {"title": "x"},
                              headers={"Accept": "text/html,application/xhtml+xml,application/json;q=0.9"})
        assert browser.status_code == 403 and browser["Content-Type"].startswith("text/html")
        assert said in browser.content.decode()
    assert not WorkOrder.objects.filter(title="x").exists()


def test_a_crash_under_the_api_is_a_json_500(desk, monkeypatch):
    from atiende.api import people

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(people, "current_user", broken)
    client = Client(raise_request_exception=False)
    _json_error(client.get("/api/v1/people/me", headers=_bearer(desk.technician)), 500, "server_error")


def test_a_very_long_upload_file_name_is_not_an_html_page(desk, media):
    name = "a" * 1000 + ".png"
    png = b"\x89PNG\r\n\x1a\n" + bytes(64)
    response = Client().post(f"/api/v1/work-orders/{desk.work_order.number}/attachments",
                             {"file": SimpleUploadedFile(name, png)}, headers=_bearer(desk.technician))
    assert response.status_code < 500 and response["Content-Type"].startswith("application/json")
    if response.status_code == 201:
        assert len(Attachment.objects.get().filename) <= 255


@pytest.mark.parametrize("url", [
    "/api/v1/scorecards?technician=9223372036854775808", "/api/v1/scorecards/contacts/9223372036854775808",
    "/api/v1/scorecards/contacts/18446744073709551616", "/api/v1/training/sessions?trainee=9223372036854775808",
    "/api/v1/contacts/9223372036854775808", "/api/v1/work-orders/9223372036854775808",
    "/api/v1/customers/99999999999999999999999", "/api/v1/scorecards/technicians/9223372036854775808/trend",
])
def test_ids_past_64_bits_are_a_404_or_422_never_a_500(desk, url):
    response = Client(raise_request_exception=False).get(url, headers=_bearer(desk.administrator))
    assert response.status_code in (404, 422)
    _json_error(response, response.status_code)


@pytest.mark.parametrize("url", ["/solicitudes/99999999999999999999999/", "/clientes/99999999999999999999999/"])
def test_ids_past_64_bits_in_a_page_address_are_a_404(desk, url):
    response = signed_in(desk.administrator).get(url)
    assert response.status_code == 404


def test_nul_in_a_form_encoded_api_body_is_refused_and_nothing_is_stored(desk):
    before = WorkOrder.objects.count()
    number = desk.work_order.number
    client = signed_in(desk.technician)
    response = client.post(f"/api/v1/work-orders/{number}/messages", "body=hola%00adios&visibility=internal",
                           content_type="application/x-www-form-urlencoded")
    assert "U+0000" in _json_error(response, 400, "invalid_input")["message"]
    assert WorkOrder.objects.count() == before


def test_nul_in_a_multipart_text_field_is_refused(desk, media):
    response = Client().post(f"/api/v1/work-orders/{desk.work_order.number}/attachments",
                             {"file": SimpleUploadedFile("a.txt", b"hola\x00 binary is fine in a file"),
                              "internal": "tr\x00ue"}, headers=_bearer(desk.technician))
    _json_error(response, 400, "invalid_input")
    assert not Attachment.objects.exists()


def test_nul_in_a_page_form_is_a_400_that_says_why(desk):
    client = signed_in(desk.technician)
    before = WorkOrder.objects.count()
    response = client.post("/solicitudes/nueva/", {"title": "Impresora\x00rota", "customer": desk.customer.pk})
    assert response.status_code == 400 and "U+0000" in response.content.decode()
    assert WorkOrder.objects.count() == before
    assert client.get("/solicitudes/?q=a%00b").status_code == 400


def test_a_form_sent_to_an_operation_that_takes_json_is_a_json_415(desk):
    """Found by the no-IDOR sweep (issue 22, item 28): a multipart form (an empty POST from a form library) to
    a JSON operation was a 500, its raw body already read by the NUL check."""
    url = f"/api/v1/work-orders/{desk.work_order.number}/closed-questions"
    for data in ({}, {"question": "¿Enciende?"}):
        response = Client().post(url, data, headers=_bearer(desk.technician))  # multipart/form-data
        _json_error(response, 415, "unsupported_media_type")
    assert not desk.work_order.closed_questions.exists()
