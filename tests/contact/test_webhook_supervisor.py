"""When a supervisor steps in (PO-5) the PBX is told whom to connect, how, and who had the call.

The webhook's ``conference`` decision names the supervisor as ``technician`` (the
party to add), says the ``mode`` (join: a three-way call; coach: heard by the
technician only; take_over: the supervisor replaces the technician) and keeps
the technician who had the call in ``original_technician``. A fake PBX (an HTTP
server in a thread) receives the signed bodies, exactly as sent.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from atiende.contact import webhooks
from atiende.contact.models import Contact
from atiende.people.models import ApiToken

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def pbx(monkeypatch):
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("ATIENDE_WEBHOOK_URL", f"http://127.0.0.1:{server.server_port}/atiende")
    monkeypatch.setenv("ATIENDE_WEBHOOK_SECRET", "s3cr3t")
    monkeypatch.setenv("ATIENDE_WEBHOOK_FAST_PATH", "0")  # delivered below, in the test's thread
    yield received
    server.shutdown()
    server.server_close()


def _supervise(client, call: Contact, supervisor, mode: str) -> None:
    _token, raw = ApiToken.issue(supervisor, kind="api")
    response = client.post(f"/api/v1/contacts/{call.pk}/supervise", {"mode": mode}, content_type=JSON,
                           headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("mode", ["join", "coach", "take_over"])
def test_the_pbx_connects_the_supervisor_in_the_mode_chosen(client, pbx, call_with_lucia, lucia, supervisor,
                                                            clock, mode):
    lucia.extension, supervisor.extension = "201", "299"
    lucia.save(update_fields=["extension"])
    supervisor.save(update_fields=["extension"])
    _supervise(client, call_with_lucia, supervisor, mode)
    webhooks.deliver_due(worker="w")
    conference = [d for d in pbx if d["action"] == "conference"]
    assert len(conference) == 1
    decision = conference[0]
    assert decision["technician"] == {"id": supervisor.pk, "username": "marta", "extension": "299"}
    assert decision["mode"] == mode
    assert decision["original_technician"] == {"id": lucia.pk, "username": "lucia", "extension": "201"}
    assert decision["rule"] == "PO-5" and decision["state"] == "talking"
    # The other decisions keep their shape: the ring named Lucía and carries no mode.
    ring = next(d for d in pbx if d["action"] == "ring")
    assert ring["technician"]["id"] == lucia.pk and "mode" not in ring and "original_technician" not in ring


def test_taking_over_a_pending_transfer_gives_the_call_back_to_the_supervisor(client, pbx, call_with_lucia, lucia,
                                                                            jorge, supervisor, clock):
    from atiende.contact import services

    supervisor.extension = "299"
    supervisor.save(update_fields=["extension"])
    services.request_transfer(contact_id=call_with_lucia.pk, user=lucia, purpose="billing", customer_consent=True,
                              to_technician=jorge.pk)
    _supervise(client, call_with_lucia, supervisor, "take_over")
    webhooks.deliver_due(worker="w")
    returned, conference = [d for d in pbx if d["action"] in ("return_call", "conference")]
    assert returned["technician"]["id"] == supervisor.pk  # the transfer is called off, to the supervisor
    assert conference["technician"]["extension"] == "299" and conference["mode"] == "take_over"
    assert conference["original_technician"]["id"] == lucia.pk
