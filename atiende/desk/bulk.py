"""Many customers' written messages stored as one set (a batch of email): the desk's side.

``desk.intake.open_written_request`` and ``desk.messages.post_message`` store one message
with a dozen ORM statements of their own (the customer, its address and history line, the
work order's number, row and history line, the message, its files and history lines, whose
move it is). A channel adapter that holds many messages at once (``atiende mail fetch``)
prepares each here (:func:`prepare`, plain Python: the same checks and cleaning as those two
functions) and writes the whole set with one hand-written INSERT a table (:func:`write`,
``desk.rows.insert_many``), inside its own transaction. What a message would get from the
one-by-one path it gets here too:

- the rows are the same rows, with the same values (a new customer named as the sender
  signed, CH-IND requester; the work order in the team a portal request lands in, its number
  from the counter, taken as one range; the message, its files through the upload checks);
- the history lines are the same lines, in the same order for each work order (``created``,
  ``attachment_added``, ``message``), so the audit chain, the search index, the SLA clocks and
  the staff's notifications are written by their own receivers: ``post_save`` is sent for each
  row as ``save()`` would send it (``rows.insert_many``, as ``bulk_create``, sends none), then
  ``message_stored``, then ``set_stored`` for the whole set (its listeners build the derived rows of
  the work orders and customers it created from the rows in hand), and ``message_posted`` once the
  transaction commits.

What the set does not handle, :func:`prepare` refuses with :class:`NotForBulk` and the caller
stores that message one by one, with every rule of the desk: a credential in the text (the vault,
ET-3), a closed work order (reopened, SP-1), a work order that would pass its file limit, or any
input :func:`post_message` refuses (the caller then keeps the refusal's reason).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.db.models.signals import post_save

from atiende import db
from atiende.desk import attachments as files
from atiende.desk import credentials, rows
from atiende.desk.messages import _clean_fields, _take_credentials, sanitise_html
from atiende.desk.models import (
    Attachment,
    Channel,
    ContactPoint,
    Customer,
    CustomerEvent,
    Direction,
    Message,
    MessageDirection,
    Phase,
    Visibility,
    WorkOrder,
    WorkOrderEvent,
)
from atiende.desk.services.checks import TEXT_LIMIT
from atiende.desk.services.history import history_changes
from atiende.desk.services.numbering import reserve_work_order_numbers
from atiende.desk.signals import message_posted, message_stored, set_stored
from atiende.errors import InputError
from atiende.people.models import Team
from atiende.privacy import display_text

LANGUAGES = ("es", "en")


class NotForBulk(Exception):
    """This message needs the one-by-one path (``code``: why, for the log and the tests)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(eq=False)
class Written:
    """One message of a set, prepared: the rows it will write (unsaved until :func:`write`)."""

    customer: Customer
    new_customer: bool
    work_order: WorkOrder
    new_work_order: bool
    message: Message
    files: list[Attachment] = field(default_factory=list)
    email: str = ""
    at: datetime | None = None
    answers_message: bool = False  # the work order holds a message before this one (see prepare)


def new_customer(*, email: str, name: str, language: str) -> Customer:
    """The customer a first mail from an unknown address records (as ``customer_for_email`` names it)."""
    shown = display_text.clean(name or "")[:200] or email.split("@", 1)[0][:200]
    return Customer(name=shown, preferred_language=language if language in LANGUAGES else "es")


def prepare(*, customer: Customer, new: bool, email: str, name: str, work_order: WorkOrder | None,
            title: str, body: str, html: str = "", original: str = "", message_id: str | None = None,
            in_reply_to: str = "", attachments: Sequence[tuple[str, bytes]] = (), at: datetime,
            answers_message: bool = False) -> Written:
    """A customer's public message by email, checked and cleaned as ``open_written_request`` (when
    ``work_order`` is None) and ``post_message`` would; its files stored (:func:`discard` them if the set
    is not written). ``customer``: a known one, or :func:`new_customer`'s (``new``: this message records it;
    a later message of the same set from the same address passes the same object with ``new=False``).
    ``work_order``: the open one it answers, read by the caller in its transaction, or another message's of
    this set. ``answers_message``: the caller knows ``work_order`` holds a message before this one (the one its
    Message-IDs name), so nobody reads whether it does (the staff are told of a customer's reply, not of a request).
    Raises :class:`NotForBulk` for what only the one-by-one path does."""
    try:
        text, author_name, author_email, html, original, the_message_id, reply_to = _clean_fields(
            body=body, author_name=name, author_email=email, html=html, original=original, message_id=message_id,
            in_reply_to=in_reply_to)
    except InputError as exc:
        raise NotForBulk(exc.code) from exc
    if not text and not attachments:
        raise NotForBulk("required")
    safe_html = sanitise_html(html) if html.strip() else ""
    text, safe_html, original, found = _take_credentials(text, safe_html, original)
    if found:
        raise NotForBulk("credentials")  # the vault takes them, with the work order's rules (ET-3)
    new_work_order = work_order is None
    if work_order is None:
        values = {"title": display_text.clean(title)[:200] or "-", "problem_story": body[:TEXT_LIMIT]}
        # The story is most often the message's text, just found free of credentials: not looked at twice.
        if values["problem_story"] != text and credentials.take_from_fields(values):
            raise NotForBulk("credentials")
        work_order = WorkOrder(customer=customer, requester=customer, channel=Channel.EMAIL,
                               direction=Direction.REACTIVE, knowledge_level=customer.knowledge_level,
                               created_at=at, updated_at=at, **values)
    elif work_order.phase == Phase.CLOSURE:
        raise NotForBulk("closed")  # the customer's message reopens it (SP-1)
    if attachments and not new_work_order:
        raise NotForBulk("files_on_reply")  # the work order's file limit is counted on its locked row
    if len(attachments) > files.per_work_order_limit():
        raise NotForBulk("too_many_attachments")
    message = Message(work_order=work_order, author=None, author_name=author_name, author_email=author_email,
                      direction=MessageDirection.INBOUND, channel=Channel.EMAIL, visibility=Visibility.PUBLIC,
                      body=text, body_html=safe_html, original=original or None, message_id=the_message_id,
                      in_reply_to=reply_to, checked_findings=[], created_at=at)
    written = Written(customer=customer, new_customer=new, work_order=work_order, new_work_order=new_work_order,
                      message=message, email=email.strip()[:254], at=at,
                      answers_message=answers_message and not new_work_order)
    try:
        for filename, data in attachments:
            written.files.append(files.prepare(file=io.BytesIO(data), filename=filename, uploaded_by=None,
                                               internal=False))
    except InputError as exc:
        files.discard(written.files)
        raise NotForBulk(exc.code) from exc
    except BaseException:
        files.discard(written.files)
        raise
    return written


def discard(items: Sequence[Written]) -> None:
    """Remove the stored bytes of the prepared files of a set that was not written."""
    for item in items:
        files.discard(item.files)


def _teams(items: Sequence[Written]) -> dict[int, Team | None]:
    """``portal_team`` of each new work order's customer, by ``id(customer)``: read once for the set (the
    organisation's team, else the team of the customer's latest work order, else the first team)."""
    teams: dict[int, Team | None] = {}
    latest: dict[int, int | None] = {}
    known = {item.customer.pk for item in items if item.new_work_order and not item.new_customer
             and item.customer.pk is not None and not (item.customer.organisation_id and item.customer.organisation
                                                        and item.customer.organisation.team_id)}
    if known:
        newest = (WorkOrder.objects.filter(customer=OuterRef("pk"), team__isnull=False).order_by("-created_at")
                  .values("team_id")[:1])
        latest = dict(Customer.objects.filter(pk__in=known).annotate(team_of=Subquery(newest))
                      .values_list("pk", "team_of"))
    wanted = {team_id for team_id in latest.values() if team_id is not None}
    found = Team.objects.in_bulk(wanted) if wanted else {}
    for item in items:
        customer = item.customer
        if not item.new_work_order or id(customer) in teams:
            continue
        if customer.organisation_id and customer.organisation and customer.organisation.team_id:
            teams[id(customer)] = customer.organisation.team
        elif latest.get(customer.pk) is not None:
            teams[id(customer)] = found.get(latest[customer.pk])  # type: ignore[arg-type]
        else:
            teams[id(customer)] = db.memo("desk.first_team", lambda: Team.objects.order_by("name").first())
    return teams


def _event(work_order: WorkOrder, kind: str, changes: dict[str, tuple[Any, Any]], note: str,
           at: datetime) -> WorkOrderEvent:
    return WorkOrderEvent(work_order=work_order, actor=None, kind=kind, note=note, at=at,
                          changes=history_changes(changes))


def _saved(model: type, written: Sequence[Any]) -> None:
    """``post_save`` for rows written by ``rows.insert_many``, as ``save()`` sends it."""
    for row in written:
        post_save.send(sender=model, instance=row, created=True, update_fields=None, raw=False, using="default")


def write(items: Sequence[Written], *, now: datetime) -> None:
    """Write a prepared set (inside the caller's transaction): one INSERT a table, then the signals each row's
    ``save()`` would have sent, message by message in the set's order."""
    if not items:
        return
    with transaction.atomic(savepoint=False):
        customers = [item.customer for item in items if item.new_customer]
        rows.insert_many(customers)
        points = [ContactPoint(customer=item.customer, kind=ContactPoint.Kind.EMAIL, value=item.email,
                               preferred=True, number="") for item in items if item.new_customer]
        rows.insert_many(points)
        customer_events = [CustomerEvent(customer=item.customer, actor=None, kind="created", changes={
            "name": [None, item.customer.name], "contact_points": [None, [item.email]]})
            for item in items if item.new_customer]
        rows.insert_many(customer_events)
        opened = [item for item in items if item.new_work_order]
        teams = _teams(opened)
        for item, number in zip(opened, reserve_work_order_numbers(len(opened)), strict=True):
            item.work_order.number = number
            item.work_order.team = teams[id(item.customer)]
        rows.insert_many([item.work_order for item in opened])
        rows.insert_many([item.message for item in items])
        attached = []
        for item in items:
            for attachment in item.files:
                attachment.work_order, attachment.message = item.work_order, item.message
                attached.append(attachment)
        rows.insert_many(attached)
        events: dict[int, list[WorkOrderEvent]] = {}
        for item in items:
            work_order, found = item.work_order, events.setdefault(id(item), [])
            if item.new_work_order:
                initial = {"customer": item.customer, "requester": item.customer, "team": work_order.team,
                           "channel": work_order.channel, "title": work_order.title,
                           "problem_story": work_order.problem_story}
                found.append(_event(work_order, "created", {k: (None, v) for k, v in initial.items()
                                                            if v not in ("", None)}, "", now))
            for attachment in item.files:
                found.append(_event(work_order, "attachment_added", {
                    "attachment": (None, attachment.filename), "size": (None, attachment.size)},
                    f"SHA-256 {attachment.sha256}", attachment.uploaded_at))
            found.append(_event(work_order, "message", {"visibility": (None, Visibility.PUBLIC),
                                                        "direction": (None, MessageDirection.INBOUND),
                                                        "channel": (None, Channel.EMAIL)},
                                f"message {item.message.pk}", now))
        rows.insert_many([event for item in items for event in events[id(item)]])
        # A customer's message: it is no longer their move (the new work orders were written so).
        answered = {item.work_order.pk for item in items if not item.new_work_order}
        if answered:
            WorkOrder.objects.filter(pk__in=answered).update(awaiting_customer_since=None, updated_at=now)
        for item in items:
            if not item.new_work_order:
                item.work_order.awaiting_customer_since, item.work_order.updated_at = None, now
        _saved(Customer, customers)
        _saved(ContactPoint, points)
        _saved(CustomerEvent, customer_events)
        for item in items:
            if item.new_work_order:
                _saved(WorkOrder, [item.work_order])
            found = events[id(item)]
            if item.new_work_order:
                _saved(WorkOrderEvent, found[:1])
                found = found[1:]
            _saved(Message, [item.message])
            _saved(Attachment, item.files)
            _saved(WorkOrderEvent, found)
            first = True if item.new_work_order else False if item.answers_message else None
            message_stored.send_robust(sender=Message, message=item.message, work_order=item.work_order, first=first)
        set_stored.send(sender=Message, items=items)
    for item in items:
        transaction.on_commit(lambda item=item: message_posted.send_robust(  # type: ignore[misc]
            sender=Message, message=item.message, work_order=item.work_order, reopened=False))
