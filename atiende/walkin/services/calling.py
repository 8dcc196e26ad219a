"""A technician at the desk calls the next visitor, calls them again, serves them, or marks a no-show.

Call-next is the contact center's pull mode (:func:`contact.services.routing.claim_next_contact`)
on the walk-in queues: the same rules decide whom a technician may take (the queues they
serve, the skills, the tiers open for that wait, PO-2), booked visitors whose slot has come
before the others (engine.routing.serving_order), and the visitor is then "offered"
to them, as a ringing call is: nobody else may call them, and the technician takes no
other contact meanwhile. The waiting-room display shows the ticket and the desk
(:mod:`atiende.walkin.live`, after the commit).

Then the visitor comes to the desk (serve: the engine's answer; the work order's phases go
on as for a call) or does not (a no-show: the contact ends unanswered, cause
``no_show``, counted in the desk's figures). Calling again only shows the ticket once more.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from atiende.contact.clock import now
from atiende.contact.models import Contact, ContactState, TechnicianState
from atiende.contact.selectors import waiting_for
from atiende.contact.services import calls, routing
from atiende.contact.services.apply import apply_action
from atiende.contact.services.locking import lock_contact
from atiende.contact.services.technicians import require_staff
from atiende.db import single_writer
from atiende.engine.channels import Channel
from atiende.engine.routing import Appointment, WaitingVisitor, booked_now, serving_order
from atiende.errors import InputError
from atiende.people.models import User
from atiende.walkin import live
from atiende.walkin.core import NO_SHOW
from atiende.walkin.models import Booking, Service, Station, Visit
from atiende.walkin.selectors import visible_visits
from atiende.walkin.services.checks import service_named, text


@single_writer
def call_next(*, user: User, desk: Any, service: Any = None) -> Visit | None:
    """Call the visitor who has waited longest among those this technician may take, to ``desk``.

    ``service``: only that service's visitors; else any the technician serves. None: nobody is
    waiting. Refused (CH-PRE) without a desk to send the visitor to; as pull mode refuses, a
    technician who is not available (CH-TEL) or who may take none of those waiting (PO-2).
    """
    require_staff(user)
    clean_desk = text(desk, "desk", 40, label=_("desk"), required=True)
    services = [service_named(service)] if service not in (None, "") else list(Service.objects.all())
    with transaction.atomic():
        Station.objects.update_or_create(user=user, defaults={"desk": clean_desk})
        for queue, ids in _booked_now(user, services):
            try:
                row = routing.claim_next_contact(user=user, queue=queue, channel=Channel.IN_PERSON, among=ids)
            except InputError as error:
                if error.code != "none_you_can_take":
                    raise
                continue  # not theirs to take (skills, tier): the line below decides
            if row is not None:
                visit = Visit.objects.select_for_update().get(contact=row)
                _called(visit, user, clean_desk)
                return visit
        refusal: InputError | None = None
        for queue in _queues_by_longest_wait(user, services):
            try:
                row = routing.claim_next_contact(user=user, queue=queue, channel=Channel.IN_PERSON)
            except InputError as error:
                if error.code != "none_you_can_take":
                    raise
                refusal = error  # another service's visitor may be theirs to take
                continue
            if row is not None:
                visit = Visit.objects.select_for_update().get(contact=row)
                _called(visit, user, clean_desk)
                return visit
        if refusal is not None:
            raise refusal
    return None


def _booked_now(user: User, services: list[Service]) -> list[tuple[str, list[int]]]:
    """The visitors waiting for this technician whose booked slot has come, by queue, in serving order (CH-PRE):
    they are called before the visitors without a booking."""
    served = TechnicianState.objects.filter(user=user).values_list("queues", flat=True).first()
    moment = now()
    visitors, queue_of = [], {}
    for pk, queue, arrived, starts_at, minutes in (
            Contact.objects.filter(state=ContactState.WAITING, channel=Channel.IN_PERSON,
                                   queue__in=[s.queue_id for s in services], visit__booking__isnull=False)
            .filter(waiting_for(user, served))
            .values_list("pk", "queue__name", "visit__checked_in_at", "visit__booking__starts_at",
                         "visit__service__slot_minutes")):
        visitors.append(WaitingVisitor(pk, arrived, Appointment(starts_at, starts_at + timedelta(minutes=minutes))))
        queue_of[pk] = queue
    by_queue: dict[str, list[int]] = {}
    for visitor in serving_order(visitors, now=moment):
        if booked_now(visitor, now=moment):
            by_queue.setdefault(queue_of[visitor.key], []).append(visitor.key)
    return list(by_queue.items())


def _queues_by_longest_wait(user: User, services: list[Service]) -> list[str]:
    """The services' queues with visitors waiting for this technician, the longest wait first."""
    served = TechnicianState.objects.filter(user=user).values_list("queues", flat=True).first()
    heads: dict[str, Any] = {}
    for name, arrived in (Contact.objects.filter(state=ContactState.WAITING, channel=Channel.IN_PERSON,
                                                 queue__in=[s.queue_id for s in services])
                          .filter(waiting_for(user, served)).order_by("created_at", "id")
                          .values_list("queue__name", "created_at")):
        heads.setdefault(name, arrived)
    return sorted(heads, key=lambda name: heads[name])


def _called(visit: Visit, user: User, desk: str) -> None:
    visit.called_at = now()
    visit.called_by = user
    visit.desk = desk
    visit.calls += 1
    visit.save(update_fields=["called_at", "called_by", "desk", "calls"])
    live.board_changed()


def _my_called_visit(user: User, visit_id: int) -> tuple[Visit, Contact]:
    """The visit this technician called and is waiting for at their desk, its contact locked."""
    require_staff(user)
    visit = visible_visits(user).filter(pk=visit_id).first()  # another team's: as missing (ET-4)
    if visit is None:
        raise InputError("unknown_visit", _("There is no visit %(id)s.") % {"id": visit_id}, status=404,
                         rule="CH-PRE")
    row = lock_contact(visit.contact_id)
    if row.state != ContactState.OFFERED or row.offered_to_id != user.pk:
        raise InputError("not_called_by_you",
                         _("Ticket %(ticket)s is not waiting for you at your desk: call the next visitor.")
                         % {"ticket": visit.ticket}, status=409, rule="CH-PRE")
    return visit, row


@single_writer
def call_again(*, user: User, visit_id: int) -> Visit:
    """The visitor has not come yet: show their ticket and desk on the display once more."""
    with transaction.atomic():
        visit, _row = _my_called_visit(user, visit_id)
        _called(Visit.objects.select_for_update().get(pk=visit.pk), user, visit.desk)
    visit.refresh_from_db()
    return visit


@single_writer
def mark_no_show(*, user: User, visit_id: int) -> Visit:
    """The visitor called did not come: their contact ends unanswered (cause ``no_show``), the technician is free."""
    with transaction.atomic():
        visit, row = _my_called_visit(user, visit_id)
        apply_action(row, lambda c, p: c.hang_up(now=now(), cause=NO_SHOW), actor=user)  # the display hears it
        if visit.booking_id is not None:  # a booked visitor who did not come when called: the booking says so
            Booking.objects.filter(pk=visit.booking_id).update(status=Booking.Status.NO_SHOW)
    routing.dispatch()  # the technician is free again: a waiting call may go to them, as after a declined one
    visit.refresh_from_db()
    return visit


@single_writer
def serve(*, user: User, visit_id: int) -> Visit:
    """The visitor is at the desk: the contact is answered (the console and the work order take over)."""
    with transaction.atomic():
        visit, _row = _my_called_visit(user, visit_id)
        calls.answer(contact_id=visit.contact_id, user=user)  # the display hears it (contact.live's listener)
    visit.refresh_from_db()
    return visit


LEFT = "left"


@single_writer
def record_left(*, user: User, visit_id: int) -> Visit:
    """A visitor still waiting to be called went away (reception saw them leave): their contact ends
    unanswered, cause ``left``, and they leave the line; counted apart from no-shows (PO-2)."""
    require_staff(user)
    with transaction.atomic():
        visit = visible_visits(user).filter(pk=visit_id).first()  # another team's: as missing (ET-4)
        if visit is None:
            raise InputError("unknown_visit", _("There is no visit %(id)s.") % {"id": visit_id}, status=404,
                             rule="CH-PRE")
        row = lock_contact(visit.contact_id)
        if row.state != ContactState.WAITING:
            raise InputError("not_waiting", _("Ticket %(ticket)s is not waiting to be called any more.")
                             % {"ticket": visit.ticket}, status=409, rule="CH-PRE")
        apply_action(row, lambda c, p: c.hang_up(now=now(), cause=LEFT), actor=user)
    visit.refresh_from_db()
    return visit

