"""Refuse NUL characters in any request before any code sees them (issue 22, item 9).

PostgreSQL text cannot hold U+0000, so a NUL in a JSON string, a form field or a query parameter would
otherwise reach the database and end in a 500 there, or be stored on SQLite and break whatever reads it
later. Django's form fields refuse it (``ProhibitNullCharactersValidator``), but not every view reads its
input through a form, nor does the API. This refuses it at one place, for every address: the path, the
query string, a JSON body (raw or escaped as ``\\u0000``), a form-encoded body and the text fields of a
multipart form (not the files: a file may hold any byte). The answer is a 400 that says why, in the API's
error format under /api/ and as plain text elsewhere.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _

from atiende.errors import error_body

API_PREFIX = "/api/"
WRITES = ("POST", "PUT", "PATCH", "DELETE")


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _refuse(request: HttpRequest) -> HttpResponse:
    message = _("Invalid input: text cannot contain the NUL character (U+0000).")
    if request.path.startswith(API_PREFIX) or "json" in (request.content_type or ""):
        # The API, and the JSON the pages' scripts send (the consoles' POSTs), answer in the API's format.
        return JsonResponse(error_body("invalid_input", message), status=400)
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


def _body_has_nul(request: HttpRequest) -> bool:
    content_type = request.content_type or ""
    if "json" in content_type:
        body = request.body
        if b"\x00" in body:
            return True
        if b"\\u0000" in body:  # only then is parsing worth it
            try:
                return _has_nul(json.loads(body))
            except ValueError:
                return False  # malformed JSON: the API answers that itself
        return False
    if content_type == "application/x-www-form-urlencoded":
        return b"\x00" in unquote_to_bytes(request.body.replace(b"+", b" "))
    if content_type == "multipart/form-data" and request.method == "POST":
        try:
            fields = request.POST
        except MultiPartParserError:
            return False  # a damaged form: the view (or the API's error format) answers it, after its own checks
        return any(_has_nul(k) or any(_has_nul(v) for v in values) for k, values in fields.lists())
    return False


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if b"\x00" in unquote_to_bytes(request.META.get("QUERY_STRING", "")) or "\x00" in request.path:
            return _refuse(request)
        if request.method in WRITES and _body_has_nul(request):
            return _refuse(request)
        return self.get_response(request)
