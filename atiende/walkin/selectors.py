"""Reads of the walk-in desk: the waiting-room board, the line, a technician's called visitor, the day's figures."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from atiende.contact.clock import now
from atiende.contact.models import IN_CONVERSATION, Contact, ContactState
from atiende.contact.selectors import contacts_in_scope, visible_queues
from atiende.engine.routing import Appointment, WaitingVisitor, serving_order
from atiende.people.models import User
from atiende.people.roles import is_admin
from atiende.walkin.core import BoardEntry, board
from atiende.walkin.models import Booking, Service, Station, Visit

# On the board: called and expected at a desk, or at a desk now (a no-show or a visitor who left drops off).
ON_BOARD = (ContactState.OFFERED, *IN_CONVERSATION, ContactState.WRAP_UP, ContactState.ENDED)


def today() -> date:
    """The desk's day (its time zone), by the contact center's clock: tickets start again each day."""
    return timezone.localdate(now())


def board_entries(day: date | None = None) -> list[BoardEntry]:
    """The waiting-room display's lines: the latest calls of the day, newest first (core.board)."""
    day = day or today()
    rows = (Visit.objects.filter(day=day, called_at__isnull=False, contact__state__in=ON_BOARD)
            .order_by("-called_at", "-id").values_list("letter", "number", "desk", "called_at", "calls",
                                                       "contact__state")[:24])
    return board(BoardEntry(f"{letter}-{number:03d}", desk, called_at, calls, state == ContactState.OFFERED)
                 for letter, number, desk, called_at, calls, state in rows)


def board_snapshot(day: date | None = None) -> dict[str, Any]:
    """What the display shows, as JSON: the page's first paint and every live update carry the same."""
    return {"type": "sala.board", "called": [e.as_dict() for e in board_entries(day)]}


def visible_visits(user: User) -> QuerySet[Visit]:
    """ET-4, the contact center's rule: the visits of the services whose queues the user may know of
    (:func:`atiende.contact.selectors.visible_queues`) and those whose contact is theirs; another team's visit
    is answered as missing (issue 22, item 10)."""
    qs = Visit.objects.select_related("service", "contact", "work_order")
    if is_admin(user):
        return qs
    return qs.filter(Q(service__queue__in=visible_queues(user).values("pk"))
                     | Q(contact__in=contacts_in_scope(user).values("pk")))


def visible_bookings(user: User) -> QuerySet[Booking]:
    """The booked visits of the services whose queues the user may know of (ET-4)."""
    qs = Booking.objects.select_related("service", "work_order")
    return qs if is_admin(user) else qs.filter(service__queue__in=visible_queues(user).values("pk"))


def waiting_line(*, user: User | None = None) -> list[Visit]:
    """Visitors waiting to be called today, in the order call-next takes them (the console's list; ``user``:
    theirs to see): booked visitors whose slot has come first, then the longest wait first
    (engine.routing.serving_order)."""
    rows = visible_visits(user) if user is not None else Visit.objects.select_related("service", "contact")
    visits = list(rows.select_related("booking", "service").filter(day=today(), contact__state=ContactState.WAITING)
                  .order_by("contact__created_at", "contact_id"))
    line = [WaitingVisitor(i, v.checked_in_at, _slot(v)) for i, v in enumerate(visits)]
    return [visits[w.key] for w in serving_order(line, now=now())]


def _slot(visit: Visit) -> Appointment | None:
    booking = visit.booking
    if booking is None:
        return None
    return Appointment(booking.starts_at, booking.starts_at + timedelta(minutes=visit.service.slot_minutes))


def called_by(user: User) -> Visit | None:
    """The visitor this technician called and is waiting for at their desk, if any."""
    return (Visit.objects.select_related("service", "work_order")
            .filter(contact__state=ContactState.OFFERED, contact__offered_to=user).first())


def desk_of(user: User) -> str:
    return Station.objects.filter(user=user).values_list("desk", flat=True).first() or ""


def services() -> list[Service]:
    return list(Service.objects.select_related("queue"))


def visit_of(contact: Contact) -> Visit | None:
    return Visit.objects.filter(contact=contact).first()
