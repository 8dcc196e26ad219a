"""The largest request body the server reads, and the answer to a larger one (413).

Under ASGI, Django reads a request's whole body into a temporary file before any
view runs: a view's own size check (``atiende.privacy.uploads``) comes after a
multi-gigabyte upload has filled memory or disk. ``atiende/asgi.py`` wraps each
request's ``receive`` in :class:`LimitedBody`, so the body is cut off at
``uploads.max_request_bytes()`` (the upload limit and 1 MiB for the form).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _

from atiende.api.errors import error_body
from atiende.privacy import uploads

CUT_SHORT = "atiende.body_too_large"


class LimitedBody:
    """The request's ``receive``, ending the body once it passes ``limit`` bytes or declares it will.

    The rest is read and thrown away (the client is still sending it) and the request is answered 413
    (:func:`too_large`, from ``SyncRequestHandler.create_request``) without reaching a view.
    """

    def __init__(self, scope: dict[str, Any], receive: Any, limit: int | None = None) -> None:
        self.scope, self.receive = scope, receive
        self.limit = uploads.max_request_bytes() if limit is None else limit
        declared = dict(scope.get("headers") or ()).get(b"content-length", b"")
        self.received = 0
        self.declared = int(declared) if declared.isdigit() else 0

    async def __call__(self) -> dict[str, Any]:
        message: dict[str, Any] = {"more_body": True}
        if self.declared <= self.limit:
            message = await self.receive()
            if message["type"] != "http.request":
                return message
            self.received += len(message.get("body", b""))
            if self.received <= self.limit:
                return message
        self.scope[CUT_SHORT] = True
        while message.get("more_body"):
            message = await self.receive()
            if message["type"] == "http.disconnect":
                return message
        return {"type": "http.request", "body": b"", "more_body": False}


def cut_short(scope: Mapping[str, Any]) -> bool:
    """Whether :class:`LimitedBody` cut this request's body off."""
    return bool(scope.get(CUT_SHORT))


def too_large(request: HttpRequest) -> HttpResponse:
    """413 in the requester's language: the API's error format under /api/, plain text elsewhere."""
    with translation.override(translation.get_language_from_request(request)):
        message = _("The request is too large: the server reads at most %(limit)d bytes "
                    "(a file of up to %(file)d bytes and the form around it).") % {
            "limit": uploads.max_request_bytes(), "file": uploads.max_bytes()}
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("request_too_large", message), status=413)
    return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
