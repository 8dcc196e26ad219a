"""Live chats in the console's «Chats» card (issue 17, the technician's side): the chat's messages, the composer,
and the chat's buttons (accept an offered chat, decline, transfer with the customer asked, accept or decline a
transfer offered to me, escalate, end, finish the wrap-up).

Thin: every action is the chat services' (``atiende.chat.services``: the same engine, rules and refusals as the
API ``/api/v1/chats``); reads are ``atiende.chat.selectors`` (ET-4: a chat the user may not see is a 404).
A public reply is checked by the composer as it is typed (``consoles.composer``) and, when sent, by the desk's
``post_message``, which keeps the findings with the message (``checked_findings``), sent anyway or not;
an internal note is for the help desk only and is not checked.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from atiende.chat import selectors as chat_selectors
from atiende.chat import services as chat_services
from atiende.chat.models import ChatSession
from atiende.consoles import composer
from atiende.contact.models import IN_CONVERSATION, ContactState
from atiende.desk.models import MessageDirection, Visibility
from atiende.errors import InputError
from atiende.knowledge import canned
from atiende.people.models import User
from atiende.people.roles import TECHNICIANS
from atiende.practices import Refusal
from atiende.web.access import not_found, role_required
from atiende.web.pages import is_htmx

ACTIONS = ("accept", "decline", "end", "escalate", "transfer", "link", "accept_transfer", "decline_transfer",
           "wrap_up")


def _lang() -> str:
    return get_language() or "es"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _error_text(exc: InputError | Refusal) -> str:
    text = exc.message(_lang()) if isinstance(exc, Refusal) else str(exc.message)
    return f"{text} ({exc.rule})" if exc.rule else text


def my_chats(user: User) -> list[dict[str, Any]]:
    """The chats on the technician's console (offered, in conversation, in wrap-up, a transfer for them)."""
    return [{"id": s.pk, "customer": s.customer_name, "state": s.contact.state,
             "label": s.contact.get_state_display(), "work_order": s.work_order.number}
            for s in chat_selectors.my_chats(user)]


def _buttons(user: User, session: ChatSession) -> list[str]:
    contact = session.contact
    transfer = (contact.data or {}).get("transfer") or {}
    mine = contact.assignee_id == user.pk
    if contact.state == ContactState.OFFERED and contact.offered_to_id == user.pk:
        return ["accept", "decline"]
    if contact.state == ContactState.TRANSFER_PENDING and transfer.get("to_technician") == user.pk:
        return ["accept_transfer", "decline_transfer"]
    if contact.state == ContactState.TRANSFER_PENDING and mine:
        return ["decline_transfer", "escalate"]
    if contact.state in IN_CONVERSATION and mine:
        return ["transfer", "link", "escalate", "end"]
    if contact.state == ContactState.WRAP_UP and mine:
        return ["wrap_up"]
    return []


def live_thread_context(request: HttpRequest, session: ChatSession,
                        draft: dict[str, Any] | None = None) -> dict[str, Any]:
    user = _user(request)
    language = _lang()
    rows = list(chat_selectors.staff_messages(session))
    read_by_customer = session.customer_read_id or 0
    turns: list[dict[str, Any]] = [{"speaker": "cliente" if m.direction == MessageDirection.INBOUND else "tecnico",
              "id": m.pk, "read": m.direction != MessageDirection.INBOUND and m.visibility == Visibility.PUBLIC
              and m.pk <= read_by_customer,
              "internal": m.visibility == Visibility.INTERNAL, "text": m.body,
              "name": m.sender_name, "mine": m.author_id == user.pk,
              "checked_findings": m.checked_findings or [], "at": m.created_at} for m in rows]
    reading = composer.reading([t["text"] for t in turns if t["speaker"] == "cliente" and not t["internal"]],
                               language=language)
    level = session.work_order.knowledge_level or reading["knowledge_level"] or ""
    buttons = _buttons(user, session)
    draft = draft or {}
    writes = session.contact.state in IN_CONVERSATION and session.contact.assignee_id == user.pk
    return {
        "kind": "live", "chat": session, "turns": turns, "reading": reading, "buttons": buttons,
        "customer_name": session.customer_name, "state_label": session.contact.get_state_display(),
        "transfer": (session.contact.data or {}).get("transfer") or session.pending_transfer or None,
        "action_url": reverse("consoles:chat_action", args=[session.pk]),
        "composer": {
            "active": writes, "action": reverse("consoles:chat_send", args=[session.pk]),
            "body": draft.get("body", ""), "findings": draft.get("findings", []),
            "checked": draft.get("checked", False), "error": draft.get("error", ""),
            "level": level, "customer": session.customer_name, "commands": False, "notes": True,
            "internal": draft.get("internal", False), "number": session.work_order.number, "chat": session.pk,
        },
        "error": draft.get("action_error", ""),
        # Read marks and typing (consoles/chatlive.js over /ws/chat/tecnico/): the last message of the customer
        # and how far this console's technician has read; the last message of the chat to subscribe after.
        "last_customer_id": max((t["id"] for t in turns if t["speaker"] == "cliente"), default=0),
        "technician_read_id": session.technician_read_id or 0,
        "last_id": max((t["id"] for t in turns), default=0),
        "me": user.pk,  # a line's frame names its author's account: "You" on this console's own lines
    }


def session_or_none(user: User, chat_id: int) -> ChatSession | None:
    """The chat if this user may see it (ET-4), else None."""
    try:
        return chat_selectors.session_in_scope(user, chat_id)
    except InputError:
        return None


def _session(request: HttpRequest, chat_id: int) -> ChatSession | None:
    return session_or_none(_user(request), chat_id)


def _thread_response(request: HttpRequest, session: ChatSession, draft: dict[str, Any] | None = None,
                     status: int = 200) -> HttpResponse:
    if not is_htmx(request):
        return redirect(f"{reverse('consoles:console')}?chat={session.pk}#chats")
    fresh = _session(request, session.pk) or session
    return render(request, "consoles/_chat_thread.html", {"thread": live_thread_context(request, fresh, draft)},
                  status=status)


@require_GET
@role_required(TECHNICIANS)
def chat_thread(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    if session is None:
        return not_found(request, _("There is no chat %(id)s.") % {"id": pk})
    return _thread_response(request, session)


@require_POST
@role_required(TECHNICIANS)
def chat_send(request: HttpRequest, pk: int) -> HttpResponse:
    """The composer's POST for a live chat: check, apply a rewrite, send (held back once when the assistant has
    findings), send anyway; or an internal note (``visibility=internal``: not checked, never to the customer)."""
    session = _session(request, pk)
    if session is None:
        return not_found(request, _("There is no chat %(id)s.") % {"id": pk})
    internal = request.POST.get("visibility") == "internal"
    decided = composer.review(request.POST, checked=not internal, name=session.customer_name, language=_lang())
    if decided.show is not None:
        return _thread_response(request, session, {**decided.show, "internal": internal}, status=decided.status)
    body = decided.body
    draft: dict[str, Any] = {"body": body, "internal": internal}
    try:
        chat_services.technician_writes(user=_user(request), chat_id=session.pk, body=body, internal=internal)
    except (InputError, Refusal) as exc:
        return _thread_response(request, session, {**draft, "error": _error_text(exc)}, status=exc.status)
    return _thread_response(request, session)


@require_POST
@role_required(TECHNICIANS)
def chat_canned_used(request: HttpRequest, pk: int, answer: int) -> HttpResponse:
    """«Insertar» of a canned answer in a live chat: it counts as used (``times_used``, the counter the work
    order's reply composer moves when an answer is chosen there: ``knowledge.canned.use_canned_answer``, for
    the chat's work order, ET-4). The text itself is put in the composer by the browser. 204; 404 for a chat
    or an answer the user may not see."""
    user = _user(request)
    session = _session(request, pk)
    if session is None:
        return not_found(request, _("There is no chat %(id)s.") % {"id": pk})
    try:
        canned.use_canned_answer(actor=user, answer=canned.get_canned_answer(user, answer),
                                 work_order=session.work_order, channel="chat")
    except InputError as exc:
        return HttpResponse(str(exc.message), status=exc.status, content_type="text/plain; charset=utf-8")
    return HttpResponse(status=204)


@require_POST
@role_required(TECHNICIANS)
def chat_action(request: HttpRequest, pk: int) -> HttpResponse:
    """One of the chat's buttons (``do``): accept, decline, transfer (``purpose``, ``queue`` or ``technician``:
    the customer is asked in the chat, TR-3), link to an existing work order (``work_order``: its number), accept or decline a transfer (TR-4, TR-5), escalate (``reason``,
    PO-5), end, finish the wrap-up."""
    user = _user(request)
    session = _session(request, pk)
    if session is None:
        return not_found(request, _("There is no chat %(id)s.") % {"id": pk})
    do = request.POST.get("do", "")
    try:
        if do == "accept":
            chat_services.accept_chat(user=user, chat_id=session.pk)
        elif do == "decline":
            chat_services.decline_chat(user=user, chat_id=session.pk)
        elif do == "transfer":
            technician = request.POST.get("technician") or None
            chat_services.propose_transfer(
                user=user, chat_id=session.pk, purpose=request.POST.get("purpose", ""),
                to_technician=int(technician) if technician and technician.isdigit() else technician,
                to_queue=request.POST.get("queue") or None)
        elif do == "link":
            chat_services.link_work_order(user=user, chat_id=session.pk, work_order=request.POST.get("work_order", ""),
                                          confirm_customer=request.POST.get("confirm_customer") == "on")
        elif do == "accept_transfer":
            chat_services.accept_transfer(user=user, chat_id=session.pk)
        elif do == "decline_transfer":
            chat_services.decline_transfer(user=user, chat_id=session.pk)
        elif do == "escalate":
            chat_services.escalate(user=user, chat_id=session.pk, reason=request.POST.get("reason", ""))
        elif do == "end":
            chat_services.end_chat(user=user, chat_id=session.pk)
        elif do == "wrap_up":
            chat_services.finish_wrap_up(user=user, chat_id=session.pk)
        else:
            raise InputError("unknown_action", _("Unknown chat action: %(do)s.") % {"do": do[:40]}, field="do")
    except (InputError, Refusal) as exc:
        if not is_htmx(request):
            return redirect(f"{reverse('consoles:console')}?chat={session.pk}#chats")
        again = _session(request, session.pk) or session
        return render(request, "consoles/_chat_thread.html", {
            "thread": live_thread_context(request, again, {"action_error": _error_text(exc)})}, status=exc.status)
    fresh = _session(request, session.pk)
    if fresh is None:  # declined or transferred away: no longer this technician's to see
        if not is_htmx(request):
            return redirect(f"{reverse('consoles:console')}#chats")
        return HttpResponse(format_html('<div id="chat-thread" class="chat-thread"><p class="muted" role="status">{}</p>'
                                        "</div>", _("The chat is no longer on your console.")))
    return _thread_response(request, fresh)
