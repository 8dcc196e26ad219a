"""Reads of the walk-in desk: the waiting-room board, the line, a technician's called visitor, the day's figures."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from atiende.contact.clock import now
from atiende.contact.models import IN_CONVERSATION, Contact, ContactState
from atiende.people.models import User
from atiende.walkin.core import BoardEntry, board
from atiende.walkin.models import Service, Station, Visit

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


def waiting_line(*, user: User | None = None) -> list[Visit]:
    """Visitors waiting to be called today, longest wait first (the console's list)."""
    return list(Visit.objects.select_related("service", "contact")
                .filter(day=today(), contact__state=ContactState.WAITING)
                .order_by("contact__created_at", "contact_id"))


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
