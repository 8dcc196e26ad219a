"""Every error under /api/ in the API's JSON format, whoever produced it (issue 22, item 11).

The API's own refusals already come as ``{"error": {"code", "message", "rule"}}`` (``atiende.api.errors``).
Django itself answers some requests before, around or instead of the API's views, with an HTML page: a
body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE``, more than ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` fields, an
unknown address, a refused CSRF check, an unexpected crash. A client of the API cannot read those pages.
:class:`ApiErrorsAsJsonMiddleware`, the outermost middleware, turns any such answer under /api/ into the
JSON error with the same status, in the requester's language. The CSRF refusal has its own view
(``CSRF_FAILURE_VIEW``) so that its message says what to send.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import DataError
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

from atiende.api.errors import csrf_message_for, out_of_range_body
from atiende.errors import error_body

API_PREFIX = "/api/"


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def _code_and_message(request: HttpRequest, status: int) -> tuple[str, str]:
    if status == 400 and int(request.META.get("CONTENT_LENGTH") or 0) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        status = 413
    if status == 400:
        return "bad_request", _("The request is malformed: its body could not be read, or it has more than "
                                "%(fields)d fields.") % {"fields": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}
    if status == 404:
        return "not_found", _("There is nothing at this address of the API; see /api/v1/docs.")
    if status == 403:
        return "forbidden", _("You may not do this.")
    if status == 405:
        return "method_not_allowed", _("This address of the API does not accept this method.")
    if status == 413:
        return "request_too_large", _("The request is too large: a JSON or form body may have at most "
                                      "%(bytes)d bytes.") % {"bytes": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
    if status >= 500:
        return "server_error", _("Something went wrong on the server; the error was logged. Try again later.")
    return "error", _("The request could not be carried out.")


def json_error_for(request: HttpRequest, status: int) -> JsonResponse:
    with translation.override(translation.get_language_from_request(request)):
        code, message = _code_and_message(request, status)
        if status == 400 and code == "request_too_large":
            status = 413
        return JsonResponse(error_body(code, message), status=status)


class ApiErrorsAsJsonMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # A number no column can hold (SQLite's OverflowError: an id past 64 bits in a page's address or form)
        # or a value PostgreSQL refuses (DataError) is bad input on every address, never a 500 (item 4).
        if not isinstance(exception, OverflowError | DataError):
            return None
        if _is_api(request):
            return JsonResponse(out_of_range_body(), status=422)
        return HttpResponseNotFound(_("There is nothing here: a number in the address or the form is out of "
                                      "range."), content_type="text/plain; charset=utf-8")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (response.status_code >= 400 and _is_api(request)
                and not response.get("Content-Type", "").startswith("application/json")):
            converted = json_error_for(request, response.status_code)
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    converted[header] = response[header]
            return converted
        return response


def _wants_json(request: HttpRequest) -> bool:
    """A script's request: htmx, or one whose Accept header puts JSON before HTML (live.js, the widget)."""
    if request.headers.get("HX-Request") == "true":
        return True
    accept = request.headers.get("Accept", "")
    json_at, html_at = accept.find("application/json"), accept.find("text/html")
    return json_at >= 0 and (html_at < 0 or json_at < html_at)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: the API's JSON error under /api/ saying what to send. A page's request fails it when
    the page outlived its token (signed in or out in another tab, a session that ended): the person is told to
    reload, never shown Django's page for developers. A script's request (htmx, a fetch asking for JSON) gets
    the error as JSON, which web/swaps.js and consoles/live.js show; a plain form gets the error page."""
    if _is_api(request):
        with translation.override(translation.get_language_from_request(request)):
            return JsonResponse(error_body("csrf_failed", csrf_message_for(request)), status=403)
    message = csrf_message_for(request)
    if _wants_json(request):
        return JsonResponse(error_body("csrf_failed", message), status=403)
    return render(request, "web/error.html", {"status": 403, "message": message, "rule": None}, status=403)
