"""Check-in at reception: a ticket for the visitor, their place in the queue, their work order.

What the visitor says at the kiosk (their name, their phone, what they come for and,
if they have one, the number of their request) becomes, in one transaction:

- the customer whose phone it is, or a new customer record (the phone is what finds
  them next time, so it is asked for);
- the work order: the open one whose number they gave (it must be that customer's),
  else a new one in identification (SP-1), channel presencial;
- a contact in the service's queue, channel presencial, so the contact center's
  engine, policies (PO-2's wait limit of that queue) and reports count the visitor
  as they count a caller; nobody is rung with it: a technician calls them (calling.py);
- the ticket of the day («A-012»): the service's letter, or C for a booked visit.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.contact.clock import now
from atiende.contact.selectors import customer_for_caller
from atiende.contact.services import routing
from atiende.db import single_writer
from atiende.desk.models import Customer, WorkOrder
from atiende.desk.services.customers import create_customer
from atiende.desk.services.numbering import next_in_sequence
from atiende.desk.services.work_orders import create_work_order
from atiende.engine.channels import Channel
from atiende.errors import InputError
from atiende.people.models import User
from atiende.walkin.core import BOOKED_LETTER
from atiende.walkin.models import Booking, Service, Visit
from atiende.walkin.services.checks import service_named, text


def ticket_counter(day: Any, letter: str) -> str:
    return f"walkin:{day.isoformat()}:{letter}"


@single_writer
def check_in(*, actor: User, service: Any, name: Any, phone: Any, reason: Any = "",
             work_order_number: Any = None, booked: bool = False) -> Visit:
    """A visitor checks in: their ticket, their work order, their place in the queue (see the module).

    ``actor``: the staff member the reception kiosk acts for. ``booked``: the visitor says they have
    a booked visit today; it must exist for their phone (their ticket then has the letter C).
    """
    the_service = service_named(service)
    clean_name = text(name, "name", 120, label=_("name"), required=True)
    clean_phone = text(phone, "phone", 40, label=_("phone"), required=True)
    clean_reason = text(reason, "reason", 300, label=_("reason"))
    number = _work_order_number(work_order_number)
    moment = now()
    day = timezone.localdate(moment)
    with transaction.atomic():
        customer = _customer(actor, clean_name, clean_phone)
        booking = _todays_booking(customer, the_service, day) if booked else None
        work_order = _work_order(actor, customer, number, booking, the_service, clean_reason)
        if booking is not None:
            booking.status = Booking.Status.CHECKED_IN
            booking.work_order = booking.work_order or work_order
            booking.save(update_fields=["status", "work_order"])
        routed = routing.create_contact(queue=the_service.queue.name, caller=clean_phone, customer_id=customer.pk,
                                        route=False, channel=Channel.IN_PERSON)
        letter = BOOKED_LETTER if booking is not None else the_service.letter
        visit = Visit.objects.create(
            service=the_service, contact=routed.contact, day=day, letter=letter,
            number=next_in_sequence(ticket_counter(day, letter)), name=clean_name, phone=clean_phone,
            reason=clean_reason or (booking.reason if booking else ""), customer=customer, work_order=work_order,
            booking=booking, checked_in_at=moment, checked_in_by=actor,
        )
    return visit


def _work_order_number(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip().lstrip("#"))
    except ValueError:
        number = 0
    if number <= 0:
        raise InputError("invalid_work_order_number", _("A request number is a whole number, such as 1042."),
                         field="work_order", rule="CH-PRE")
    return number


def _customer(actor: User, name: str, phone: str) -> Customer:
    """The one customer with this phone, else a new record (its phone checked as any customer's)."""
    found = customer_for_caller(phone)
    if found is not None:
        return Customer.objects.get(pk=found)
    try:
        return create_customer(actor=actor, name=name, contact_points=[("telefono", phone)])
    except InputError as error:
        error.rule = error.rule or "CH-PRE"
        error.field = "phone"
        raise


def _todays_booking(customer: Customer, service: Service, day: Any) -> Booking:
    booking = (Booking.objects.select_for_update().filter(
        customer=customer, service=service, status=Booking.Status.BOOKED, starts_at__date=day)
        .order_by("starts_at").first())
    if booking is None:
        raise InputError("no_booking_today",
                         _("There is no visit booked today for this phone and service; take a ticket without one."),
                         status=404, field="phone", rule="CH-PRE")
    return booking


def _work_order(actor: User, customer: Customer, number: int | None, booking: Booking | None, service: Service,
                reason: str) -> WorkOrder:
    if number is not None:
        found = WorkOrder.objects.filter(number=number, customer=customer, closed_at__isnull=True).first()
        if found is None:
            # The same answer whether the number exists or not: a kiosk tells nobody whose request it is.
            raise InputError("unknown_work_order",
                             _("No open request with that number goes with that phone; leave the number empty and "
                               "the technician will find it."), status=404, field="work_order", rule="CH-PRE")
        return found
    if booking is not None and booking.work_order_id is not None and booking.work_order is not None:
        return booking.work_order
    return create_work_order(actor=actor, customer=customer, title=reason[:200] or service.label,
                             channel="presencial", problem_story=reason)
