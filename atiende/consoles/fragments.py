"""The console's server-rendered fragments (htmx): the chats panel, a practice chat, the chat composer's checks
and canned answers.

Paths under /consola/ (Spanish), names ``consoles:...`` (English). Thin: the practice room's rules are
``atiende.practice.services``, the checks are ``atiende.consoles.composer``. Every fragment is also a
whole page without JavaScript: a POST without htmx redirects to /consola/ with the chat selected.

The composer's send: ``action=send`` with findings does not send: the findings come back with a "send
anyway" button (``action=send_anyway``), which sends and keeps them with the line (``checked_findings``);
``apply=N`` applies finding N's rewrite; ``action=check`` only checks. A line starting with ``/`` is a
command of the practice room and is not checked.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from atiende.consoles import composer, livechat
from atiende.errors import InputError
from atiende.knowledge.canned import technician_name
from atiende.people.models import User
from atiende.people.roles import TECHNICIANS
from atiende.practice import selectors as practice_selectors
from atiende.practice import services as practice_services
from atiende.practice.models import PracticeSession, SessionStatus, Speaker
from atiende.practice.scenarios import library, scenario_list
from atiende.practices import Refusal
from atiende.training import TYPES
from atiende.web.access import not_found, role_required
from atiende.web.pages import is_htmx

RECENT_PRACTICE = 5  # finished practice chats listed in the panel


def _lang() -> str:
    return get_language() or "es"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _error_text(exc: InputError | Refusal) -> str:
    text = exc.message(_lang()) if isinstance(exc, Refusal) else str(exc.message)
    return f"{text} ({exc.rule})" if exc.rule else text


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


# ---- the chats panel -------------------------------------------------------------------------------

def _practice_chats(user: User) -> dict[str, list[PracticeSession]]:
    mine = PracticeSession.objects.filter(trainee=user, state__channel="chat")
    return {"active": list(mine.filter(status=SessionStatus.ACTIVE).order_by("-started_at", "-pk")[:10]),
            "recent": list(mine.filter(status=SessionStatus.FINISHED)
                           .order_by("-finished_at", "-pk")[:RECENT_PRACTICE])}


def panel_context(request: HttpRequest, *, selected: PracticeSession | None = None,
                  thread: dict[str, Any] | None = None, error: str = "") -> dict[str, Any]:
    """What ``consoles/_chats.html`` needs: the technician's chats, the practice start form, the open thread
    (``?chat=ID`` a live chat, ``?practica=ID`` a practice chat)."""
    user = _user(request)
    live_chats = livechat.my_chats(user)
    chosen_chat = _int(request.GET.get("chat"))
    if selected is None and thread is None and chosen_chat is not None:
        session = livechat.session_or_none(user, chosen_chat)
        if session is not None:
            thread = livechat.live_thread_context(request, session)
    if selected is None and thread is None:
        chosen = _int(request.GET.get("practica"))
        if chosen is not None:
            selected = PracticeSession.objects.filter(trainee=user, pk=chosen).first()
    if selected is not None and thread is None:
        thread = practice_thread_context(request, selected)
    language = _lang()
    return {
        "live_chats": live_chats, "practice": _practice_chats(user), "thread": thread, "panel_error": error,
        "practice_types": [(t, label) for t, label in _type_labels(language)],
        "practice_scenarios": scenario_list(language),
        "practice_assignments": [practice_selectors.assignment_view(a, language) for a in
                                 practice_selectors.visible_assignments(user).filter(technician=user)[:10]],
    }


def _type_labels(language: str) -> list[tuple[str, str]]:
    lib = library()
    return [(t, lib.behaviour(t).label(language)) for t in TYPES]


@require_GET
@role_required(TECHNICIANS)
def chats_panel(request: HttpRequest) -> HttpResponse:
    return render(request, "consoles/_chats.html", panel_context(request))


# ---- a practice chat ------------------------------------------------------------------------------

def _practice_row(request: HttpRequest, pk: int) -> PracticeSession | None:
    """The technician's own practice chat (a supervisor follows practice at /practica/, not in their console)."""
    return PracticeSession.objects.select_related("trainee").filter(pk=pk, trainee=_user(request)).first()


def practice_thread_context(request: HttpRequest, row: PracticeSession,
                            draft: dict[str, Any] | None = None) -> dict[str, Any]:
    language = _lang()
    view = practice_selectors.session_view(row, language)
    reading = composer.reading([t["text"] for t in view["turns"] if t["speaker"] == Speaker.CUSTOMER],
                               language=language)
    active = row.status == SessionStatus.ACTIVE
    draft = draft or {}
    return {
        "kind": "practice", "row": row, "call": view, "result": view["result"], "reading": reading,
        "customer_name": view["scenario"].get("customer", ""),
        "composer": {
            "active": active,
            "action": reverse("consoles:practice_send", args=[row.pk]),
            "body": draft.get("body", ""), "findings": draft.get("findings", []),
            "checked": draft.get("checked", False), "error": draft.get("error", ""),
            "level": reading["knowledge_level"] or "",
            "customer": view["scenario"].get("address_as") or view["scenario"].get("customer", ""),
            "commands": True,
            "end_action": reverse("consoles:practice_send", args=[row.pk]),
        },
    }


def _thread_response(request: HttpRequest, row: PracticeSession, draft: dict[str, Any] | None = None,
                     status: int = 200) -> HttpResponse:
    if not is_htmx(request):
        return redirect(f"{reverse('consoles:console')}?practica={row.pk}#chats")
    return render(request, "consoles/_chat_thread.html", {"thread": practice_thread_context(request, row, draft)},
                  status=status)


@require_POST
@role_required(TECHNICIANS)
def practice_start(request: HttpRequest) -> HttpResponse:
    """A practice chat in the console's composer (issue 19): of a type, a scenario or an assignment."""
    try:
        scenario_id = request.POST.get("scenario") or None
        row = practice_services.start_session(
            user=_user(request), customer_type=None if scenario_id else request.POST.get("type") or None,
            scenario_id=scenario_id, seed=_int(request.POST.get("seed")),
            assignment_id=_int(request.POST.get("assignment")), channel="chat")
    except (InputError, Refusal) as exc:
        if not is_htmx(request):
            return redirect(f"{reverse('consoles:console')}#chats")
        return render(request, "consoles/_chats.html", panel_context(request, error=_error_text(exc)),
                      status=exc.status if isinstance(exc, InputError) else 400)
    if not is_htmx(request):
        return redirect(f"{reverse('consoles:console')}?practica={row.pk}#chats")
    return render(request, "consoles/_chats.html", panel_context(request, selected=row))


@require_GET
@role_required(TECHNICIANS)
def practice_thread(request: HttpRequest, pk: int) -> HttpResponse:
    row = _practice_row(request, pk)
    if row is None:
        return not_found(request, _("There is no practice session %(id)s.") % {"id": pk})
    return _thread_response(request, row)


@require_POST
@role_required(TECHNICIANS)
def practice_send(request: HttpRequest, pk: int) -> HttpResponse:
    """The composer's POST for a practice chat: check, apply a rewrite, send, send anyway, or end the chat."""
    row = _practice_row(request, pk)
    if row is None:
        return not_found(request, _("There is no practice session %(id)s.") % {"id": pk})
    if "end" in request.POST:
        body, found, anyway = "", [], False
    else:
        decided = composer.review(request.POST, language=_lang())
        if decided.show is not None:
            return _thread_response(request, row, decided.show, status=decided.status)
        body, found, anyway = decided.body, decided.findings, decided.anyway
    try:
        row, _new = practice_services.take_turn(
            user=_user(request), session_id=row.pk, text=body,
            checked_findings=composer.findings_summary(found) if anyway else None)
    except (InputError, Refusal) as exc:
        fresh = _practice_row(request, pk) or row
        return _thread_response(request, fresh, {"body": body, "error": _error_text(exc)}, status=exc.status)
    return _thread_response(request, row)


# ---- the composer's live checks and canned answers ---------------------------------------------------

@require_POST
@role_required(TECHNICIANS)
def composer_check(request: HttpRequest) -> HttpResponse:
    """The findings on the draft as it is typed (debounced by the page), for the customer's level."""
    body = request.POST.get("body", "").replace("\r\n", "\n")[:composer.MAX_DRAFT]
    internal = request.POST.get("visibility") == "internal"  # a note for the help desk is not checked
    found = [] if internal else composer.findings(body, level=composer.clean_level(request.POST.get("nivel")),
                                                  language=_lang())
    return render(request, "consoles/_findings.html", {"findings": found, "body": body, "live": True})


@require_GET
@role_required(TECHNICIANS)
def composer_canned(request: HttpRequest) -> HttpResponse:
    """The canned answers matching the search, filled for the chat's customer and checked for their level."""
    user = _user(request)
    query = request.GET.get("q", "")[:200]
    level = composer.clean_level(request.GET.get("nivel"))
    values = {"cliente": request.GET.get("cliente", "")[:120], "tecnico": technician_name(user),
              "numero": request.GET.get("numero", "")[:20]}
    error = ""
    try:
        choices = composer.canned_choices(user, query, level=level, values=values, language=_lang())
    except InputError as exc:
        choices, error = [], str(exc.message)
    # In a live chat «Insertar» also counts the answer as used (livechat.chat_canned_used); a practice chat does not.
    chat = _int(request.GET.get("chat"))
    if chat is not None:
        for choice in choices:
            choice["use_url"] = reverse("consoles:chat_canned_used", args=[chat, choice["id"]])
    return render(request, "consoles/_canned.html", {"choices": choices, "query": query, "error": error})
