"""A work order's conversation under /api/v1/work-orders/{number}/messages.

Whoever may read the work order reads its conversation, oldest first; customers
only its public messages (ET-4: an internal note is never listed, and its files
never appear). Staff post public replies (``direction`` «out», sent to the customer
by the mail adapter when they have an address) and internal notes; customers post
public messages on their own work orders (``direction`` «in», channel «portal»).
``attachments`` may name files already uploaded to the work order
(``POST …/attachments``) and not yet on a message. A closed work order takes no
staff message (409, SP-1); a customer's message reopens it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from atiende.api.attachments import AttachmentOut, attachment_data
from atiende.api.desk import answers
from atiende.api.permissions import current_user
from atiende.desk import attachments, messages, selectors
from atiende.desk.models import Attachment, Message, MessageDirection
from atiende.people.roles import is_staff

PREFIX = "work-orders"
router = Router(tags=["conversation"])


class AuthorOut(Schema):
    id: int | None = Field(description="The account's id; null for a sender without one (an email address).")
    name: str


class MessageOut(Schema):
    id: int
    author: AuthorOut | None
    direction: Literal["in", "out"] = Field(description="in: from the customer; out: from the help desk.")
    channel: str = Field(description="email, portal, chat, telefonico (a phone note), presencial (walk-in).")
    visibility: Literal["public", "internal"] = Field(description="internal: staff only, never the customer.")
    body: str = Field(description="The text shown (credentials replaced by their label, ET-3).")
    created_at: datetime
    attachments: list[AttachmentOut]


class MessageIn(Schema):
    body: str = Field(..., max_length=messages.BODY_LIMIT)
    visibility: Literal["public", "internal"] = "public"
    attachments: list[int] = Field(default_factory=list, max_length=20,
                                   description="Ids of files of this work order not yet on a message.")


def message_data(request: HttpRequest, message: Message, files: list[Attachment] | None = None) -> dict[str, Any]:
    """The message as the API shows it; ``files``: its attachments when already known."""
    name = message.sender_name
    return {
        "id": message.pk,
        "author": {"id": message.author_id, "name": name} if name or message.author_id else None,
        "direction": message.direction, "channel": message.channel, "visibility": message.visibility,
        "body": message.body, "created_at": message.created_at,
        "attachments": [attachment_data(request, a) for a in (message.attachments.all() if files is None else files)],
    }


@router.get("/{number}/messages", response=answers(list[MessageOut]),
            summary="The conversation of a work order, oldest first (customers: public messages only)")
def list_messages(request: HttpRequest, number: str) -> list[dict[str, Any]]:
    user = current_user(request)
    work_order = selectors.get_work_order(user, number)
    return [message_data(request, m) for m in selectors.conversation(user, work_order)]


@router.post("/{number}/messages", response=answers(MessageOut, 201),
             summary="Reply to the customer or add an internal note (staff); write to the help desk (customers)")
def post_message(request: HttpRequest, number: str, payload: MessageIn) -> Status:
    user = current_user(request)
    work_order = selectors.get_work_order(user, number)
    files = [attachments.get_attachment(actor=user, work_order=work_order, attachment_id=i)
             for i in dict.fromkeys(payload.attachments)]
    staff = is_staff(user)
    message = messages.post_message(
        work_order=work_order, author=user, body=payload.body, visibility=payload.visibility,
        channel=messages.default_channel(work_order, user),
        direction=MessageDirection.OUTBOUND if staff else MessageDirection.INBOUND, attachments=files,
    )
    linked = list(message.attachments.select_related("uploaded_by")) if files else []
    for item in linked:
        item.work_order = message.work_order
    return Status(201, message_data(request, message, linked))
