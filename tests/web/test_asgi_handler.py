"""The ASGI handler: whole requests on reused worker threads, one request at a time per thread."""

from __future__ import annotations

import asyncio
import json
import threading

from asgiref.testing import ApplicationCommunicator

from atiende.asgi import SyncRequestHandler
from tests.web._asgi import answer


def _scope(path: str) -> dict:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
            "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
            "headers": [(b"host", b"127.0.0.1"), (b"accept-language", b"en")], "client": ("127.0.0.1", 5000),
            "server": ("127.0.0.1", 8000)}


async def _get(app: SyncRequestHandler, path: str) -> tuple[int, dict]:
    communicator = ApplicationCommunicator(app, _scope(path))
    await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
    status, body = await answer(communicator)
    return status, json.loads(body)


def test_sequential_requests_reuse_one_worker_thread():
    app = SyncRequestHandler()

    async def run() -> list[int]:
        return [(await _get(app, f"/api/v1/nothing-{i}"))[0] for i in range(20)]

    before = threading.active_count()
    assert asyncio.run(run()) == [404] * 20
    assert len(app._idle_threads) == 1
    assert threading.active_count() - before <= 1  # one kept thread, not one (or two) per request


def test_concurrent_requests_each_get_their_own_thread_and_answer():
    app = SyncRequestHandler()

    async def run() -> list[tuple[int, dict]]:
        return list(await asyncio.gather(*(_get(app, f"/api/v1/nothing-{i}") for i in range(5))))

    answers = asyncio.run(run())
    assert [status for status, _body in answers] == [404] * 5
    assert all(body["error"]["code"] == "not_found" for _status, body in answers)
    assert 1 <= len(app._idle_threads) <= 5


def test_a_urlconf_without_the_cti_endpoint_serves_every_request_the_whole_way(monkeypatch):
    # bench/workorder_ceiling.py serves Atiende's handler with its own routes only: the CTI events' own way
    # (atiende/api/cti_lean.py) is not built there, and the process starts and answers as before.
    from django.urls import Resolver404

    from atiende.api import cti_lean

    def no_route() -> None:
        raise Resolver404({"path": cti_lean.PATH})

    monkeypatch.setattr(cti_lean, "Handler", no_route)
    app = SyncRequestHandler()
    assert app._cti is None
    assert asyncio.run(_get(app, "/api/v1/nothing"))[0] == 404
