"""The generic CTI protocol (Zammad-compatible): ``POST /api/v1/cti/generic/<token>``.

PBX connectors written for that protocol post ``newCall``, ``answer`` and
``hangup`` form-encoded or as JSON; the token in the path is the
authentication (a telephony token, ``atiende token create --cti NAME``). The
body of each reply is what the protocol allows (``{}``, or a reject for a
blocked caller); Atiende's decision travels in ``X-Atiende-*`` headers, and in
the body under ``"atiende"`` when the URL asks for it with ``?atiende=1``.
See docs/cti.md, "Connecting an existing PBX integration".
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Router

from atiende.api.errors import error_body
from atiende.errors import InputError
from atiende.people.models import ApiToken
from atiende.practices import Refusal
from atiende.telephony import generic

PREFIX = "cti/generic"
router = Router(tags=["telephony (generic CTI, Zammad-compatible)"])

_FIELDS = {
    "event": {"type": "string", "enum": list(generic.EVENTS)},
    "from": {"type": "string", "maxLength": 80},
    "to": {"type": "string", "maxLength": 80},
    "direction": {"type": "string", "enum": list(generic.DIRECTIONS)},
    "callId": {"type": "string", "maxLength": generic.MAX_CALL_ID},
    "user[]": {"type": "array", "items": {"type": "string"}},
    "queue": {"type": "string", "maxLength": 60},
    "cause": {"type": "string", "enum": list(generic.CAUSES)},
    "answeringNumber": {"type": "string", "maxLength": 150},
}
_JSON_FIELDS = {**{k: v for k, v in _FIELDS.items() if k != "user[]"},
                "user": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}}
_OPENAPI = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {"type": "object", "required": ["event", "callId"], "properties": _FIELDS}},
            "application/json": {
                "schema": {"type": "object", "required": ["event", "callId"], "properties": _JSON_FIELDS}},
        },
    },
}


class _BadBody(Exception):
    pass


def _fields(request: HttpRequest) -> dict[str, Any]:
    """The event's fields: a JSON object, or form fields (each a list: ``user[]`` repeats)."""
    content_type = request.content_type or ""
    # A form body is never read raw: the privacy middleware may have parsed it already (its stream is spent).
    if "json" in content_type or ("form" not in content_type and request.body[:1] == b"{"):
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise _BadBody(_("The body is not valid JSON.")) from None
        if not isinstance(data, dict):
            raise _BadBody(_("The body must be a JSON object with the event's fields."))
        return data
    try:
        form = request.POST
    except Exception:  # a malformed multipart body: Django raises several kinds
        raise _BadBody(_("The body could not be read as form fields.")) from None
    return {key: form.getlist(key) for key in form}


def _error(request: HttpRequest, status: int, code: str, message: str, rule: str | None = None,
           **extra: Any) -> HttpResponse:
    from atiende.api import api  # cycle-ok: the API object imports this router to mount it

    return api.create_response(request, error_body(code, message, rule, **extra), status=status)


def _header(value: Any) -> str:
    # Headers are Latin-1: keep ASCII so no PBX chokes on a name with accents.
    return str(value).encode("ascii", "replace").decode()


@router.post(
    "/{token}", auth=None, openapi_extra=_OPENAPI,
    summary="Generic CTI event (Zammad-compatible): newCall, answer, hangup; the token in the path authenticates",
)
def generic_event(request: HttpRequest, token: str, atiende: bool = False) -> HttpResponse:
    from atiende.api import api  # cycle-ok: the API object imports this router to mount it

    found = ApiToken.authenticate(token, kind="cti") if 0 < len(token) <= 200 else None
    if found is None:
        return _error(request, 401, "invalid_token", _("Unknown, expired or revoked telephony token."), "CH-TEL")
    try:
        event = generic.parse_event(_fields(request))
        reply = generic.handle_event(event=event, token=found)
    except _BadBody as exc:
        return _error(request, 400, "invalid_body", str(exc), "CH-TEL")
    except InputError as exc:
        extra = {"field": exc.field} if exc.field else {}
        return _error(request, exc.status, exc.code, str(exc.message), exc.rule, **extra)
    except Refusal as exc:
        return _error(request, exc.status, exc.code, exc.message(get_language() or "es"), exc.rule)
    body = dict(reply.body)
    if atiende:
        body["atiende"] = reply.atiende  # Atiende's addition, asked for: protocol clients never see it
    response = api.create_response(request, body, status=200)
    additions = reply.atiende
    technician = additions.get("technician") or {}
    response["X-Atiende-Action"] = _header(additions.get("action", "none"))
    for header, value in (("X-Atiende-Contact", additions.get("contact")),
                          ("X-Atiende-State", additions.get("state")),
                          ("X-Atiende-Outcome", additions.get("outcome")),
                          ("X-Atiende-Extension", technician.get("extension")),
                          ("X-Atiende-Technician", technician.get("username"))):
        if value not in (None, ""):
            response[header] = _header(value)
    error = additions.get("error") or {}
    if error:
        response["X-Atiende-Error"] = _header(error["code"])  # an event kept but not acted on, and why
    if reply.repeat:
        response["X-Atiende-Repeat"] = "true"
    return response
