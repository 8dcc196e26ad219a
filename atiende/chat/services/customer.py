"""The customer's side of a chat: open it, write, read, answer a transfer question, leave; offline messages.

Every function takes what the widget sent as it came (any type) and refuses bad input with a clear
:class:`InputError` (never a 500, never a half-stored chat). The customer is identified by the
secret token :func:`open_chat` returned (``selectors.session_for_token``), never by an id.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from atiende.chat import live
from atiende.chat.models import ChatSession, ChatState, ChatWidget, EndedBy, OfflineBehaviour
from atiende.chat.selectors import (
    availability,
    client_message_id,
    origin_allowed,
    token_hash,
    widget_for_key,
)
from atiende.chat.services.common import clean_body, current_work_order, mark_read, require_open
from atiende.chat.services.ending import end_chat_as
from atiende.chat.services.search import lines_later
from atiende.chat.services.transfers import answer_transfer_question
from atiende.contact.models import ContactChannel
from atiende.contact.services.routing import create_contact
from atiende.db import single_writer
from atiende.desk.intake import customer_for_email, open_written_request
from atiende.desk.messages import post_message
from atiende.desk.models import Channel, Customer, Message, WorkOrder
from atiende.desk.services.history import record_customer_event
from atiende.errors import InputError
from atiende.mail import config
from atiende.privacy import display_text

MAX_NAME_CHARS = 120
LANGUAGES = ("es", "en")


@dataclass(frozen=True)
class Opened:
    """A chat just opened: the session, and the customer's secret token (shown once, kept hashed)."""

    session: ChatSession
    token: str


def _clean_name(value: Any) -> str:
    if not isinstance(value, str) or not display_text.clean(value).strip():
        raise InputError("required", _("Tell us your name."), field="name")
    name = display_text.clean(value).strip()
    if len(name) > MAX_NAME_CHARS:
        raise InputError("too_long", _("The name has at most %(n)s characters.") % {"n": MAX_NAME_CHARS},
                         field="name")
    return name


def _clean_email(value: Any) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or len(value) > 254:
        raise InputError("invalid_email", _("Write a valid email address, or leave it empty."), field="email")
    try:
        validate_email(value.strip())
    except ValidationError:
        raise InputError("invalid_email", _("Write a valid email address, or leave it empty."),
                         field="email") from None
    return value.strip()


def _clean_language(value: Any) -> str:
    return value if isinstance(value, str) and value in LANGUAGES else "es"


def _check_origin(widget: ChatWidget, origin: str | None) -> None:
    if not origin_allowed(widget, origin, own_origin=config.base_url()):
        raise InputError("origin_not_allowed", _("This site may not use this chat."), status=403)


def _customer(name: str, email: str, language: str) -> tuple[Customer, bool]:
    if email:
        return customer_for_email(email=email, name=name, language=language)
    with transaction.atomic():
        customer = Customer.objects.create(name=name, preferred_language=language)
        record_customer_event(customer, None, "created", {"name": (None, name)})
    return customer, True


def _title(language: str, name: str) -> str:
    with translation.override(language):
        return _("Chat with %(name)s") % {"name": name}


@single_writer
def open_chat(*, widget_key: Any, name: Any, email: Any = "", language: Any = "es", message: Any = "",
              origin: str | None = None) -> Opened:
    """A customer starts a chat from the widget: the work order, the contact in the queue (routed at once
    to a technician with a free chat slot, CH-VIR), the first message if any, and the session.

    Refused: an unknown or disabled widget (404), a page not among its origins (403), offline (409
    ``chat_offline``: nobody could take it, or out of hours; the widget offers leaving a message).
    """
    widget = widget_for_key(widget_key)
    _check_origin(widget, origin)
    clean_name, clean_email, lang = _clean_name(name), _clean_email(email), _clean_language(language)
    first = clean_body(message, required=False)
    state = availability(widget)
    if not state.online:
        raise InputError("chat_offline", _("Nobody can take a chat now; leave us a message and we will answer "
                                           "by email or in the portal."), status=409, rule="CH-VIR")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        customer, new_customer = _customer(clean_name, clean_email, lang)
        work_order = open_written_request(customer=customer, title=_title(lang, clean_name), problem_story=first,
                                          channel=Channel.CHAT, new_customer=new_customer)
        _to_queue_team(work_order, widget)
        routed = create_contact(queue=widget.queue, channel=ContactChannel.CHAT, customer_id=customer.pk,
                                caller=clean_name[:80])
        session = ChatSession.objects.create(
            widget=widget, token_hash=token_hash(token), contact=routed.contact, work_order=work_order,
            customer=customer, customer_name=clean_name, customer_email=clean_email, language=lang,
            origin=(origin or "")[:200], state=ChatState.WAITING)
        if first:
            _post_customer(session, first)
    return Opened(session, token)


def _to_queue_team(work_order: WorkOrder, widget: ChatWidget) -> None:
    """The work order goes to the team of the chat's queue when it has one (ET-4: who sees the chat)."""
    team_id = widget.queue.team_id
    if team_id is not None and work_order.team_id != team_id:
        WorkOrder.objects.filter(pk=work_order.pk).update(team_id=team_id)
        work_order.team_id = team_id


def _post_customer(session: ChatSession, body: str, attachments: Any = (), client_id: str | None = None) -> Message:
    current_work_order(session)  # linked meanwhile: the line goes where the chat is now
    message = post_message(work_order=session.work_order, body=body, visibility="public", channel=Channel.CHAT,
                           direction="in", author_name=session.customer_name, author_email=session.customer_email,
                           attachments=attachments, message_id=client_message_id(session.pk, client_id), quiet=True)
    ChatSession.objects.filter(pk=session.pk).update(last_customer_activity=timezone.now())
    live.message_after_commit(session, message, files=bool(attachments))
    return message


@single_writer
def customer_writes(*, session: ChatSession, body: Any, attachments: Any = (), client_id: str | None = None) -> Message:
    """The customer writes (text, and files checked as any upload is: ``attachments`` as (name, bytes)).

    ``client_id``: the widget's own id for the message; the same id again (a resend after a reconnect) is
    refused with 409 ``duplicate_message`` and stores nothing (``selectors.message_for_client_id`` finds the
    first)."""
    require_open(session)
    text = clean_body(body, required=not attachments)
    with transaction.atomic(), lines_later():
        return _post_customer(session, text, attachments, client_id)


def customer_reads(*, session: ChatSession, up_to: Any) -> int:
    """The customer has seen the messages up to ``up_to`` (a message id of this chat); marks only move on."""
    return mark_read(session, "customer", up_to)


@single_writer
def customer_leaves(*, session: ChatSession) -> ChatSession:
    """The customer closes the chat: before a technician took it, it is abandoned (PO-2 counts it);
    after, it ends as a technician's ending would (transcript, survey, mail)."""
    require_open(session)
    return end_chat_as(session, ended_by=EndedBy.CUSTOMER, user=None)


@single_writer
def customer_answers_transfer(*, session: ChatSession, consent: Any) -> ChatSession:
    """TR: the customer says yes or no, in the chat, to the transfer the technician proposed."""
    require_open(session)
    if not isinstance(consent, bool):
        raise InputError("invalid", _("Answer yes or no."), field="consent")
    return answer_transfer_question(session, consent=consent)


@single_writer
def leave_message(*, widget_key: Any, name: Any, email: Any, body: Any, language: Any = "es",
                  origin: str | None = None) -> WorkOrder:
    """Offline (CH-VIR): nobody can chat now, the customer leaves a message; it becomes a request (a work
    order of channel chat, in identification) answered by email, or in the portal for a customer with an
    account. An email is required: it is how the answer reaches them."""
    widget = widget_for_key(widget_key)
    _check_origin(widget, origin)
    if widget.offline_behaviour != OfflineBehaviour.MESSAGE:
        raise InputError("offline_messages_off", _("This chat does not take messages when offline."), status=409,
                         rule="CH-VIR")
    clean_name, lang = _clean_name(name), _clean_language(language)
    clean_email = _clean_email(email)
    if not clean_email:
        raise InputError("required", _("Give your email address so that we can answer you."), field="email")
    text = clean_body(body)
    with transaction.atomic():
        customer, new_customer = customer_for_email(email=clean_email, name=clean_name, language=lang)
        work_order = open_written_request(customer=customer, title=_title(lang, clean_name), problem_story=text,
                                          channel=Channel.CHAT, new_customer=new_customer)
        _to_queue_team(work_order, widget)
        post_message(work_order=work_order, body=text, visibility="public", channel=Channel.CHAT, direction="in",
                     author_name=clean_name, author_email=clean_email)
    return work_order
