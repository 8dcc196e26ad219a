"""The CTI event endpoint's own way through the server: a PBX's webhook without the pages' machinery (issue 25).

``POST /api/v1/cti/events`` is a machine's call: a bearer token, a small JSON
body, a JSON answer, hundreds a second. Served by ``atiende.asgi`` through the
whole stack it paid for what pages need: Django's ASGI handler (three hops to
the request's thread: the ``request_started`` signal, the view, the answer's
close; the body spooled into a temporary file; a task listening for the client
to leave), the session, CSRF, sign-in, messages, static files and htmx
middlewares, URL resolution, and django-ninja's operation (its list of
authenticators, the body parsed and validated through its wrapper models, the
view's checks, the answer built twice). Here:

- the body is read in the event loop and one hop to the request's thread runs
  ``request_started``, the event and the answer's close (``request_finished``:
  the database connection goes back to the pool);
- the middlewares that shape an API answer still run, chained as Django chains
  them (:class:`Handler`): the request's id, timing and log line, errors as
  JSON, the security headers and the HTTPS redirect, the requester's language,
  the host check and ``Content-Length``, ``X-Frame-Options``, the CSP header;
  left out are those in :data:`SKIPPED`, which a call with a bearer token and
  a JSON body never needs;
- the token is checked as the endpoint's ``TelephonyBearer`` checks it
  (``ApiToken.authenticate``, with its per-process memory), the body validated
  once by the endpoint's own schema (``CtiEventIn``), the event processed by
  :func:`atiende.telephony.native.receive` and its answer rendered by the
  API's own renderer; an exception goes to the API's own error handlers.

Anything else goes the whole way, as before, so every refusal is the one the
endpoint gives through django-ninja (status, code, rule and message): no
token, an unknown or revoked one, a token that may not send call events, a
body that is not JSON or not a valid event, a NUL anywhere, a query string, a
body over the limit. ``tests/telephony/test_cti_lean.py`` compares the two
ways' answers.
"""

from __future__ import annotations

import io
import json
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core import signals
from django.core.exceptions import MiddlewareNotUsed
from django.core.handlers.asgi import ASGIRequest
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponse
from django.urls import ResolverMatch, get_resolver
from django.utils.module_loading import import_string
from pydantic import ValidationError

from atiende.api import api
from atiende.api.cti import CtiEventIn, may_send_call_events
from atiende.people.models import ApiToken
from atiende.telephony import native

PATH = "/api/v1/cti/events"

# What a page needs and a bearer-token JSON call does not; every other middleware of settings.MIDDLEWARE runs.
SKIPPED = frozenset({
    "atiende.operations.middleware.ProbeMiddleware",  # /healthz, /readyz, /metrics: other paths
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files: other paths
    "django.contrib.sessions.middleware.SessionMiddleware",  # the endpoint takes a bearer token, never a session
    "atiende.privacy.middleware.RejectNulMiddleware",  # a NUL anywhere goes the whole way (:func:`_accepted`)
    "django.middleware.csrf.CsrfViewMiddleware",  # no session cookie, nothing to forge
    "django.contrib.auth.middleware.AuthenticationMiddleware",  # the token names the user
    "django.contrib.messages.middleware.MessageMiddleware",  # no page to show messages on
    "atiende.web.signin_again.HtmxSignInMiddleware",  # pages' htmx requests
})

Send = Callable[[dict[str, Any]], Awaitable[None]]
Receive = Callable[[], Awaitable[dict[str, Any]]]


def handles(scope: dict[str, Any]) -> bool:
    return scope["path"] == PATH and scope["method"] == "POST" and not scope.get("query_string")


class Handler(BaseHandler):
    """The CTI event's view behind the middlewares an API answer needs (settings.MIDDLEWARE less
    :data:`SKIPPED`), chained as Django's own handler chains them, synchronous; the address is known, so
    nothing is resolved."""

    def __init__(self) -> None:
        super().__init__()
        found = get_resolver().resolve(PATH)  # the route's name, for the request's log line and metrics
        self._match = ResolverMatch(_view, (), {}, url_name=found.url_name, app_names=found.app_names,
                                    namespaces=found.namespaces, route=found.route)
        self.load_middleware()

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware: list[Any] = []
        self._template_response_middleware: list[Any] = []
        self._exception_middleware: list[Any] = []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed([p for p in settings.MIDDLEWARE if p not in SKIPPED]):
            try:
                middleware = import_string(path)(handler)
            except MiddlewareNotUsed:
                continue
            if hasattr(middleware, "process_view"):
                self._view_middleware.insert(0, middleware.process_view)
            if hasattr(middleware, "process_template_response"):
                self._template_response_middleware.append(middleware.process_template_response)
            if hasattr(middleware, "process_exception"):
                self._exception_middleware.append(middleware.process_exception)
            handler = convert_exception_to_response(middleware)
        self._middleware_chain = handler

    def resolve_request(self, request: HttpRequest) -> ResolverMatch:
        request.resolver_match = self._match
        return self._match

    def answer(self, scope: dict[str, Any], body: bytes) -> HttpResponse | None:
        """In the request's thread: the answer, closed (``request_finished`` sent), or None when the request
        is one to go the whole way."""
        signals.request_started.send(sender=self.__class__, scope=scope)
        response = None
        try:
            request = ASGIRequest(scope, io.BytesIO(body))
            accepted = _accepted(request, body)
            if accepted is None:
                return None
            request.cti_event = accepted  # type: ignore[attr-defined]
            response = self.get_response(request)
            return response
        finally:
            if response is None:
                signals.request_finished.send(sender=self.__class__)
            else:
                response.close()  # sends request_finished


def _accepted(request: HttpRequest, body: bytes) -> tuple[ApiToken, CtiEventIn] | None:
    """The token and the event, when the endpoint would take them; else None (the whole way answers)."""
    if request.content_type != "application/json" or b"\x00" in body or b"\\u0000" in body:
        return None
    header = request.headers.get("Authorization")
    if not header:
        return None
    scheme, _, raw = header.partition(" ")  # as django-ninja's HttpBearer reads it
    if scheme.lower() != "bearer":
        return None
    token = ApiToken.authenticate(raw)
    if token is None or not may_send_call_events(token):
        return None
    try:
        data = json.loads(body)
        if not isinstance(data, dict):
            return None
        event = CtiEventIn.model_validate(data)
    except (ValueError, ValidationError):
        return None
    return token, event


def _view(request: HttpRequest) -> HttpResponse:
    token, event = request.cti_event  # type: ignore[attr-defined]
    request.user = token.user  # as the bearer authenticator leaves them
    request.auth_token = token  # type: ignore[attr-defined]
    try:
        answer = native.receive(native.NativeEvent(**event.model_dump()), sender=token.user)
    except Exception as exc:  # noqa: BLE001 - the API's own handlers, or re-raised for Django's 500
        return api.on_exception(request, exc)
    return HttpResponse(api.renderer.render(request, answer.body, response_status=answer.status),
                        status=answer.status, content_type=api.get_content_type())


async def serve(handler: Handler, scope: dict[str, Any], receive: Receive, send: Send,
                whole_way: Callable[[dict[str, Any], Receive, Send], Awaitable[None]]) -> None:
    """Answer a CTI event: read the body, one hop to the request's thread, send the answer; or hand the request,
    its body as read, to ``whole_way`` (the server's full handler)."""
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        chunk = message.get("body", b"")
        parts.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            break
        if size > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:  # the whole way refuses it (413), reading the rest
            await whole_way(scope, _replayed(b"".join(parts), receive, more=True), send)
            return
    body = b"".join(parts)
    response = await sync_to_async(handler.answer, thread_sensitive=True)(scope, body)
    if response is None:
        await whole_way(scope, _replayed(body, receive, more=False), send)
        return
    headers = [(name.encode("ascii"), value.encode("latin1")) for name, value in response.items()]
    headers.extend((b"Set-Cookie", c.OutputString().encode("ascii")) for c in response.cookies.values())
    await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": response.content})


def _replayed(body: bytes, receive: Receive, *, more: bool) -> Receive:
    """``receive`` with the body read so far given back first."""
    pending = [{"type": "http.request", "body": body, "more_body": more}]

    async def replay() -> dict[str, Any]:
        return pending.pop() if pending else await receive()

    return replay
