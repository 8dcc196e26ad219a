"""What the staff are notified of, read from the desk's own events (the desk never calls this app).

- **new_request**: a work order opened by the customer or a channel (portal, email, chat:
  not by a member of the staff) tells the active staff of its team.
- **assigned**: a work order assigned to someone (when opened or changed) tells them,
  unless they did it themselves.
- **customer_reply**: a customer's public message tells the assignee, or the team when
  nobody has it; the first message of a request the customer opened is the request
  itself (already told as new_request), and a line of a live chat is read in the console's
  chat as it arrives (one notification and one email a chat line would drown the technician).
- **commitment_due**: a commitment coming due (``reminders.remind_due_commitments``, run by
  the worker) or flagged missed (PT-2) tells its owner.

Each is written inside the change's own transaction (``services.with_change``), so it commits
with the change and a process killed right after the commit loses none (issue 16); a failure of
the notification itself is logged and never undoes the change. The live update of the bell waits
for the commit (``services.notify``).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from atiende import db
from atiende.desk.models import Channel, Commitment, Message, WorkOrder, WorkOrderEvent
from atiende.desk.signals import message_stored
from atiende.notifications.models import Kind
from atiende.notifications.services import notify, with_change
from atiende.people.models import Team, User
from atiende.people.roles import STAFF, account_role, role_filter

log = logging.getLogger(__name__)


def work_order_url(number: int) -> str:
    return reverse("desk:work_order_detail", args=[number])


def staff_account(user: User | None) -> bool:
    """Written or done by a member of the help desk (active or not since)."""
    return account_role(user) in STAFF


def team_staff(team_id: int | None) -> list[User]:
    """The active staff of a team: read once per coalesced block (a batch of mail tells its twenty new requests
    to the same team), again after a user or a team is saved."""
    if team_id is None:
        return []
    return list(db.memo(("notifications.team_staff", team_id),
                        lambda: list(User.objects.filter(role_filter(STAFF), teams=team_id, is_active=True))))


@receiver(post_save, sender=User, dispatch_uid="notifications.user_saved")
@receiver(post_save, sender=Team, dispatch_uid="notifications.team_saved")
@receiver(post_delete, sender=Team, dispatch_uid="notifications.team_deleted")
@receiver(m2m_changed, sender=User.teams.through, dispatch_uid="notifications.user_teams")
def staff_changed(sender: type, **kwargs: Any) -> None:
    db.forget()  # team_staff (and the desk's first team for a new customer) read again


@receiver(post_save, sender=WorkOrderEvent, dispatch_uid="notifications.work_order_event")
def on_work_order_event(sender: type, instance: WorkOrderEvent, created: bool, raw: bool = False,
                        **kwargs: Any) -> None:
    if not created or raw or instance.kind not in ("created", "changed"):
        return
    changes = instance.changes if isinstance(instance.changes, dict) else {}
    if instance.kind == "created" and not staff_account(instance.actor):
        # Staff who open one (on the phone, at the counter) know of it; its assignment is told apart.
        with_change(lambda: _opened(instance))
    new_assignee = (changes.get("assignee") or [None, None])[-1]
    if isinstance(new_assignee, dict) and isinstance(new_assignee.get("id"), int):
        with_change(lambda: _assigned(instance, new_assignee["id"]))


def _work_order(pk: int) -> WorkOrder | None:
    return WorkOrder.objects.select_related("customer").filter(pk=pk).first()


def _opened(event: WorkOrderEvent) -> None:
    # The work order the desk has just created, with its customer, as it wrote them (no second read).
    cached = WorkOrderEvent.work_order.field.get_cached_value(event, default=None)
    work_order = cached if cached is not None and WorkOrder.customer.is_cached(cached) else _work_order(
        event.work_order_id)
    if work_order is None:
        return

    def text() -> str:
        return _("New request #%(number)s from %(customer)s: %(title)s") % {
            "number": work_order.number, "customer": work_order.customer.greeting_name, "title": work_order.title}

    notify(recipients=team_staff(work_order.team_id), kind=Kind.NEW_REQUEST, text=text, work_order=work_order,
           url=lambda: work_order_url(work_order.number))


def _assigned(event: WorkOrderEvent, user_id: int) -> None:
    work_order = _work_order(event.work_order_id)
    if work_order is None or work_order.assignee_id != user_id or event.actor_id == user_id:
        return

    def text() -> str:
        return _("Work order #%(number)s is assigned to you: %(title)s") % {
            "number": work_order.number, "title": work_order.title}

    notify(recipients=User.objects.filter(pk=user_id), kind=Kind.ASSIGNED, text=text, work_order=work_order,
           url=lambda: work_order_url(work_order.number))


@receiver(post_save, sender=Commitment, dispatch_uid="notifications.commitment_missed")
def on_commitment_missed(sender: type, instance: Commitment, created: bool, raw: bool = False,
                         update_fields: Any = None, **kwargs: Any) -> None:
    """PT-2: flagged missed (``flag_missed_commitments`` saves status and alerted_at): tell its owner."""
    if raw or created or not update_fields or "alerted_at" not in update_fields:
        return
    if instance.status == Commitment.Status.MISSED:
        with_change(lambda: commitment_due(instance, missed=True))


def commitment_due(commitment: Commitment, *, missed: bool) -> None:
    """Tell a commitment's owner it comes due (``missed=False``) or was not kept in time."""
    work_order = _work_order(commitment.work_order_id)
    owner = User.objects.filter(pk=commitment.owner_id).first() if commitment.owner_id else None
    if work_order is None or owner is None:
        return

    def text() -> str:
        values = {"number": work_order.number, "description": commitment.description,
                  "due": formats.date_format(timezone.localtime(commitment.due_at), "SHORT_DATETIME_FORMAT")}
        if missed:
            return _("Commitment missed on #%(number)s (due %(due)s): %(description)s") % values
        return _("Commitment due %(due)s on #%(number)s: %(description)s") % values

    notify(recipients=[owner], kind=Kind.COMMITMENT_DUE, text=text, work_order=work_order,
           url=lambda: work_order_url(work_order.number))


@receiver(message_stored, dispatch_uid="notifications.customer_reply")
def on_message_stored(sender: type, message: Message, work_order: WorkOrder, **kwargs: Any) -> None:
    if message.direction != "in" or message.visibility != "public" or staff_account(message.author):
        return
    if message.channel == Channel.CHAT:
        return  # live in the console's chat (chat.live), not a reply to be told of
    first = kwargs.get("first")  # the sender knows whether it is the work order's first message (a set of mail)
    with_change(lambda: _customer_reply(message, work_order, first))


def _customer_reply(message: Message, work_order: WorkOrder, first: bool | None = None) -> None:
    opened_by_customer = work_order.created_by_id is None or not staff_account(work_order.created_by)
    # Earlier than this one: a set of mail writes a request and its reply before either is told of.
    earlier = (not first if first is not None
               else Message.objects.filter(work_order_id=work_order.pk, pk__lt=message.pk).exists())
    if opened_by_customer and not earlier:
        return  # the request itself: told as new_request
    recipients = [work_order.assignee] if work_order.assignee_id else team_staff(work_order.team_id)

    def text() -> str:
        return _("%(name)s wrote on #%(number)s: %(title)s") % {
            "name": message.sender_name or work_order.customer.greeting_name, "number": work_order.number,
            "title": work_order.title}

    notify(recipients=[r for r in recipients if r is not None], kind=Kind.CUSTOMER_REPLY, text=text,
           work_order=work_order, url=lambda: work_order_url(work_order.number))
