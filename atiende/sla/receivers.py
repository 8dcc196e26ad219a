"""The SLA clocks follow the desk's own events (the desk never calls this app).

Every line of a work order's history (``WorkOrderEvent``: opened, changed, a phase,
a message, reopened) refreshes its clocks once the change has committed; a failure
is logged and never undoes the change. Inside a :func:`atiende.db.coalesced` block (a
mail taken in, a message posted) the refresh runs once when the block ends, in the same
transaction and in a savepoint of its own: the clocks commit with the change that moved
them, without a second transaction (and, on SQLite, a second write to disk). The work orders a batch of mail opened
as one set (``desk.bulk``, :data:`atiende.desk.signals.set_stored`) get their clocks from the rows in hand, with no
read of what the set just wrote. A policy or a calendar saved in the admin
has every open work order looked at again by the next worker round.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from atiende import config_cache, db
from atiende.desk.models import Message, WorkOrder, WorkOrderEvent
from atiende.desk.signals import opened_in_set, set_stored
from atiende.sla import services
from atiende.sla.models import Holiday, SlaPolicy, TeamCalendar

log = logging.getLogger(__name__)


def _refresh(work_order_id: int) -> None:
    try:
        with transaction.atomic():
            services.refresh(work_order_id)
    except Exception:  # the clocks must never break the change that moved them
        log.exception("SLA refresh of work order %s failed", work_order_id)


def _refresh_waiting(work_order_id: int) -> None:
    """At the end of a coalesced block: this work order's clocks and those of every other work order still waiting
    in the block (a batch of mail), read and written together (services.refresh_many); if that fails, each alone."""
    ids = [work_order_id, *(pk for pk in db.take_waiting("sla.refresh") if isinstance(pk, int))]
    if len(ids) == 1:
        _refresh(work_order_id)
        return
    try:
        with transaction.atomic():
            services.refresh_many(ids)
    except Exception:
        log.warning("SLA refresh of %s work orders together failed; each alone", len(ids), exc_info=True)
        for pk in ids:
            _refresh(pk)


@receiver(post_save, sender=WorkOrderEvent, dispatch_uid="sla.work_order_event")
def on_work_order_event(sender: type, instance: WorkOrderEvent, created: bool, raw: bool = False,
                        **kwargs: Any) -> None:
    if created and not raw:
        work_order_id = instance.work_order_id
        if db.coalescing():
            if instance.kind == "created":
                # A work order opened in this block has no history and no message yet: its clocks come from the
                # row in hand, unless something else in the block touches it (then the full refresh below).
                work_order = instance.work_order
                db.once(("sla.refresh", work_order_id), lambda: _start(work_order), provisional=True)
                return
            db.once(("sla.refresh", work_order_id), lambda: _refresh_waiting(work_order_id))
            return
        # Once per work order and commit: the refresh reads the whole history, so the second line
        # of one change (a message and its history line, a mail's opening and its message) would
        # read it again for nothing. A later line follows the first one still waiting for the same
        # commit and runs only if that one did not (Django drops a rolled-back savepoint's callbacks).
        pending = transaction.get_connection().run_on_commit
        first = next((callback for _ids, callback, _robust in pending if isinstance(callback, _Refresh)
                      and callback.work_order_id == work_order_id and not callback.done), None)
        transaction.on_commit(_Refresh(work_order_id, after=first))


def _start(work_order: WorkOrder) -> None:
    try:
        with transaction.atomic():
            services.start(work_order)
    except Exception:  # the clocks must never break the change that moved them
        log.exception("SLA clocks of new work order %s failed", work_order.pk)


@receiver(post_save, sender=Message, dispatch_uid="sla.message_saved")
@receiver(post_save, sender=WorkOrder, dispatch_uid="sla.work_order_saved")
def on_work_order_touched(sender: type, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    """A new work order's row or messages changed in the block that opened it: its clocks are read in full."""
    if raw or (sender is WorkOrder and created) or not db.coalescing():
        return
    work_order_id = instance.pk if sender is WorkOrder else instance.work_order_id
    db.upgrade(("sla.refresh", work_order_id), lambda: _refresh_waiting(work_order_id))


@receiver(set_stored, dispatch_uid="sla.set_stored")
def on_set_stored(sender: type, items: Any, **kwargs: Any) -> None:
    """A set of mail (``desk.bulk.write``): the clocks of the work orders it opened come from its rows
    (``services.start_many``), taking the refresh their history lines asked for (``db.claim``); those of the work
    orders it answered are refreshed as usual. If that fails, each is refreshed alone, as a failed batch is."""
    claimed = [(work_order, messages) for work_order, messages in opened_in_set(items)
               if db.claim(("sla.refresh", work_order.pk))]
    if not claimed:
        return
    try:
        with transaction.atomic():
            services.start_many(claimed)
    except Exception:
        log.warning("SLA clocks of %s new work orders together failed; each alone", len(claimed), exc_info=True)
        for work_order, _messages in claimed:
            _refresh(work_order.pk)


class _Refresh:
    def __init__(self, work_order_id: int, after: _Refresh | None) -> None:
        self.work_order_id, self.after, self.done = work_order_id, after, False

    def __call__(self) -> None:
        self.done = True
        if self.after is not None and self.after.done:
            return  # the same commit's first refresh read the history as committed
        _refresh(self.work_order_id)


@receiver(post_save, sender=SlaPolicy, dispatch_uid="sla.policy_saved")
@receiver(post_delete, sender=SlaPolicy, dispatch_uid="sla.policy_deleted")
@receiver(post_save, sender=TeamCalendar, dispatch_uid="sla.calendar_saved")
@receiver(post_delete, sender=TeamCalendar, dispatch_uid="sla.calendar_deleted")
@receiver(post_save, sender=Holiday, dispatch_uid="sla.holiday_saved")
@receiver(post_delete, sender=Holiday, dispatch_uid="sla.holiday_deleted")
def on_settings_changed(sender: type, raw: bool = False, **kwargs: Any) -> None:
    # Every process reads the policies and calendars again (services.policies, calendar_for) once this commits.
    config_cache.changed()
    if not raw:
        transaction.on_commit(lambda: services.recheck_open())
