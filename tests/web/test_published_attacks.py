"""Bad input from published help-desk vulnerabilities (issue 22), each tried against Atiende.

Help desks have shipped, among others: stored XSS through a mail's subject and an attachment's file name,
IDOR through attachment ids, SQL injection through search parameters, path traversal through an upload's
file name, CSRF on JSON endpoints, and SSRF through integration URLs a user could set. Each test below is
that attack, and what Atiende answers.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from atiende.desk.models import Attachment, WorkOrder
from atiende.people.models import ApiToken
from tests.pages import signed_in

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(1)">'
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


def _bearer(user) -> dict[str, str]:
    return {"Authorization": f"Bearer {ApiToken.issue(user)[1]}"}


def _upload(user, work_order, name: str):
    return Client().post(f"/api/v1/work-orders/{work_order.number}/attachments",
                         {"file": SimpleUploadedFile(name, PNG)}, headers=_bearer(user))


def test_a_script_in_a_mail_subject_is_shown_escaped(desk):
    from atiende.mail.intake import receive

    raw = (f"From: Eva <eva@example.org>\r\nTo: soporte@example.com\r\nSubject: {SCRIPT} {IMG}\r\n"
           "Message-ID: <xss-1@example.org>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHola\r\n").encode()
    number = receive(raw).work_order_number
    assert number is not None
    browser = signed_in(desk.administrator)
    for url in (f"/solicitudes/{number}/", "/solicitudes/"):
        html = browser.get(url).content.decode()
        assert SCRIPT not in html and "onerror=\"alert" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_script_in_an_attachment_name_is_shown_escaped_and_downloaded_as_a_file(desk, media):
    response = _upload(desk.technician, desk.work_order, f"{IMG}.png")
    assert response.status_code == 201, response.content
    html = signed_in(desk.technician).get(f"/solicitudes/{desk.work_order.number}/").content.decode()
    assert IMG not in html and "&lt;img" in html
    attachment = Attachment.objects.get()
    download = signed_in(desk.technician).get(f"/solicitudes/{desk.work_order.number}/adjuntos/{attachment.pk}/")
    # Never rendered: a download (the name stays quoted data in the header), never sniffed as HTML.
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff" and "html" not in download["Content-Type"]


def test_an_attachment_id_of_another_work_order_answers_as_missing(desk, media):
    _upload(desk.other_technician, desk.other_work_order, "ajeno.png")
    foreign = Attachment.objects.get()
    client = signed_in(desk.technician)
    # Through my own work order's address, and through theirs: both as a missing id, no bytes.
    mine = client.get(f"/api/v1/work-orders/{desk.work_order.number}/attachments/{foreign.pk}")
    theirs = client.get(f"/api/v1/work-orders/{desk.other_work_order.number}/attachments/{foreign.pk}")
    missing = client.get(f"/api/v1/work-orders/{desk.work_order.number}/attachments/987654321")
    assert mine.status_code == theirs.status_code == missing.status_code == 404
    page = client.get(f"/solicitudes/{desk.work_order.number}/adjuntos/{foreign.pk}/")
    assert page.status_code == 404 and PNG not in page.content


@pytest.mark.parametrize("payload", [
    "' OR '1'='1", "' OR 1=1 --", "%' OR '%'='", "1; DROP TABLE desk_workorder; --",
    "' UNION SELECT password, username FROM people_user --", "\\' OR 1=1 #", "Sevilla'--",
])
def test_sql_in_search_parameters_finds_nothing_it_should_not(desk, payload):
    client = signed_in(desk.technician)
    for url in ("/api/v1/search", "/api/v1/work-orders", "/api/v1/customers", "/solicitudes/", "/clientes/"):
        response = client.get(url, {"q": payload})
        assert response.status_code in (200, 400, 422), (url, response.status_code)
        body = response.content.decode()
        assert desk.other_work_order.title not in body and "md5$" not in body and "argon2" not in body
    assert WorkOrder.objects.count() == 2


@pytest.mark.parametrize("name", ["../../settings.py.png", "..\\..\\atiende\\settings.png", "/etc/passwd.png",
                                  "%2e%2e%2fescape.png", "....//....//x.png", "a/../../b.png"])
def test_path_traversal_in_an_upload_name_stays_data(desk, media, name):
    response = _upload(desk.technician, desk.work_order, name)
    assert response.status_code in (201, 400, 415), response.content
    for attachment in Attachment.objects.all():
        stored = Path(attachment.file.path).resolve()
        assert stored.is_relative_to(Path(media).resolve() / "attachments")
        assert "/" not in attachment.filename and "\\" not in attachment.filename
        assert ".." not in Path(attachment.file.name).parts
    assert not (Path(media).parent / "settings.py.png").exists()


@pytest.mark.parametrize(("content_type", "headers"), [
    ("application/json", {}),
    ("text/plain", {}),  # the classic cross-site "simple request" carrying JSON
    ("application/json", {"X-Requested-With": "XMLHttpRequest"}),
    ("application/json", {"Origin": "https://evil.example", "Referer": "https://evil.example/"}),
    ("application/json", {"X-CSRFToken": "made-up-token-value-0123456789abcdef0123456789abcdef"}),
])
def test_a_session_write_without_the_real_csrf_token_is_refused(desk, content_type, headers):
    client = Client(enforce_csrf_checks=True)
    client.force_login(desk.technician)
    before = WorkOrder.objects.count()
    body = json.dumps({"title": "CSRF", "customer": desk.customer.pk})
    response = client.post("/api/v1/work-orders", body, content_type=content_type, headers=headers)
    assert response.status_code == 403 and WorkOrder.objects.count() == before
    page = client.post("/solicitudes/nueva/", {"title": "CSRF", "customer": desk.customer.pk}, headers=headers)
    assert page.status_code == 403 and WorkOrder.objects.count() == before


def test_no_api_operation_takes_a_url_for_the_server_to_call(client):
    """SSRF: integration URLs (webhook, IMAP, SMTP) come from the server's environment only, never a request."""
    spec = client.get("/api/v1/openapi.json").json()
    suspicious = []
    for name, schema in spec.get("components", {}).get("schemas", {}).items():
        if name.endswith("In") or "Input" in name or "Body" in name:
            for prop in schema.get("properties", {}):
                if any(word in prop.lower() for word in ("url", "uri", "callback", "webhook", "host", "endpoint")):
                    suspicious.append(f"{name}.{prop}")
    assert suspicious == [], suspicious


def test_the_webhook_does_not_follow_a_redirect_elsewhere(monkeypatch):
    """SSRF by redirect: a receiver that answers 302 to an internal address does not make Atiende go there."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from atiende.telephony import webhooks

    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            hits.append(self.path)
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{self.server.server_port}/internal")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    try:
        monkeypatch.setenv("ATIENDE_WEBHOOK_SECRET", "s3cr3t")
        row = webhooks.WebhookDelivery(decision_id="d1", action="ring", payload={"id": "d1"})
        status, _error = webhooks._post(f"http://127.0.0.1:{server.server_port}/atiende", row, attempt=1,
                                        timeout=5)
    finally:
        server.shutdown()
        server.server_close()
    assert hits == ["/atiende"] and status == 302
