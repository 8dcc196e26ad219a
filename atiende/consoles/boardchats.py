"""The wallboard's «Chats» card (issue 17, PO-5): the live chats of the supervisor's queues, each one joined,
coached or taken over from the page, its conversation read there, a coach's word written to the technician
(never to the customer) and, once joined or taken over, a line to the customer.

Server-rendered fragments (htmx), like the call-backs card: ``GET /panel/chats/`` (the list, refreshed every
15 s), ``GET /panel/chats/<id>/`` (one chat: its log refreshed every 5 s through ``/panel/chats/<id>/log/``,
so a word being typed is never wiped), ``POST /panel/chats/<id>/accion/`` (``do=join|coach|take_over`` joins
in that mode; ``do=whisper`` with ``body`` coaches; ``do=write`` with ``body`` writes to the customer). Every
action is the chat services' (``supervisor_joins``, ``coach``, ``technician_writes``): the same rules as
``/api/v1/chats`` (PO-5: supervisors only, join before coaching; ET-4: another team's chat is a 404).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from atiende.chat import selectors as chat_selectors
from atiende.chat import services as chat_services
from atiende.chat.models import ChatSession
from atiende.contact.models import IN_CONVERSATION, ContactEvent
from atiende.desk.models import MessageDirection, Visibility
from atiende.engine import EventKind
from atiende.errors import InputError
from atiende.people.models import User
from atiende.people.roles import MANAGERS
from atiende.practices import Refusal
from atiende.web.access import not_found, role_required

MODES = ("join", "coach", "take_over")


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _error_text(exc: InputError | Refusal) -> str:
    text = exc.message(get_language() or "es") if isinstance(exc, Refusal) else str(exc.message)
    return f"{text} ({exc.rule})" if exc.rule else text


def _mode(user: User, session: ChatSession) -> str:
    """How this supervisor is on the chat: ``take_over`` (it is theirs), ``join``, ``coach``, or "" (not on it)."""
    contact = session.contact
    if contact.assignee_id == user.pk:
        return "take_over"
    if user.pk not in ((contact.data or {}).get("supervisors") or []):
        return ""
    joined = (ContactEvent.objects.filter(contact=contact, kind=EventKind.SUPERVISOR_JOINED, data__supervisor=user.pk)
              .order_by("-id").values_list("data", flat=True).first()) or {}
    return str(joined.get("mode") or "join")


def live_chats(user: User) -> list[ChatSession]:
    """The chats in conversation this supervisor may see (ET-4: their queues'; an administrator: all)."""
    return list(chat_selectors.chats_in_scope(user).filter(contact__state__in=IN_CONVERSATION)
                .select_related("contact__assignee").order_by("created_at", "id")[:50])


@require_GET
@role_required(MANAGERS)
def board_chats(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    rows = [{"chat": s, "mode": _mode(user, s)} for s in live_chats(user)]
    return render(request, "consoles/_board_chats.html", {"rows": rows})


def _session(request: HttpRequest, pk: int) -> ChatSession | None:
    try:
        return chat_selectors.session_in_scope(_user(request), pk)
    except InputError:
        return None


def _turns(session: ChatSession) -> list[dict[str, Any]]:
    return [{"customer": m.direction == MessageDirection.INBOUND, "internal": m.visibility == Visibility.INTERNAL,
             "name": m.sender_name, "text": m.body, "id": m.pk} for m in chat_selectors.staff_messages(session)]


def _thread(request: HttpRequest, session: ChatSession, *, error: str = "", draft: str = "",
            status: int = 200) -> HttpResponse:
    user = _user(request)
    mode = _mode(user, session)
    return render(request, "consoles/_board_chat.html", {
        "chat": session, "turns": _turns(session), "mode": mode, "error": error, "draft": draft,
        "live": session.contact.state in IN_CONVERSATION,
        # Not on the chat: any mode; joined or coaching: they may still take it over; theirs: nothing to add.
        "modes": list(MODES) if not mode else (["take_over"] if mode != "take_over" else []),
        "action_url": reverse("consoles:board_chat_action", args=[session.pk]),
        "log_url": reverse("consoles:board_chat_log", args=[session.pk]),
    }, status=status)


@require_GET
@role_required(MANAGERS)
def board_chat(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    if session is None:
        return not_found(request, _("There is no chat %(id)s.") % {"id": pk})
    return _thread(request, session)


@require_GET
@role_required(MANAGERS)
def board_chat_log(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    if session is None:
        return not_found(request, _("There is no chat %(id)s.") % {"id": pk})
    return render(request, "consoles/_board_chat_log.html", {"chat": session, "turns": _turns(session)})


@require_POST
@role_required(MANAGERS)
def board_chat_action(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    session = _session(request, pk)
    if session is None:
        return not_found(request, _("There is no chat %(id)s.") % {"id": pk})
    do = request.POST.get("do", "")
    body = request.POST.get("body", "")
    try:
        if do in MODES:
            chat_services.supervisor_joins(user=user, chat_id=session.pk, mode=do)
        elif do == "whisper":
            chat_services.coach(user=user, chat_id=session.pk, body=body)
        elif do == "write":
            chat_services.technician_writes(user=user, chat_id=session.pk, body=body)
        else:
            raise InputError("unknown_action", _("Unknown chat action: %(do)s.") % {"do": do[:40]}, field="do")
    except (InputError, Refusal) as exc:
        fresh = _session(request, pk) or session
        return _thread(request, fresh, error=_error_text(exc), draft=body, status=exc.status)
    return _thread(request, _session(request, pk) or session)
