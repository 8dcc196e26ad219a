"""The widget's HTTP doors: the script, its settings and strings, starting a chat, leaving a message offline,
sending a screenshot. The conversation itself goes over the websocket (:mod:`atiende.chat.consumers`).

These are called from other sites' pages (CORS): no cookies are sent or read, so there is no CSRF
to check; each call checks the page's origin against the widget's allow-list
(:mod:`atiende.chat.guards`) and answers with ``Access-Control-Allow-Origin`` for that origin only.
The chat is then known by the secret token :func:`start` returned (``Authorization: Bearer``).
Errors are the API's JSON (``{"error": {"code", "message", "rule"}}``) in the widget's language
(``?lang=es|en``), never a 500 for bad input.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache, wraps
from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from atiende.chat import guards
from atiende.chat.core import TEXT_LIMIT
from atiende.chat.selectors import availability, session_for_token, widget_for_key
from atiende.chat.services import customer_writes, leave_message, open_chat
from atiende.chat.services.callback import ask_for_callback
from atiende.contact.selectors import policy_for
from atiende.errors import InputError, error_body
from atiende.practices import Refusal
from atiende.privacy.uploads import max_bytes

WIDGET_JS = Path(__file__).resolve().parent / "static" / "chat" / "widget.js"
LANGUAGES = ("es", "en")
BODY_LIMIT = 64 * 1024  # a start call or an offline message: a name, an address and one message


@cache
def _widget_source() -> bytes:
    return WIDGET_JS.read_bytes()


def widget_js(request: HttpRequest) -> HttpResponse:
    """``/chat/widget.js``: the script a customer's site embeds; cached for five minutes by browsers and proxies."""
    response = HttpResponse(_widget_source(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"  # other sites' pages load it
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _language(request: HttpRequest) -> str:
    asked = request.GET.get("lang") or ""
    if asked[:2] in LANGUAGES:
        return asked[:2]
    header = request.headers.get("Accept-Language", "")
    return "en" if header.lower().startswith("en") else "es"


def _cors(response: HttpResponse, origin: str | None) -> HttpResponse:
    response["Vary"] = "Origin"
    if origin:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Content-Type, Authorization, Accept, Accept-Language"
        response["Access-Control-Max-Age"] = "600"
    response["Cache-Control"] = "no-store"
    return response


def _refused(error: InputError | Refusal, language: str) -> JsonResponse:
    message = error.message(language) if isinstance(error, Refusal) else error.message
    extra: dict[str, Any] = {}
    retry_after = getattr(error, "retry_after", None)
    if retry_after:
        extra["retry_after"] = retry_after
    if getattr(error, "field", None):
        extra["field"] = error.field  # type: ignore[union-attr]
    response = JsonResponse(error_body(error.code, message, error.rule, **extra), status=error.status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def _own(request: HttpRequest) -> list[str]:
    return guards.own_origins(f"{request.scheme}://{request.get_host()}")


def widget_door(view: Callable[..., dict[str, Any]]) -> Callable[..., HttpResponse]:
    """A cross-site door: preflight, the widget's language, its origin check, errors as JSON; the view returns
    a dict (200) or raises. The ``Access-Control-Allow-Origin`` is sent only to an allowed page."""

    @csrf_exempt
    @wraps(view)
    def door(request: HttpRequest, key: str) -> HttpResponse:
        language = _language(request)
        origin = request.headers.get("Origin")
        with translation.override(language):
            try:
                widget = _widget(key)
                guards.check_origin(widget.allowed_origins or [], origin, own=_own(request))
            except (InputError, Refusal) as error:
                return _cors(_refused(error, language), None)
            if request.method == "OPTIONS":
                return _cors(HttpResponse(status=204), origin)
            try:
                body = view(request, widget, language=language, origin=origin)
            except (InputError, Refusal) as error:
                return _cors(_refused(error, language), origin)
            return _cors(JsonResponse(body), origin)

    return door


def _widget(key: str) -> Any:
    return widget_for_key(key)


def _json_body(request: HttpRequest, allowed: tuple[str, ...]) -> dict[str, Any]:
    if request.method != "POST":
        raise InputError("method_not_allowed", _("Use POST."), status=405)
    if len(request.body) > BODY_LIMIT:
        raise InputError("too_large", _("The request is too large."), status=413)
    try:
        content = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise InputError("bad_json", _("The body must be a JSON object.")) from None
    if not isinstance(content, dict):
        raise InputError("bad_json", _("The body must be a JSON object."))
    unknown = sorted(set(content) - set(allowed))
    if unknown:
        raise InputError("unknown_field", _("Unknown fields: %(fields)s.") % {"fields": ", ".join(unknown)},
                         field=unknown[0])
    return content


def _address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _rate(name: str, key: str) -> None:
    wait = guards.LIMITS.take(name, key)
    if wait:
        raise guards.too_many(wait)


def strings() -> dict[str, str]:
    """Everything the widget writes, in the active language (the catalogue is the project's: locale/)."""
    return {
        "launcher": _("Chat with us"), "minimise": _("Minimise"), "minimise_label": _("Minimise the chat"),
        "end": _("End chat"), "end_confirm": _("End this chat?"), "intro": _("Tell us your name and what you need; a "
        "technician will answer here."), "name": _("Your name"), "email_optional": _("Email (optional)"),
        "email_hint": _("To receive the conversation when it ends."), "email": _("Email"),
        "first_message": _("How can we help?"), "start": _("Start chat"), "name_required": _("Tell us your name."),
        "email_required": _("Give your email address so that we can answer you."),
        "text_required": _("Write a message."), "offline": _("Nobody can chat right now."),
        "offline_intro": _("Leave us a message and we will answer by email."),
        "offline_closed": _("The chat is closed now; please try again later."),
        "leave_message": _("Your message"), "leave_send": _("Send message"),
        "waiting": _("Waiting for a technician…"), "wait_now": _("A technician will be with you in a moment."),
        "wait_minutes": _("Estimated wait: about %(minutes)s min."), "connecting": _("Connecting…"),
        "connected": _("Connected."), "reconnecting": _("Connection lost; reconnecting…"),
        "with_technician": _("You are chatting with %(name)s."), "technician": _("Technician"), "you": _("You"),
        "typing": _("%(name)s is typing…"), "conversation": _("Conversation"), "your_message": _("Your message"),
        "write_here": _("Write here…"), "send": _("Send"), "attach": _("Attach a screenshot"),
        "attached": _("File: %(name)s"), "uploading": _("Sending the file…"),
        "file_too_large": _("The file is larger than %(limit)s MB."), "sending": _("Sending…"), "sent": _("Sent"),
        "read": _("Read"), "too_long": _("A message has at most %(limit)s characters."),
        "ended": _("The chat has ended."), "ended_thanks": _("Thank you for contacting us."),
        "transcript_to": _("We will send the conversation to %(email)s."), "survey": _("Rate our service"),
        "session_gone": _("This chat is no longer available."), "transfer_title": _("A transfer is proposed"),
        "yes": _("Yes"), "no": _("No"), "error": _("Something went wrong; please try again."),
        "retry_in": _("Try again in %(seconds)s s."),
        # «Llámenme» (PT-2): a call-back in a window, online or not.
        "callback_offer": _("Would you rather talk on the phone?"), "callback_open": _("Call me"),
        "callback_intro": _("Leave your phone number and when we may call you: a technician will call you in that "
                            "window, and you will see it as a commitment on your request."),
        "callback_phone": _("Phone to call you at"), "callback_phone_hint": _("With its country code, e.g. +34 600 111 "
                                                                              "222."),
        "callback_day": _("Day"), "callback_from": _("From"), "callback_until": _("Until"),
        "callback_when_hint": _("Leave the day and times empty to be called within the next two hours."),
        "callback_note": _("What it is about (optional)"),
        "callback_consent": _("I agree to be called at this number about my request."),
        "callback_send": _("Call me"), "callback_back": _("Back"),
        "callback_phone_required": _("Give the phone number we should call."),
        "callback_consent_required": _("Tick that we may call you at this number."),
    }


@widget_door
def widget_config(request: HttpRequest, widget: Any, *, language: str, origin: str | None) -> dict[str, Any]:
    """``GET /chat/w/KEY/``: the widget's title, whether someone can take a chat now and the wait, its limits
    and strings."""

    state = availability(widget)
    return {"key": widget.key, "name": widget.name, "language": language, "available": state.online,
            "reason": state.reason, "wait_seconds": state.estimated_wait_seconds, "waiting": state.waiting,
            "offline": widget.offline_behaviour, "limits": {"text": TEXT_LIMIT, "upload_bytes": max_bytes()},
            # «Llámenme» is offered when the widget's queue takes call-backs (its policy's callback_max_attempts).
            "callback": policy_for(widget.queue, None).callback_max_attempts > 0,
            "strings": strings()}


@widget_door
def start(request: HttpRequest, widget: Any, *, language: str, origin: str | None) -> dict[str, Any]:
    """``POST /chat/w/KEY/start`` ``{"name", "email"?, "text"?, "language"?}``: the chat, its secret token
    (kept by the widget for this tab only) and the websocket to join with it."""

    content = _json_body(request, ("name", "email", "text", "language"))
    _rate("ATIENDE_CHAT_STARTS", _address(request))
    opened = open_chat(widget_key=widget.key, name=content.get("name"), email=content.get("email") or "",
                       language=content.get("language") or language, message=content.get("text") or "",
                       origin=origin)
    state = availability(widget)
    return {"chat": opened.session.pk, "token": opened.token, "socket": "/ws/chat/",
            "state": opened.session.state, "wait_seconds": state.estimated_wait_seconds}


@widget_door
def offline(request: HttpRequest, widget: Any, *, language: str, origin: str | None) -> dict[str, Any]:
    """``POST /chat/w/KEY/offline`` ``{"name", "email", "text"}``: nobody can chat; the message becomes a request
    answered by email (CH-VIR)."""

    content = _json_body(request, ("name", "email", "text", "language"))
    _rate("ATIENDE_CHAT_STARTS", _address(request))
    work_order = leave_message(widget_key=widget.key, name=content.get("name"), email=content.get("email"),
                               body=content.get("text"), language=content.get("language") or language,
                               origin=origin)
    return {"work_order": work_order.number,
            "message": _("Thank you. Your request is number %(number)s; we will answer you by email.")
            % {"number": work_order.number}}


@widget_door
def callback(request: HttpRequest, widget: Any, *, language: str, origin: str | None) -> dict[str, Any]:
    """``POST /chat/w/KEY/callback`` ``{"name", "phone", "consent": true, "day"?, "from"?, "until"?, "email"?,
    "note"?}``: «Llámenme» (PT-2), online or not: a call-back in the widget's queue within the window (the day
    and times in the contact center's time zone; none: the next two hours), with its commitment on a new request
    (atiende/chat/services/callback.py)."""

    content = _json_body(request, ("name", "phone", "consent", "day", "from", "until", "email", "note", "language"))
    _rate("ATIENDE_CHAT_STARTS", _address(request))
    asked = ask_for_callback(widget_key=widget.key, name=content.get("name"), phone=content.get("phone"),
                             consent=content.get("consent"), day=content.get("day"), start=content.get("from"),
                             end=content.get("until"), email=content.get("email") or "", note=content.get("note"),
                             language=content.get("language") or language, origin=origin)
    found = asked.callback
    opens, closes = timezone.localtime(found.window_start), timezone.localtime(found.window_end)
    promise = _("We will call you at %(number)s between %(start)s and %(end)s. Your request is number %(order)s.") % {
        "number": found.number, "start": opens.strftime("%d/%m %H:%M"), "end": closes.strftime("%H:%M"),
        "order": asked.work_order.number}
    return {"callback": found.pk, "status": found.status, "number": found.number,
            "window_start": found.window_start.isoformat(), "window_end": found.window_end.isoformat(),
            "work_order": asked.work_order.number,
            "commitment": found.commitment.description if found.commitment_id else None, "message": promise}


@widget_door
def attachment(request: HttpRequest, widget: Any, *, language: str, origin: str | None) -> dict[str, Any]:
    """``POST /chat/w/KEY/attachment`` (multipart ``file``, ``Authorization: Bearer TOKEN``): a screenshot in the
    chat, through the uploads' checks (size, type proven by the content)."""

    if request.method != "POST":
        raise InputError("method_not_allowed", _("Use POST."), status=405)
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    session = session_for_token(token.strip() if scheme.lower() == "bearer" else "")
    if session.widget_id != widget.pk:
        raise InputError("unknown_chat", _("This chat does not exist or has expired."), status=404)
    _rate("ATIENDE_CHAT_MESSAGES", f"session:{session.pk}")
    upload = request.FILES.get("file")
    if upload is None:
        raise InputError("required", _("Choose a file to send."), field="file")
    message = customer_writes(session=session, body="", attachments=[(upload.name, upload)])
    return {"seq": message.pk, "files": [a.filename for a in message.attachments.all()]}
