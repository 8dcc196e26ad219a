"""Booked visits: a customer who asks for one gets a slot of a given day at a service (CH-PRE).

The slot must be one the service offers (its hours, every ``slot_minutes``, on a
working day), in the future and not full (core.slots.check_booking). On the day, the
visitor checks in at the kiosk with their phone and gets a ticket with the letter C.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from atiende.contact.clock import now
from atiende.db import single_writer
from atiende.desk.models import Customer
from atiende.desk.selectors import get_customer
from atiende.errors import InputError
from atiende.people.models import User
from atiende.people.roles import is_staff
from atiende.walkin.core import SlotPlan, check_booking, slots_of_day
from atiende.walkin.models import Booking, Service
from atiende.walkin.selectors import visible_bookings
from atiende.walkin.services.checks import service_named, text


def plan_of(service: Service) -> SlotPlan:
    return SlotPlan(opens=service.opens, closes=service.closes, minutes=service.slot_minutes,
                    capacity=service.slot_capacity)


def _starts_at(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else parse_datetime(str(value or "").strip())
    if moment is None:
        raise InputError("invalid_slot_time", _("Give the slot as a date and time, such as 2026-12-09 10:20."),
                         field="starts_at", rule="CH-PRE")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)  # the desk's own time zone
    return moment.astimezone(timezone.get_current_timezone())


@single_writer
def book_visit(*, actor: User, service: Any, customer: Customer | int, starts_at: Any, reason: Any = "") -> Booking:
    """Book a slot for a customer (staff, for a customer who asked by phone or at the desk)."""
    if not is_staff(actor):
        raise InputError("forbidden", _("Only staff book visits for customers."), status=403, rule="ET-4")
    the_service = service_named(service)
    moment = _starts_at(starts_at)
    clean_reason = text(reason, "reason", 300, label=_("reason"))
    the_customer = get_customer(actor, customer.pk if isinstance(customer, Customer) else customer)  # ET-4
    with transaction.atomic():
        # The service's row locked: two bookings racing for the last place of a slot are taken one at a time.
        Service.objects.select_for_update().filter(pk=the_service.pk).first()
        taken = Booking.objects.filter(service=the_service, starts_at=moment, status__in=[
            Booking.Status.BOOKED, Booking.Status.CHECKED_IN]).count()
        check_booking(moment, plan_of(the_service), now=now(), taken=taken)
        return Booking.objects.create(service=the_service, customer=the_customer, starts_at=moment,
                                      reason=clean_reason, created_by=actor)


@single_writer
def cancel_booking(*, actor: User, booking_id: int) -> Booking:
    if not is_staff(actor):
        raise InputError("forbidden", _("Only staff book visits for customers."), status=403, rule="ET-4")
    with transaction.atomic():
        # ET-4: another team's booking is answered as missing
        booking = (Booking.objects.select_for_update()
                   .filter(pk=booking_id, pk__in=visible_bookings(actor).values("pk")).first())
        if booking is None:
            raise InputError("unknown_booking", _("There is no booked visit %(id)s.") % {"id": booking_id},
                             status=404, rule="CH-PRE")
        if booking.status != Booking.Status.BOOKED:
            raise InputError("booking_not_open", _("Only a visit still booked can be cancelled."), status=409,
                             rule="CH-PRE")
        booking.status = Booking.Status.CANCELLED
        booking.save(update_fields=["status"])
    return booking


def free_slots(service: Service, day: Any) -> list[tuple[datetime, int]]:
    """The slots of ``day`` still in the future, with the places left in each."""
    plan = plan_of(service)
    starts = slots_of_day(day, plan, tz=timezone.get_current_timezone())
    taken: dict[datetime, int] = {}
    for at in Booking.objects.filter(service=service, starts_at__in=starts, status__in=[
            Booking.Status.BOOKED, Booking.Status.CHECKED_IN]).values_list("starts_at", flat=True):
        taken[at] = taken.get(at, 0) + 1
    moment = now()
    return [(s, plan.capacity - taken.get(s, 0)) for s in starts if s > moment]
