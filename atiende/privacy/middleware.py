"""Refuse NUL characters in API input before any code sees them.

PostgreSQL text cannot hold U+0000, so a NUL in a JSON string or a query
parameter would otherwise reach the database and end in a 500. Django's form
fields already refuse it (``ProhibitNullCharactersValidator``); this does the
same for the API, at one place, with the API's error format and a 400.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

API_PREFIX = "/api/"


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _refuse() -> JsonResponse:
    message = _("Invalid input: text cannot contain the NUL character (U+0000).")
    return JsonResponse({"error": {"code": "invalid_input", "message": message, "rule": None}}, status=400)


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            if b"\x00" in unquote_to_bytes(request.META.get("QUERY_STRING", "")) or "\x00" in request.path:
                return _refuse()
            if request.method in ("POST", "PUT", "PATCH") and "json" in (request.content_type or ""):
                body = request.body
                if b"\x00" in body:
                    return _refuse()
                if b"\\u0000" in body:  # only then is parsing worth it
                    try:
                        if _has_nul(json.loads(body)):
                            return _refuse()
                    except ValueError:
                        pass  # malformed JSON: the API answers that itself
        return self.get_response(request)
