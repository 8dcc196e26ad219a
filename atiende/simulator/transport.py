"""Talking to the API: in this process through Django's test client, or to a running server over HTTP.

Either way a request carries a bearer token and gets an :class:`Answer` (status and decoded body);
a server that cannot be reached answers status 0 with an ``unreachable`` error, as a PBX logs and carries on."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def error(self) -> dict[str, Any]:
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            return self.body["error"]
        return {}

class Transport(Protocol):
    def call(self, method: str, path: str, token: str, body: dict[str, Any] | None = None) -> Answer: ...

class InProcessApi:
    """The API through Django's test client: the real middleware, routing, auth and error handlers."""

    def __init__(self) -> None:
        from django.conf import settings
        from django.test import Client

        hosts = [h.lstrip(".") for h in settings.ALLOWED_HOSTS if h and h != "*"]
        host = "testserver" if "testserver" in hosts or not hosts else hosts[0]
        # secure: a production setting that redirects plain HTTP to HTTPS must not answer 301 here.
        self.client = Client(raise_request_exception=False, HTTP_HOST=host, secure=True)

    def call(self, method: str, path: str, token: str, body: dict[str, Any] | None = None) -> Answer:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_ACCEPT_LANGUAGE": "en"}
        if method == "GET":
            response = self.client.get(path, **headers)  # type: ignore[arg-type]
        else:
            response = self.client.generic(method, path, json.dumps(body or {}), content_type="application/json",
                                           **headers)  # type: ignore[arg-type]
        return Answer(response.status_code, decode(response.content))

class HttpApi:
    """The API of a running server, over real HTTP."""

    def __init__(self, base_url: str, timeout: float = 10) -> None:
        self.base = base_url.rstrip("/")
        self.timeout = timeout

    def call(self, method: str, path: str, token: str, body: dict[str, Any] | None = None) -> Answer:
        data = None if method == "GET" else json.dumps(body or {}).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method, headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json", "Accept-Language": "en"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return Answer(response.status, decode(response.read()))
        except urllib.error.HTTPError as exc:
            return Answer(exc.code, decode(exc.read()))
        except OSError as exc:  # refused, timed out: a PBX logs it and carries on
            return Answer(0, {"error": {"code": "unreachable", "message": str(exc), "rule": None}})

def decode(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"null")
    except ValueError:
        return {"error": {"code": "not_json", "message": raw[:200].decode(errors="replace"), "rule": None}}
