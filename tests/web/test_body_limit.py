"""The server stops reading a request body past the upload limit and answers 413, before any view runs."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.testing import ApplicationCommunicator

from atiende.asgi import SyncRequestHandler
from atiende.privacy import uploads
from tests.web._asgi import answer

CHUNK = 64 * 1024


@pytest.fixture
def small_limit(settings):
    settings.ATIENDE_UPLOAD_MAX_BYTES = 1000
    return uploads.max_request_bytes()


def _scope(path: str, *, length: int | None, language: str = "") -> dict:
    headers = [(b"host", b"127.0.0.1"), (b"content-type", b"multipart/form-data; boundary=x")]
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    if language:
        headers.append((b"accept-language", language.encode()))
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
            "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "headers": headers,
            "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000)}


def _post(path: str, size: int, *, declare: bool = True, language: str = "") -> tuple[int, bytes, bool]:
    """Post ``size`` bytes in chunks; the status, the body, and whether the server read every chunk sent."""

    async def run() -> tuple[int, bytes, bool]:
        communicator = ApplicationCommunicator(
            SyncRequestHandler(), _scope(path, length=size if declare else None, language=language))
        sent = 0
        while sent < size:
            chunk = min(CHUNK, size - sent)
            sent += chunk
            await communicator.send_input({"type": "http.request", "body": b"x" * chunk, "more_body": sent < size})
        status, body = await answer(communicator)
        return status, body, communicator.input_queue.empty()

    return asyncio.run(run())


@pytest.mark.parametrize("declare", [True, False], ids=["content-length", "chunked"])
def test_an_api_upload_past_the_limit_is_refused_before_the_view(small_limit, declare):
    status, body, drained = _post("/api/v1/work-orders/1/attachments", small_limit + 3 * CHUNK, declare=declare,
                                  language="en")
    error = json.loads(body)["error"]
    # The attachment view's own check would say file_too_large (and need a token): it never ran.
    assert (status, error["code"]) == (413, "request_too_large")
    assert f"at most {small_limit} bytes" in error["message"] and "1000 bytes" in error["message"]
    assert drained  # what the client sent was read (and thrown away), so the connection stays in step


def test_a_body_under_the_limit_reaches_the_view(small_limit):
    status, body, _drained = _post("/api/v1/work-orders/1/attachments", small_limit, language="en")
    # The API's own answer to a request with no credentials: the body was read whole and handed on.
    assert status in (401, 403) and json.loads(body)["error"]["code"] != "request_too_large"


def test_the_web_pages_answer_in_plain_spanish_by_default(small_limit):
    status, body, drained = _post("/ordenes/nueva/", small_limit + 1)
    assert status == 413 and drained
    assert body.decode().startswith("La petición es demasiado grande")
