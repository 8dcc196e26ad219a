"""The outgoing webhook tells the telephony side what Atiende decided, signed with HMAC."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from atiende.contact import live, services

pytestmark = pytest.mark.django_db


@pytest.fixture
def pbx_server(monkeypatch):
    received: list[tuple[dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("ATIENDE_WEBHOOK_URL", f"http://127.0.0.1:{server.server_port}/atiende")
    monkeypatch.setenv("ATIENDE_WEBHOOK_SECRET", "s3cr3t")
    monkeypatch.setenv("ATIENDE_WEBHOOK_FAST_PATH", "0")  # delivered below, in the test's thread
    yield received
    server.shutdown()


def test_ring_decision_is_sent_signed_to_the_pbx(pbx_server, queue, lucia, django_capture_on_commit_callbacks):
    lucia.extension = "201"
    lucia.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.create_contact(queue="soporte", external_id="call-9")
    live.wait_for_webhooks()
    headers, body = pbx_server[0]
    decision = json.loads(body)
    assert decision["action"] == "ring" and decision["call_id"] == "call-9"
    assert decision["technician"]["extension"] == "201"
    expected = live.sign(body, "s3cr3t", headers["X-Atiende-Timestamp"])
    assert headers["X-Atiende-Signature"] == expected
    assert live.sign(body, "wrong", headers["X-Atiende-Timestamp"]) != expected


def test_hold_and_hangup_decisions_follow(pbx_server, call_with_lucia, lucia, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.put_on_hold(contact_id=call_with_lucia.pk, user=lucia, reason="r", customer_consent=True,
                             expected_minutes=1)
        services.hang_up(contact_id=call_with_lucia.pk)
    live.wait_for_webhooks()
    actions = [json.loads(body)["action"] for _headers, body in pbx_server]
    assert actions == ["ring", "hold", "hangup"]  # the ring of the fixture's call is stored too, first
