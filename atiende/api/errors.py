"""The API's one error format: ``{"error": {"code", "message", "rule"}}`` with a 4xx status.

Messages follow the request's language (Accept-Language, Spanish by default).
"""

from __future__ import annotations

from typing import Any

from django.db import DataError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.request import RawPostDataException
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from atiende.errors import InputError, error_body
from atiende.practices import Refusal


class ApiError(Exception):
    """Raise from an endpoint for a 4xx with a code, a translated message and maybe a rule."""

    def __init__(self, status: int, code: str, message: str, rule: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.rule = rule


def out_of_range_body() -> dict[str, Any]:
    return error_body("invalid_input", _("Invalid input: a number is out of range or a value is too long "
                                         "for its field."))


def csrf_message() -> str:
    return _("CSRF check failed: with the session cookie, send the X-CSRFToken header (the csrftoken "
             "cookie's value), or authenticate with a bearer token instead.")


def csrf_message_for(request: HttpRequest) -> str:
    """What a refused CSRF check tells whoever sent the request. A client of /api/ is told what to send; a
    page's own script (htmx, the consoles' JSON beside their pages, any fetch asking for JSON) sends the token
    it was given, so its refusal means the page outlived its session: the person is told to reload."""
    if request.path.startswith("/api/"):
        return csrf_message()
    return _("The session has expired; reload the page.")


def api_not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Anything under /api/v1/ that no router serves gets the API's error format, not an HTML page."""
    body = error_body("not_found", _("There is no API endpoint at %(path)s.") % {"path": request.path})
    return JsonResponse(body, status=404)


def _describe_validation(errors: list[dict[str, Any]]) -> str:
    parts = []
    for err in errors[:5]:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "payload", "query", "path")]
        field = ".".join(loc) or _("request")
        parts.append(f"{field}: {err.get('msg', '')}")
    return "; ".join(parts)


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ApiError)
    def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return api.create_response(request, error_body(exc.code, exc.message, exc.rule), status=exc.status)

    @api.exception_handler(InputError)
    def _input_error(request: HttpRequest, exc: InputError) -> HttpResponse:
        extra = {"field": exc.field} if exc.field else {}
        body = error_body(exc.code, str(exc.message), exc.rule, **extra)
        return api.create_response(request, body, status=exc.status)

    @api.exception_handler(Refusal)
    def _refusal(request: HttpRequest, exc: Refusal) -> HttpResponse:
        message = exc.message(get_language() or "es")
        return api.create_response(request, error_body(exc.code, message, exc.rule), status=exc.status)

    @api.exception_handler(ValidationError)
    def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        message = _("Invalid input: %(details)s") % {"details": _describe_validation(exc.errors)}
        body = error_body("invalid_input", message, None, details=exc.errors)
        return api.create_response(request, body, status=422)

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        body = error_body("not_authenticated", _("Sign in or send a valid bearer token."))
        return api.create_response(request, body, status=401)

    @api.exception_handler(OverflowError)
    @api.exception_handler(DataError)
    def _out_of_range(request: HttpRequest, exc: Exception) -> HttpResponse:
        # Issue 22: a number no column can hold (an id past 64 bits: SQLite's OverflowError) or a value the
        # database refuses (PostgreSQL's DataError: out of range, too long) is the sender's bad input, never
        # a 500. Ids are bounded where they are declared (atiende.api.ids.Id); this catches what is not.
        return api.create_response(request, out_of_range_body(), status=422)

    @api.exception_handler(RawPostDataException)
    def _not_json(request: HttpRequest, exc: RawPostDataException) -> HttpResponse:
        # A multipart form sent to an operation that takes JSON: the form was read (the NUL check reads every
        # multipart form's fields), so its raw body is gone; the sender's mistake, said as such, never a 500.
        body = error_body("unsupported_media_type", _("This operation takes a JSON body: send it with "
                                                      "Content-Type: application/json."))
        return api.create_response(request, body, status=415)

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 403 and "csrf" in str(exc).lower():  # django-ninja's own check for session auth
            return api.create_response(request, error_body("csrf_failed", csrf_message_for(request)), status=403)
        code = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
                409: "conflict"}.get(exc.status_code, "error")
        return api.create_response(request, error_body(code, str(exc)), status=exc.status_code)
