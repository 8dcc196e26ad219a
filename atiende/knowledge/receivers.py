"""Keeps the search index in step with the desk, inside the transaction of each change.

The desk never knows it is indexed: the knowledge app listens to its models. Work orders
change through conditional UPDATEs that send no signal, but every change leaves a line
of history (``WorkOrderEvent``, ``CustomerEvent``), written after the change; indexing
on that line reads the row as it now is. Raw saves (``loaddata``) are left to
``atiende search reindex``.

Inside a :func:`atiende.db.coalesced` block (a mail taken in, a message posted) each work
order and customer is indexed once, when the block ends, still inside the transaction:
opening a work order by mail saves the work order, its message, the customer and the
customer's address, four signals for two entries. The first of them to run takes the others
still waiting of its kind (:func:`atiende.db.take_waiting`) and writes them all with a few
statements: a batch of mail (``mail.intake.receive_batch``) indexes its twenty work orders
and customers together, not one by one. The work orders and customers such a batch created
as one set (``desk.bulk``, :data:`atiende.desk.signals.set_stored`) are indexed from the rows
in hand instead, with no read of what the set just wrote.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver

from atiende import db
from atiende.desk.models import (
    ContactPoint,
    Customer,
    CustomerEvent,
    Message,
    Organisation,
    WorkOrder,
    WorkOrderEvent,
)
from atiende.desk.signals import opened_in_set, set_stored
from atiende.knowledge import index
from atiende.knowledge.models import Article, CannedAnswer, SearchKind
from atiende.people.models import Team

# History lines that follow a save this module already indexed on (the work order or customer created,
# the message written): indexing again on them would read and write the same document a second time.
AFTER_A_SAVE = frozenset({"created", "message"})
# The kind of a work order's indexing for atiende.db.once (and db.later, for a caller that indexes it itself later).
WORK_ORDER_ENTRY = "index.work_order"


@receiver(post_save, sender=WorkOrder, dispatch_uid="knowledge.work_order_saved")
@receiver(post_save, sender=WorkOrderEvent, dispatch_uid="knowledge.work_order_event")
@receiver(post_save, sender=Message, dispatch_uid="knowledge.message_saved")
@receiver(post_delete, sender=Message, dispatch_uid="knowledge.message_deleted")
def work_order_changed(sender: type, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw or (sender is WorkOrderEvent and instance.kind in AFTER_A_SAVE):
        return
    pk = instance.pk if sender is WorkOrder else instance.work_order_id
    if sender is WorkOrder and kwargs.get("created") and db.coalescing():
        # Opened in this block: its entry comes from the row in hand (no message, no former entry), unless
        # anything else in the block touches it (a message, a change: then the full read below takes its place).
        db.once((WORK_ORDER_ENTRY, pk), lambda: index.index_new_work_order(instance), provisional=True)
        return
    db.once((WORK_ORDER_ENTRY, pk), lambda: index.index_work_orders([pk, *db.take_waiting(WORK_ORDER_ENTRY)]))


@receiver(post_delete, sender=WorkOrder, dispatch_uid="knowledge.work_order_deleted")
def work_order_deleted(sender: type, instance: WorkOrder, **kwargs: Any) -> None:
    index.remove_work_order(instance.pk)  # and its customers' scope without it


@receiver(post_save, sender=Customer, dispatch_uid="knowledge.customer_saved")
@receiver(post_save, sender=CustomerEvent, dispatch_uid="knowledge.customer_event")
@receiver(post_save, sender=ContactPoint, dispatch_uid="knowledge.contact_point_saved")
@receiver(post_delete, sender=ContactPoint, dispatch_uid="knowledge.contact_point_deleted")
def customer_changed(sender: type, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw or (sender is CustomerEvent and instance.kind in AFTER_A_SAVE):
        return
    pk = instance.pk if sender is Customer else instance.customer_id
    db.once(("index.customer", pk), lambda: index.index_customers([pk, *db.take_waiting("index.customer")]))


@receiver(set_stored, dispatch_uid="knowledge.set_stored")
def set_written(sender: type, items: Any, **kwargs: Any) -> None:
    """A set of mail (``desk.bulk.write``): the work orders it opened and the customers it recorded hold only what
    the set wrote, so their entries are built from its rows (:func:`index.index_written`), taking the work their
    ``post_save`` asked for (``db.claim``: none waiting, nothing to do); a work order it answered is read as usual."""
    opened = opened_in_set(items)
    recorded = {id(item.customer): item for item in items if item.new_customer}
    work_orders = [(work_order, [m.body for m in sorted(messages, key=lambda m: (m.created_at, m.pk))])
                   for work_order, messages in opened if db.claim((WORK_ORDER_ENTRY, work_order.pk))]
    named: dict[int, list[WorkOrder]] = {}
    for work_order, _messages in opened:
        for person in {work_order.customer_id, work_order.requester_id, work_order.decision_maker_id} - {None}:
            named.setdefault(person, []).append(work_order)
    customers = [(item.customer, [item.email], named.get(item.customer.pk, [])) for item in recorded.values()
                 if db.claim(("index.customer", item.customer.pk))]
    if work_orders or customers:
        index.index_written(work_orders, customers)


@receiver(post_delete, sender=Customer, dispatch_uid="knowledge.customer_deleted")
def customer_deleted(sender: type, instance: Customer, **kwargs: Any) -> None:
    index.remove(SearchKind.CUSTOMER, instance.pk)


@receiver(post_save, sender=Organisation, dispatch_uid="knowledge.organisation_saved")
def organisation_changed(sender: type, instance: Organisation, raw: bool = False, created: bool = False,
                         **kwargs: Any) -> None:
    if raw or created:
        return
    for pk in Customer.objects.filter(organisation=instance).values_list("pk", flat=True).iterator():
        db.once(("index.customer", pk), lambda pk=pk: index.index_customers([pk, *db.take_waiting("index.customer")]))


@receiver(post_delete, sender=Article, dispatch_uid="knowledge.article_deleted")
@receiver(post_delete, sender=CannedAnswer, dispatch_uid="knowledge.canned_answer_deleted")
def knowledge_deleted(sender: type, instance: Any, **kwargs: Any) -> None:
    # Deleted by the services (which remove the entry too) or with their team (a canned answer's cascade).
    index.remove(SearchKind.ARTICLE if sender is Article else SearchKind.CANNED_ANSWER, instance.pk)


# A team deleted leaves its work orders and organisations without a team (SET_NULL, an UPDATE that sends no
# signal): they join the pool, and the index must say so. What it held is noted before, written again after.
@receiver(pre_delete, sender=Team, dispatch_uid="knowledge.team_deleting")
def team_deleting(sender: type, instance: Team, **kwargs: Any) -> None:
    instance._search_work_orders = list(WorkOrder.objects.filter(team=instance).values_list("pk", flat=True))
    instance._search_customers = list(Customer.objects.filter(organisation__team=instance).values_list("pk", flat=True))


@receiver(post_delete, sender=Team, dispatch_uid="knowledge.team_deleted")
def team_deleted(sender: type, instance: Team, **kwargs: Any) -> None:
    for pk in getattr(instance, "_search_work_orders", []):
        index.index_work_order(pk)
    index.refresh_customer_scopes(getattr(instance, "_search_customers", []))
