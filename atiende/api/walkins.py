"""The walk-in desk (CH-PRE): check-in, the day's visits, call-next and what follows, booked visits.

The kiosk, the console's desk panel and any other client use the same services, so the
same refusals come back, each naming its rule: CH-PRE for the desk's own (a ticket for
a service that does not exist, a slot that is full), PO-2 and CH-TEL for the contact
center's (nobody waiting that this technician may take, a technician not available).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from atiende.api.errors import ApiError
from atiende.api.ids import Id
from atiende.api.permissions import require_role
from atiende.people.roles import STAFF
from atiende.walkin import selectors
from atiende.walkin.models import Booking, Visit
from atiende.walkin.services import bookings, calling, checkin
from atiende.walkin.services.checks import service_named

PREFIX = "walk-ins"
router = Router(tags=["walk-in desk"])


def visit_view(visit: Visit) -> dict[str, Any]:
    return {"id": visit.pk, "ticket": visit.ticket, "service": visit.service.letter, "day": visit.day.isoformat(),
            "state": visit.contact.state, "name": visit.name, "reason": visit.reason,
            "customer": visit.customer_id, "work_order": visit.work_order.number if visit.work_order else None,
            "contact": visit.contact_id, "checked_in_at": visit.checked_in_at.isoformat(),
            "called_at": visit.called_at.isoformat() if visit.called_at else None, "desk": visit.desk,
            "calls": visit.calls, "booking": visit.booking_id}


def _fresh(visit: Visit) -> dict[str, Any]:
    return visit_view(Visit.objects.select_related("service", "contact", "work_order").get(pk=visit.pk))


class CheckInIn(Schema):
    service: str = Field(..., max_length=20, description="The service's letter (A) or id")
    name: str = Field(..., max_length=200)
    phone: str = Field(..., max_length=60)
    reason: str = Field("", max_length=600)
    work_order: int | None = Field(None, description="The number of an open work order of this customer")
    booked: bool = Field(False, description="The visitor has a visit booked today (ticket letter C)")


@router.post("", response={201: dict[str, Any]}, summary="Check a visitor in: a ticket of the day, a work order")
def check_in(request: HttpRequest, body: CheckInIn) -> Status:
    user = require_role(request, STAFF)
    visit = checkin.check_in(actor=user, service=body.service, name=body.name, phone=body.phone, reason=body.reason,
                             work_order_number=body.work_order, booked=body.booked)
    return Status(201, _fresh(visit))


@router.get("", summary="Today's visits, in ticket order")
def list_visits(request: HttpRequest) -> list[dict[str, Any]]:
    user = require_role(request, STAFF)  # ET-4: the visits of the user's scope
    return [visit_view(v) for v in selectors.visible_visits(user)
            .filter(day=selectors.today()).order_by("letter", "number")]


class NextIn(Schema):
    desk: str = Field(..., max_length=80, description="The desk the visitor is sent to («Mesa 3»)")
    service: str | None = Field(None, max_length=20, description="Only this service's visitors (letter or id)")


@router.post("/next", summary="Call the visitor who has waited longest to this technician's desk")
def call_next(request: HttpRequest, body: NextIn) -> dict[str, Any]:
    """404 ``queue_empty``: nobody is waiting; 404 ``none_you_can_take`` (PO-2): visitors wait, none for you."""
    user = require_role(request, STAFF)
    visit = calling.call_next(user=user, desk=body.desk, service=body.service)
    if visit is None:
        raise ApiError(404, "queue_empty", _("Nobody is waiting."))
    return _fresh(visit)


@router.post("/{visit_id}/serve", summary="The visitor called is at the desk (the contact is answered)")
def serve(request: HttpRequest, visit_id: Id) -> dict[str, Any]:
    return _fresh(calling.serve(user=require_role(request, STAFF), visit_id=visit_id))


@router.post("/{visit_id}/call-again", summary="Show the ticket and the desk on the display once more")
def call_again(request: HttpRequest, visit_id: Id) -> dict[str, Any]:
    return _fresh(calling.call_again(user=require_role(request, STAFF), visit_id=visit_id))


@router.post("/{visit_id}/no-show", summary="The visitor called did not come")
def no_show(request: HttpRequest, visit_id: Id) -> dict[str, Any]:
    return _fresh(calling.mark_no_show(user=require_role(request, STAFF), visit_id=visit_id))


@router.post("/{visit_id}/left", summary="A visitor still waiting went away before being called")
def left(request: HttpRequest, visit_id: Id) -> dict[str, Any]:
    return _fresh(calling.record_left(user=require_role(request, STAFF), visit_id=visit_id))


def booking_view(booking: Booking) -> dict[str, Any]:
    return {"id": booking.pk, "service": booking.service.letter, "customer": booking.customer_id,
            "starts_at": booking.starts_at.isoformat(), "reason": booking.reason, "status": booking.status,
            "work_order": booking.work_order.number if booking.work_order else None}


class BookingIn(Schema):
    service: str = Field(..., max_length=20)
    customer: int
    starts_at: datetime = Field(..., description="A slot's start, ISO 8601 (the desk's time zone if none given)")
    reason: str = Field("", max_length=600)


@router.post("/bookings", response={201: dict[str, Any]}, summary="Book a visit for a customer")
def book(request: HttpRequest, body: BookingIn) -> Status:
    """409 ``slot_full``, 400 ``not_a_slot``, ``desk_closed``, ``slot_in_the_past`` (CH-PRE)."""
    user = require_role(request, STAFF)
    booking = bookings.book_visit(actor=user, service=body.service, customer=body.customer,
                                  starts_at=body.starts_at, reason=body.reason)
    return Status(201, booking_view(Booking.objects.select_related("service", "work_order").get(pk=booking.pk)))


@router.get("/bookings", summary="Booked visits from today on")
def list_bookings(request: HttpRequest) -> list[dict[str, Any]]:
    user = require_role(request, STAFF)  # ET-4: the bookings of the user's scope
    return [booking_view(b) for b in selectors.visible_bookings(user)
            .filter(starts_at__date__gte=selectors.today()).order_by("starts_at")[:500]]


@router.get("/slots", summary="A service's slots of a day still open for booking, with the places left")
def slots(request: HttpRequest, service: str, day: date) -> list[dict[str, Any]]:
    require_role(request, STAFF)
    return [{"starts_at": start.isoformat(), "free": free}
            for start, free in bookings.free_slots(service_named(service), day) if free > 0]


@router.post("/bookings/{booking_id}/cancel", summary="Cancel a booked visit")
def cancel(request: HttpRequest, booking_id: Id) -> dict[str, Any]:
    booking = bookings.cancel_booking(actor=require_role(request, STAFF), booking_id=booking_id)
    return booking_view(Booking.objects.select_related("service", "work_order").get(pk=booking.pk))
