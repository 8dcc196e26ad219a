"""Reads of the chat: a session by its token, a technician's chats, what each side may see, the widget's state.

The customer's side never sees internal notes or coach messages (``desk.Message`` with visibility
``internal``), nor rule codes or their knowledge level: :func:`customer_messages` is the only list
of messages the customer-facing code may send them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.db.models import Avg, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.chat.core.origins import origin_allowed as core_origin_allowed
from atiende.chat.core.wait import estimate_wait_seconds
from atiende.chat.models import ChatSession, ChatState, ChatWidget
from atiende.contact.models import (
    IN_CONVERSATION,
    ContactEvent,
    ContactState,
    TechnicianState,
    TechnicianStatus,
)
from atiende.contact.selectors import contacts_in_scope, policy_for, queue_config
from atiende.contact.services.technicians import chats_held_by
from atiende.desk.models import Message, Visibility
from atiende.engine import EventKind
from atiende.errors import InputError
from atiende.people.models import User
from atiende.people.roles import is_admin, is_manager

# When no chat of the queue ended lately: what a chat is assumed to last, for the wait estimate.
DEFAULT_CHAT_SECONDS = 300.0
ESTIMATE_WINDOW = timedelta(days=7)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def session_for_token(token: Any) -> ChatSession:
    """The customer's session for their secret token; 404 ``unknown_chat`` for anything else (no hint which)."""
    if not isinstance(token, str) or not 20 <= len(token) <= 128:
        raise InputError("unknown_chat", _("This chat does not exist or has expired."), status=404)
    found = (ChatSession.objects.select_related("widget", "widget__queue", "contact", "work_order", "customer")
             .filter(token_hash=token_hash(token)).first())
    if found is None:
        raise InputError("unknown_chat", _("This chat does not exist or has expired."), status=404)
    return found


def widget_for_key(key: Any) -> ChatWidget:
    """The enabled widget a page names (``data-queue``); 404 ``unknown_widget`` when none (disabled included)."""
    found = (ChatWidget.objects.select_related("queue").filter(key=key, enabled=True).first()
             if isinstance(key, str) and 0 < len(key) <= 60 else None)
    if found is None:
        raise InputError("unknown_widget", _("There is no such chat."), status=404, field="queue")
    return found


def origin_allowed(widget: ChatWidget, origin: str | None, *, own_origin: str = "") -> bool:
    """Whether a page of ``origin`` may use the widget: one of its allowed origins (exact, or a
    ``https://*.example.com`` family: :mod:`atiende.chat.core.origins`), or the help desk's own.

    No ``Origin`` at all is the desk's own page (browsers send it on every cross-site request).
    """
    if not origin:
        return True
    own = urlsplit(own_origin) if own_origin else None
    allowed = [o for o in widget.allowed_origins or [] if isinstance(o, str)]
    return core_origin_allowed(origin, [*allowed, *([f"{own.scheme}://{own.netloc}"] if own else [])])


CLIENT_ID_HOST = "chat.atiende.invalid"  # a Message-ID's right side no mail system will ever use


def client_message_id(session_id: int, client_id: str | None) -> str | None:
    """The Message-ID a chat message is stored under from the widget's or console's own id for it (unique:
    the same message sent again after a reconnect is stored once); None without one."""
    return f"chat-{session_id}-{client_id}@{CLIENT_ID_HOST}" if client_id else None


def _client_id(message: Message) -> str:
    found = message.message_id or ""
    if not found.endswith("@" + CLIENT_ID_HOST) or found.count("-") < 2:
        return ""
    return found.split("@", 1)[0].split("-", 2)[2]


def message_for_client_id(session: ChatSession, client_id: str) -> Message:
    """The message of this chat stored under the sender's ``client_id``; 404 when there is none."""
    found = Message.objects.filter(work_order_id=session.work_order_id,
                                   message_id=client_message_id(session.pk, client_id)).first()
    if found is None:
        raise InputError("unknown_message", _("There is no such message in this chat."), status=404)
    return found


def customer_messages(session: ChatSession, *, after_id: int | None = None) -> QuerySet[Message]:
    """The messages the customer sees: the public ones of the chat's work order since the chat began.

    Never an internal note nor a coach message (visibility ``internal``). Earlier messages of a
    linked work order are not shown in a chat begun later (they may have been to someone else).
    """
    qs = (Message.objects.filter(work_order_id=session.work_order_id, visibility=Visibility.PUBLIC,
                                 created_at__gte=session.created_at)
          .select_related("author").order_by("created_at", "id"))
    if after_id is not None:
        qs = qs.filter(pk__gt=after_id)
    return qs


def customer_message_view(message: Message) -> dict[str, Any]:
    """One message as the widget shows it: plain text only (the widget renders it as text, never HTML)."""
    return customer_view(staff_message_view(message))


def staff_message_view(message: Message, *, files: bool = True) -> dict[str, Any]:
    """One message as a console shows it: who wrote it, its visibility and every file (internal ones marked).
    ``files=False``: the caller knows it has none (a line just written without any: no query for them)."""
    from_customer = message.direction == "in"
    return {"id": message.pk, "from": "customer" if from_customer else "technician", "name": message.sender_name,
            "text": message.body, "at": message.created_at.isoformat(), "visibility": message.visibility,
            "author": message.author_id, "client_id": _client_id(message),
            "attachments": [{"id": a.pk, "filename": a.filename, "size": a.size, "internal": a.internal}
                            for a in (message.attachments.all() if files else ())]}


def customer_view(staff_view: dict[str, Any]) -> dict[str, Any]:
    """What of a message's console view the customer may see, field by field: the text, the time, the sender's
    shown name (not their own again), the public files; never the visibility, the author's account or an
    internal file."""
    from_customer = staff_view["from"] == "customer"
    view: dict[str, Any] = {"id": staff_view["id"], "from": staff_view["from"],
                            "name": "" if from_customer else staff_view["name"], "text": staff_view["text"],
                            "at": staff_view["at"],
                            "attachments": [{"id": a["id"], "filename": a["filename"], "size": a["size"]}
                                            for a in staff_view["attachments"] if not a["internal"]]}
    if from_customer and staff_view.get("client_id"):
        view["client_id"] = staff_view["client_id"]  # the widget's own id: it knows its message after a reconnect
    return view


def staff_messages(session: ChatSession, *, after_id: int | None = None) -> QuerySet[Message]:
    """Every message of the chat for the help desk: public ones, internal notes and coach messages."""
    qs = (Message.objects.filter(work_order_id=session.work_order_id, created_at__gte=session.created_at)
          .select_related("author").order_by("created_at", "id"))
    if after_id is not None:
        qs = qs.filter(pk__gt=after_id)
    return qs


def chats_in_scope(user: User) -> QuerySet[ChatSession]:
    """ET-4: the chats whose contact this user may see (a technician: theirs, offered to them or pending
    for them; a supervisor: their queues'; an administrator: all)."""
    return (ChatSession.objects.select_related("widget", "contact", "contact__queue", "work_order", "customer")
            .filter(contact__in=contacts_in_scope(user)))


def my_chats(user: User) -> QuerySet[ChatSession]:
    """The chats on a technician's console: offered to them, theirs in conversation or wrap-up, a transfer
    waiting for them, and those a supervisor joined or coaches."""
    mine = (Q(contact__offered_to=user, contact__state=ContactState.OFFERED)
            | Q(contact__assignee=user, contact__state__in=(*IN_CONVERSATION, ContactState.WRAP_UP))
            | Q(contact__state=ContactState.TRANSFER_PENDING, contact__data__transfer__to_technician=user.pk))
    if is_manager(user):
        # Joined or coaching (PO-5): their ``supervisor_joined`` event on a live chat (as contact services do).
        joined = ContactEvent.objects.filter(contact=OuterRef("contact"), kind=EventKind.SUPERVISOR_JOINED,
                                             data__supervisor=user.pk)
        mine |= Q(Exists(joined), contact__state__in=IN_CONVERSATION)
    return (ChatSession.objects.select_related("widget", "contact", "work_order", "customer")
            .filter(mine).order_by("created_at", "id"))


def session_in_scope(user: User, chat_id: Any) -> ChatSession:
    """One chat this user may see, else 404 (ET-4: another team's chat looks missing)."""
    found = None
    if isinstance(chat_id, int) and not isinstance(chat_id, bool):
        # The common case first, by its key alone: the chat is the user's own, or offered to them (in
        # contacts_in_scope for every role), or the user is an administrator. Every line a technician writes
        # asks; the scope's query with its subqueries is for the others.
        found = (ChatSession.objects.select_related("widget", "contact", "contact__queue", "work_order", "customer")
                 .filter(pk=chat_id).first())
        if found is not None and not (user.pk in (found.contact.assignee_id, found.contact.offered_to_id)
                                      or is_admin(user)):
            found = chats_in_scope(user).filter(pk=chat_id).first()
        if found is None:
            found = my_chats(user).filter(pk=chat_id).first()
    if found is None:
        raise InputError("unknown_chat", _("There is no chat %(id)s.") % {"id": chat_id}, status=404)
    return found


def chat_view(session: ChatSession, *, unread: int | None = None) -> dict[str, Any]:
    """A chat as the technician's console and the API show it."""
    contact = session.contact
    data = contact.data or {}
    return {
        "id": session.pk, "contact_id": contact.pk, "work_order": session.work_order.number,
        "work_order_id": session.work_order_id, "widget": session.widget.key, "queue": contact.queue.name,
        "customer": {"id": session.customer_id, "name": session.customer_name, "email": session.customer_email,
                     "language": session.language},
        "state": session.state, "contact_state": contact.state, "assignee": contact.assignee_id,
        "offered_to": contact.offered_to_id, "supervisors": list(data.get("supervisors") or []),
        "created_at": session.created_at.isoformat(),
        "answered_at": contact.answered_at.isoformat() if contact.answered_at else None,
        "ended_at": session.ended_at.isoformat() if session.ended_at else None,
        "customer_read_id": session.customer_read_id, "technician_read_id": session.technician_read_id,
        "pending_transfer": session.pending_transfer or None,
        "transfer": data.get("transfer"), "version": contact.version,
        **({"unread": unread} if unread is not None else {}),
    }


@dataclass(frozen=True)
class Availability:
    """What the widget shows before a chat starts: whether someone can take it, and the wait to expect."""

    online: bool
    reason: str  # "" when online; "out_of_hours" or "nobody_available" (then the widget offers a message)
    estimated_wait_seconds: int | None
    waiting: int


def within_hours(widget: ChatWidget, at: datetime | None = None) -> bool:
    """The widget's opening hours ({"0": ["09:00", "18:00"], ...}, local time); none set: always open."""
    hours = widget.hours or {}
    if not hours:
        return True
    moment = timezone.localtime(at or timezone.now())
    span = hours.get(str(moment.weekday()))
    if not (isinstance(span, list | tuple) and len(span) == 2):
        return False
    now_text = moment.strftime("%H:%M")
    return str(span[0]) <= now_text < str(span[1])


def availability(widget: ChatWidget, *, at: datetime | None = None) -> Availability:
    """Online when within hours and someone who could take the queue's chats is signed in (available,
    busy or in a wrap-up: the chat waits for them, PO-2); else offline. The estimate: the chats waiting
    ahead, times the average chat of the last week, over the chat slots of who is signed in."""
    queue = widget.queue
    waiting = ChatSession.objects.filter(widget__queue=queue, state=ChatState.WAITING).count()
    if not within_hours(widget, at):
        return Availability(False, "out_of_hours", None, waiting)
    config = queue_config(queue)
    signed_in = (TechnicianState.objects.exclude(status__in=(TechnicianStatus.OFFLINE, TechnicianStatus.PAUSED))
                 .filter(user__is_active=True, user__tier__in=config.tiers).select_related("user"))
    fitting = [t for t in signed_in if set(config.skills) <= set(t.user.skills or [])
               and (not t.queues or queue.name in t.queues)]
    if not fitting:
        return Availability(False, "nobody_available", None, waiting)
    policy = policy_for(queue)
    capacities = [t.max_chats if t.max_chats is not None else policy.max_chats for t in fitting]
    held = chats_held_by(t.user_id for t in fitting if t.status == TechnicianStatus.AVAILABLE)  # one statement
    free = sum(max(0, cap - held[t.user_id]) for t, cap in zip(fitting, capacities, strict=True)
               if t.status == TechnicianStatus.AVAILABLE)
    since = (at or timezone.now()) - ESTIMATE_WINDOW
    average = (ChatSession.objects.filter(widget__queue=queue, ended_at__gte=since,
                                          contact__answered_at__isnull=False)
               .aggregate(s=Avg(ExpressionWrapper(F("ended_at") - F("contact__answered_at"),
                                                  output_field=DurationField())))["s"])
    seconds = average.total_seconds() if isinstance(average, timedelta) else DEFAULT_CHAT_SECONDS
    estimate = estimate_wait_seconds(position=waiting + 1, free_places=free, technicians=len(fitting),
                                     concurrency=max(1, round(sum(capacities) / len(fitting))),
                                     handle_seconds=seconds)
    return Availability(True, "", estimate, waiting)

