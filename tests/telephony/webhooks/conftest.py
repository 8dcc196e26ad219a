"""The webhook tests share the contact tests' calls and technicians, and a fake PBX to post to."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from tests.contact.conftest import call_with_lucia, clock, jorge, lucia, queue, supervisor  # noqa: F401

WEBHOOK_SECRET = "s3cr3t"


class FakePbx:
    """What the fake PBX received, and the statuses it answers with (204 once the list runs out)."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        self.always: int | None = None

    @property
    def decisions(self) -> list[dict]:
        return [json.loads(body) for _headers, body in self.received]

    @property
    def actions(self) -> list[str]:
        return [d["action"] for d in self.decisions]


@pytest.fixture
def webhook_pbx(monkeypatch):
    """An HTTP server in a thread plays the PBX the webhook posts to; deliveries run in the test's thread."""
    state = FakePbx()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append((dict(self.headers), body))
            status = state.always or (state.statuses.pop(0) if state.statuses else 204)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    # shutdown() waits for the serving loop to look at its flag, which it does once per poll_interval (0.5 s by
    # default): a short one keeps that wait out of every test's teardown.
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    monkeypatch.setenv("ATIENDE_WEBHOOK_URL", f"http://127.0.0.1:{server.server_port}/atiende")
    monkeypatch.setenv("ATIENDE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setenv("ATIENDE_WEBHOOK_FAST_PATH", "0")  # every delivery runs in the test's thread
    yield state
    server.shutdown()
    server.server_close()
