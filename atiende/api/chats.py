"""Live chat, the help desk's side (CH-VIR): my chats, accept, write, read, transfer, escalate, supervise, end.

Every chat id is scoped (ET-4): another team's chat answers exactly as a missing one (404
``unknown_chat``). Refusals name their rule: CH-VIR (a chat's own: capacity, not live), TR-3/TR-4/TR-5
(transfer: the customer's consent asked in the chat, the receiver's acceptance), PO-5 (supervisors).
The customer's side is the widget's own transport (``/chat/...``), never this API.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from atiende.api.ids import Id
from atiende.api.permissions import require_role
from atiende.chat import selectors, services
from atiende.chat.models import ChatSession
from atiende.desk.models import Message
from atiende.people.roles import STAFF

PREFIX = "chats"
router = Router(tags=["chat"])


def _chat(session: ChatSession) -> dict[str, Any]:
    return selectors.chat_view(ChatSession.objects.select_related("widget", "contact", "contact__queue",
                                                                  "work_order", "customer").get(pk=session.pk))


def message_view(message: Message) -> dict[str, Any]:
    return {"id": message.pk, "direction": message.direction, "visibility": message.visibility,
            "author": message.author_id, "name": message.sender_name, "body": message.body,
            "at": message.created_at.isoformat(), "findings": message.checked_findings}


@router.get("", summary="My chats: offered to me, mine, a transfer waiting for me, those I joined")
def list_chats(request: HttpRequest) -> list[dict[str, Any]]:
    user = require_role(request, STAFF)
    return [selectors.chat_view(s) for s in selectors.my_chats(user).select_related("contact__queue")]


@router.get("/{chat_id}", summary="One chat and its messages (internal notes and coach messages included)")
def get_chat(request: HttpRequest, chat_id: Id, after: int | None = None) -> dict[str, Any]:
    session = selectors.session_in_scope(require_role(request, STAFF), chat_id)
    return {**selectors.chat_view(session),
            "messages": [message_view(m) for m in selectors.staff_messages(session, after_id=after)]}


@router.post("/{chat_id}/accept", summary="Take the chat offered to me (CH-VIR: one of my chat slots)")
def accept(request: HttpRequest, chat_id: Id) -> dict[str, Any]:
    return _chat(services.accept_chat(user=require_role(request, STAFF), chat_id=chat_id))


@router.post("/{chat_id}/decline", summary="Let the offered chat go back to the queue")
def decline(request: HttpRequest, chat_id: Id) -> dict[str, Any]:
    return _chat(services.decline_chat(user=require_role(request, STAFF), chat_id=chat_id))


class ChatMessageIn(Schema):
    body: str = Field(..., max_length=4000)
    internal: bool = Field(False, description="A note for the help desk only; never shown to the customer")


@router.post("/{chat_id}/messages", response={201: dict[str, Any]}, summary="Write to the customer (or a note)")
def post_message(request: HttpRequest, chat_id: Id, body: ChatMessageIn) -> Status:
    message = services.technician_writes(user=require_role(request, STAFF), chat_id=chat_id, body=body.body,
                                         internal=body.internal)
    return Status(201, message_view(message))


class ChatReadIn(Schema):
    up_to: Id = Field(..., description="The last message read")


@router.post("/{chat_id}/read", summary="Mark the chat read up to a message")
def read(request: HttpRequest, chat_id: Id, body: ChatReadIn) -> dict[str, Any]:
    up_to = services.technician_reads(user=require_role(request, STAFF), chat_id=chat_id, up_to=body.up_to)
    return {"technician_read_id": up_to}


class ChatTransferIn(Schema):
    purpose: str = Field(..., max_length=500, description="What the next person should know (TR-2)")
    to_technician: Id | None = None
    to_queue: str | None = Field(None, max_length=60)


@router.post("/{chat_id}/transfer", summary="Propose a transfer: the customer is asked in the chat (TR-3)")
def transfer(request: HttpRequest, chat_id: Id, body: ChatTransferIn) -> dict[str, Any]:
    return _chat(services.propose_transfer(user=require_role(request, STAFF), chat_id=chat_id, purpose=body.purpose,
                                           to_technician=body.to_technician, to_queue=body.to_queue))


@router.post("/{chat_id}/transfer/accept", summary="Accept a chat transferred to me (TR-4)")
def accept_transfer(request: HttpRequest, chat_id: Id) -> dict[str, Any]:
    return _chat(services.accept_transfer(user=require_role(request, STAFF), chat_id=chat_id))


@router.post("/{chat_id}/transfer/decline", summary="Decline a transfer: the chat stays where it was (TR-5)")
def decline_transfer(request: HttpRequest, chat_id: Id) -> dict[str, Any]:
    return _chat(services.decline_transfer(user=require_role(request, STAFF), chat_id=chat_id))


class ChatEscalateIn(Schema):
    reason: str = Field("", max_length=500)


@router.post("/{chat_id}/escalate", summary="Ask a supervisor for help (PO-5)")
def escalate(request: HttpRequest, chat_id: Id, body: ChatEscalateIn) -> dict[str, Any]:
    return _chat(services.escalate(user=require_role(request, STAFF), chat_id=chat_id, reason=body.reason))


class ChatSuperviseIn(Schema):
    mode: str = Field(..., description="join, take_over or coach")


@router.post("/{chat_id}/supervise", summary="A supervisor joins, takes over or coaches the chat (PO-5)")
def supervise(request: HttpRequest, chat_id: Id, body: ChatSuperviseIn) -> dict[str, Any]:
    return _chat(services.supervisor_joins(user=require_role(request, STAFF), chat_id=chat_id, mode=body.mode))


class ChatCoachIn(Schema):
    body: str = Field(..., max_length=4000)


@router.post("/{chat_id}/coach", response={201: dict[str, Any]},
             summary="A supervisor's word to the technician only: never shown to the customer (PO-5)")
def coach(request: HttpRequest, chat_id: Id, body: ChatCoachIn) -> Status:
    message = services.coach(user=require_role(request, STAFF), chat_id=chat_id, body=body.body)
    return Status(201, message_view(message))


class ChatLinkIn(Schema):
    work_order: int = Field(..., ge=1, description="The number of the existing work order")
    confirm_customer: bool = Field(False, description="A chat opened without an email: the technician checked "
                                   "that the work order's customer is who is writing; the chat takes that customer "
                                   "(ET-4; otherwise 409 confirm_customer)")


@router.post("/{chat_id}/work-order", summary="Link the chat to an existing work order: its messages move there")
def link_work_order(request: HttpRequest, chat_id: Id, body: ChatLinkIn) -> dict[str, Any]:
    return _chat(services.link_work_order(user=require_role(request, STAFF), chat_id=chat_id,
                                          work_order=body.work_order, confirm_customer=body.confirm_customer))


@router.post("/{chat_id}/end", summary="End the chat: transcript kept, survey offered, transcript mailed")
def end(request: HttpRequest, chat_id: Id) -> dict[str, Any]:
    return _chat(services.end_chat(user=require_role(request, STAFF), chat_id=chat_id))


@router.post("/{chat_id}/wrap-up", summary="Finish the chat's wrap-up: the slot is free, the scorecard is made")
def wrap_up(request: HttpRequest, chat_id: Id) -> dict[str, Any]:
    return _chat(services.finish_wrap_up(user=require_role(request, STAFF), chat_id=chat_id))
