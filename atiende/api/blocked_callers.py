"""The caller-block list under /api/v1/cti/blocked-callers (CH-TEL).

Calls from a blocked number (or a prefix ending in ``*``, or ``anonymous``) are
answered ``reject`` on the generic CTI endpoint and never queued. Supervisors
and administrators keep the list; every block and unblock is audited (ET-4).
The same list is kept from the command line with ``atiende caller``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from atiende.api.errors import ApiError
from atiende.api.ids import Id
from atiende.api.permissions import require_role
from atiende.people.roles import MANAGERS
from atiende.telephony import services
from atiende.telephony.models import BlockedCaller

PREFIX = "cti/blocked-callers"
router = Router(tags=["telephony (generic CTI, Zammad-compatible)"])


class BlockIn(Schema):
    pattern: str = Field(..., min_length=1, max_length=80,
                         description="A number, a prefix ending in * (e.g. +34900*), or anonymous")
    reason: str = Field("", max_length=300)


class BlockedOut(Schema):
    id: int
    pattern: str
    reason: str
    active: bool
    created_at: datetime
    created_by: str | None

    @staticmethod
    def resolve_created_by(obj: BlockedCaller) -> str | None:
        return obj.created_by.username if obj.created_by is not None else None


@router.get("", response=list[BlockedOut], summary="Blocked callers (include_unblocked for the whole history)")
def list_blocked(request: HttpRequest, include_unblocked: bool = False) -> Any:
    require_role(request, MANAGERS)
    rows = BlockedCaller.objects.select_related("created_by")
    return list(rows if include_unblocked else rows.filter(active=True))


@router.post("", response={201: BlockedOut}, summary="Block a number or a prefix: its calls are rejected as busy")
def block(request: HttpRequest, payload: BlockIn) -> Status:
    user = require_role(request, MANAGERS)
    return Status(201, services.block_caller(pattern=payload.pattern, reason=payload.reason, by=user))


@router.delete("/{blocked_id}", response=BlockedOut, summary="Unblock (the entry stays in the history, inactive)")
def unblock(request: HttpRequest, blocked_id: Id) -> Any:
    user = require_role(request, MANAGERS)
    row = BlockedCaller.objects.filter(pk=blocked_id, active=True).first() if 0 < blocked_id < 2**62 else None
    if row is None:
        raise ApiError(404, "not_blocked", _("No blocked caller has this id."), "CH-TEL")
    return services.unblock_caller(pattern=row.pattern, by=user)
