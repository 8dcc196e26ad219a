"""Call-backs (CH-PRO, PO-2, PT-2): a customer (portal, chat) or staff asks to be called back in a window.

The phone's own offer (near the PO-2 limit) goes through the CTI endpoint (``callback`` event); this is the
same call-back asked for in writing: ``POST /api/v1/callbacks``, ``GET /api/v1/callbacks`` (a customer's
own; staff: those of the queues they may know of, ET-4, most recent first; an administrator all),
``POST /api/v1/callbacks/{id}/cancel``. Another team's call-back is answered as missing.
See :mod:`atiende.telephony.callbacks` and docs/walkin.md, "Call-backs".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from atiende.api.errors import ApiError
from atiende.api.ids import Id
from atiende.api.permissions import current_user
from atiende.contact.selectors import visible_queues
from atiende.desk.models import Customer
from atiende.desk.selectors import visible_customers, visible_work_orders
from atiende.people.models import User
from atiende.people.roles import is_admin, is_customer, is_staff
from atiende.telephony import callbacks
from atiende.telephony.models import Callback

PREFIX = "callbacks"
router = Router(tags=["call-backs"])


class CallbackIn(Schema):
    number: str = Field(..., max_length=40, description="The number to call, with its country code")
    window_start: datetime | None = Field(None, description="ISO 8601 with offset; default: now")
    window_end: datetime | None = Field(None, description="ISO 8601 with offset; default: two hours after the start")
    queue: str | None = Field(None, max_length=60, description="default: the first queue")
    work_order: int | None = Field(None, description="The number of an open work order of the customer")
    customer: int | None = Field(None, description="Staff only: the customer's id (a customer is themselves)")
    note: str = Field("", max_length=300)
    origin: str = Field("chat", description="portal, chat (default) or personal (staff)")


def _customer(request_user: Any, body: CallbackIn) -> Customer | None:
    if is_customer(request_user):
        return Customer.objects.filter(user=request_user).first()
    if body.customer is None:
        return None
    found = visible_customers(request_user).filter(pk=body.customer).first()
    if found is None:
        raise ApiError(404, "unknown_customer", _("There is no customer %(id)s.") % {"id": body.customer})
    return found


def _in_scope(rows: Any, user: User) -> Any:
    """ET-4: a customer's own call-backs; staff those of the queues they may know of (their teams' and shared
    ones, a supervisor the queues they supervise: :func:`~atiende.contact.selectors.visible_queues`); an
    administrator all; anyone else none."""
    if is_customer(user):
        return rows.filter(customer__user=user)
    if is_admin(user):
        return rows
    if is_staff(user):
        return rows.filter(contact__queue__in=visible_queues(user).values("pk"))
    return rows.none()


@router.post("", response={201: dict[str, Any]}, summary="Ask to be called back within a window (PT-2)")
def create(request: HttpRequest, body: CallbackIn) -> Status:
    user = current_user(request)
    if not (is_customer(user) or is_staff(user)):
        raise ApiError(403, "forbidden", _("Only customers and staff may ask for a call-back."), "ET-4")
    if body.origin not in (Callback.Origin.PORTAL, Callback.Origin.CHAT, Callback.Origin.STAFF):
        raise ApiError(400, "invalid_origin", _("origin is portal, chat or personal."))
    customer = _customer(user, body)
    if body.queue and is_staff(user) and not visible_queues(user).filter(name=body.queue).exists():
        raise ApiError(404, "unknown_queue", _("There is no queue %(name)s.") % {"name": body.queue})  # ET-4
    order = None
    if body.work_order is not None:
        order = visible_work_orders(user).filter(number=body.work_order, closed_at__isnull=True).first()
        if order is None:
            raise ApiError(404, "unknown_work_order", _("No open request %(n)s of yours.") % {"n": body.work_order})
        customer = customer or order.customer
    callback = callbacks.request_callback(
        actor=user, number=body.number, window_start=body.window_start, window_end=body.window_end,
        queue=body.queue, customer=customer, work_order=order, note=body.note, origin=body.origin)
    return Status(201, callbacks.describe(Callback.objects.select_related("work_order").get(pk=callback.pk)))


@router.get("", response=list[dict[str, Any]], summary="Call-backs: a customer's own; staff: their queues', newest first (ET-4)")
def listing(request: HttpRequest, status: str | None = None) -> list[dict[str, Any]]:
    user = current_user(request)
    if not (is_customer(user) or is_staff(user)):
        raise ApiError(403, "forbidden", _("Only customers and staff may see call-backs."), "ET-4")
    rows = _in_scope(Callback.objects.select_related("work_order").order_by("-requested_at", "-pk"), user)
    if status:
        rows = rows.filter(status=status)
    return [callbacks.describe(c) for c in rows[:200]]


@router.post("/{callback_id}/cancel", response=dict[str, Any], summary="Cancel a pending call-back")
def cancel(request: HttpRequest, callback_id: Id) -> dict[str, Any]:
    user = current_user(request)
    callback = _in_scope(Callback.objects.filter(pk=callback_id), user).first()
    if callback is None:
        raise ApiError(404, "unknown_callback", _("There is no call-back %(id)s.") % {"id": callback_id})
    return callbacks.describe(callbacks.cancel(callback=callback, actor=user))


