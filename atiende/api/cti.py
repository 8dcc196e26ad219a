"""CTI: a PBX or telephony platform posts call events; Atiende answers with its decision.

This module parses and shapes; the protocol (idempotency by event id, what
each event does) is :mod:`atiende.telephony.native`. See docs/cti.md.
"""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from atiende.api.auth import telephony_auth
from atiende.api.errors import ApiError
from atiende.people.models import ApiToken, User
from atiende.people.roles import is_admin
from atiende.telephony import native

PREFIX = "cti"
router = Router(tags=["telephony (CTI)"])

EventType = Literal["new_call", "answered", "hold", "resumed", "transfer", "hangup", "callback"]


class CtiEventIn(Schema):
    id: str = Field(..., min_length=1, max_length=120, description="Idempotency id, unique per event")
    type: EventType
    call_id: str = Field(..., min_length=1, max_length=120, description="The PBX's id for the call")
    direction: Literal["inbound", "outbound"] = "inbound"
    from_: str = Field("", alias="from", max_length=80)
    to: str = Field("", max_length=80)
    queue: str | None = Field(None, max_length=60, description="new_call: the queue (default: the first)")
    level2_requested: bool = Field(False, description="new_call: the caller asked for level 2 (CT-ENT)")
    skills: list[str] = Field(default_factory=list, max_length=20)
    technician: str | None = Field(None, max_length=150, description="extension or username")
    reason: str = Field("", max_length=500)
    customer_consent: bool = False
    expected_minutes: float | None = None
    purpose: str = Field("", max_length=500)
    to_technician: str | None = Field(None, max_length=150, description="transfer: extension or username")
    to_queue: str | None = Field(None, max_length=60)
    cause: str = Field("normal", max_length=60)
    number: str = Field("", max_length=40, description="callback: the number to call back (default: the caller's)")


def may_send_call_events(token: ApiToken) -> bool:
    """A telephony token, or an administrator's API token (CH-TEL): the one check, for the endpoint and for
    its lean way through the server (atiende/api/cti_lean.py)."""
    return token.kind == ApiToken.Kind.CTI or is_admin(token.user)


def _require_telephony(request: HttpRequest) -> User:
    token: ApiToken | None = getattr(request, "auth_token", None)
    user: User = request.user  # type: ignore[assignment]
    if token is None:
        raise ApiError(403, "token_required", _("Telephony events need a bearer token."), "CH-TEL")
    if not may_send_call_events(token):
        raise ApiError(403, "forbidden", _("This token may not send telephony events."), "CH-TEL")
    return user


@router.post("/events", auth=telephony_auth,
             summary="Post a call event (idempotent by id per integration); the answer is Atiende's decision")
def post_event(request: HttpRequest, event: CtiEventIn) -> HttpResponse:
    from atiende.api import api  # cycle-ok: the API object imports this router to mount it

    sender = _require_telephony(request)
    answer = native.receive(native.NativeEvent(**event.model_dump()), sender=sender)
    return api.create_response(request, answer.body, status=answer.status)
