"""Booked visits: a customer who asks for one gets a slot of a given day at a service (CH-PRE).

Staff book for a customer who asks by phone or at the desk (:func:`book_visit`); a customer books
for themselves in the portal (:func:`book_own_visit`, at most one booked visit per service and day)
and cancels it there until the slot begins (:func:`cancel_own_booking`). The slot must be one the
service offers (its hours, every ``slot_minutes``, on a working day), in the future and not full
(core.slots.check_booking). On the day, the visitor checks in at the kiosk with their phone and gets
a ticket with the letter C; checked in before the slot ends, they are called before the visitors
without a booking once it begins (engine.routing.serving_order). A booking nobody checked in for by
the end of its slot is a no-show (:func:`record_no_shows`, run by the worker every half minute), as is a booked
visitor called who did not come (calling.mark_no_show).
"""

from __future__ import annotations

from datetime import datetime, timedelta
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
from atiende.people.roles import is_customer, is_staff
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
    return _book(actor, the_service, the_customer, moment, clean_reason)


def _book(actor: User, service: Service, customer: Customer, moment: datetime, reason: str,
          *, once_a_day: bool = False) -> Booking:
    with transaction.atomic():
        # The service's row locked: two bookings racing for the last place of a slot are taken one at a time.
        Service.objects.select_for_update().filter(pk=service.pk).first()
        if once_a_day and Booking.objects.filter(service=service, customer=customer, status=Booking.Status.BOOKED,
                                                 starts_at__date=moment.date()).exists():
            raise InputError("already_booked", _("You already have a visit booked that day for this service: "
                                                 "cancel it first to choose another time."), status=409,
                             field="starts_at", rule="CH-PRE")
        taken = Booking.objects.filter(service=service, starts_at=moment, status__in=[
            Booking.Status.BOOKED, Booking.Status.CHECKED_IN]).count()
        check_booking(moment, plan_of(service), now=now(), taken=taken)
        return Booking.objects.create(service=service, customer=customer, starts_at=moment, reason=reason,
                                      created_by=actor)


def customer_of(actor: User) -> Customer:
    """The customer record of a portal account (the portal identifies a customer by their sign-in)."""
    found = Customer.objects.filter(user=actor).first() if is_customer(actor) else None
    if found is None:
        raise InputError("not_a_customer", _("Only a customer signed in to the portal books a visit for themselves."),
                         status=403, rule="ET-4")
    return found


@single_writer
def book_own_visit(*, actor: User, service: Any, starts_at: Any, reason: Any = "") -> Booking:
    """A customer books a free slot for themselves in the portal (one per service and day)."""
    customer = customer_of(actor)
    the_service = service_named(service)
    moment = _starts_at(starts_at)
    clean_reason = text(reason, "reason", 300, label=_("reason"))
    return _book(actor, the_service, customer, moment, clean_reason, once_a_day=True)


def own_bookings(actor: User) -> list[Booking]:
    """A customer's booked visits from today on, and the last week's others (checked in, cancelled, missed)."""
    customer = customer_of(actor)
    since = now() - timedelta(days=7)
    return list(Booking.objects.select_related("service").filter(customer=customer, starts_at__gte=since)
                .order_by("starts_at", "pk")[:50])


@single_writer
def cancel_own_booking(*, actor: User, booking_id: int) -> Booking:
    """A customer cancels their own booked visit, until its slot begins; another's is answered as missing."""
    customer = customer_of(actor)
    with transaction.atomic():
        booking = Booking.objects.select_for_update().filter(pk=booking_id, customer=customer).first()
        if booking is None:
            raise InputError("unknown_booking", _("There is no booked visit %(id)s.") % {"id": booking_id},
                             status=404, rule="CH-PRE")
        if booking.status != Booking.Status.BOOKED or booking.starts_at <= now():
            raise InputError("booking_not_open", _("Only a visit still booked, before its time, can be cancelled."),
                             status=409, rule="CH-PRE")
        booking.status = Booking.Status.CANCELLED
        booking.save(update_fields=["status"])
    return booking


@single_writer
def record_no_shows(*, limit: int = 500) -> int:
    """Bookings nobody checked in for by the end of their slot become no-shows (CH-PRE). Returns how many."""
    moment = now()
    missed = []
    for pk, starts_at, minutes in (Booking.objects.filter(status=Booking.Status.BOOKED, starts_at__lt=moment)
                                   .values_list("pk", "starts_at", "service__slot_minutes")
                                   .order_by("starts_at")[:limit]):
        if starts_at + timedelta(minutes=minutes) <= moment:
            missed.append(pk)
    if not missed:
        return 0
    return Booking.objects.filter(pk__in=missed, status=Booking.Status.BOOKED).update(status=Booking.Status.NO_SHOW)


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
