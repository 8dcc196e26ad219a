"""Signals the help desk sends, and its own receivers.

Sent by the desk (listen to them from a channel adapter or a notifier; the desk
never knows who listens):

``message_posted(sender=Message, message, work_order, reopened)``
    A message was added to a work order's conversation
    (:func:`atiende.desk.messages.post_message`), sent once the transaction has
    committed, so a listener never sees a message that was rolled back. ``reopened``
    is true when a customer's message reopened a closed work order. A receiver that
    raises is logged and does not undo the message (``send_robust``). Internal notes
    are sent too: a listener that talks to customers must skip
    ``message.visibility == "internal"``.

``message_stored(sender=Message, message, work_order)``
    The same message, sent inside the transaction that stores it, before the commit: a
    listener that writes its own rows there (the mail adapter's outbox row for a reply,
    issue 24) commits or rolls back with the message, so a process killed right after
    the commit (when ``message_posted`` never comes) leaves nothing half done. A receiver
    must keep its writes in a savepoint; one that raises is logged and does not undo the
    message (``send_robust``). ``first=True`` when the sender knows the message opened its
    work order (``desk.bulk`` writes a request and its reply before telling of either).

``set_stored(sender=Message, items)``
    A set of customers' messages written together (:func:`atiende.desk.bulk.write`, a batch
    of mail), sent inside its transaction after every row's ``post_save`` and each
    ``message_stored``. ``items``: the set's :class:`atiende.desk.bulk.Written`, in order (each
    message, its work order and customer, whether the set opened that work order or recorded
    that customer, its files). A work order the set opened and a customer it recorded hold
    nothing but what the items show, so a listener that keeps derived rows (the search index,
    the SLA clocks) may build those from the items instead of reading them back, taking the
    work its ``post_save`` receivers asked for (:func:`atiende.db.claim`); anything later in
    the transaction that changes them asks for it again. A receiver that raises breaks the set
    (the batch is then stored one message at a time).

Receivers:

An attachment's stored bytes go with its row (also when a work order's
deletion cascades), once the deletion is committed.

``ContactPoint.number`` (the phone as the telephony compares it, which the CTI
looks callers up by) is filled by ``ContactPoint.save()``. A fixture loaded with
``loaddata`` is saved raw (``save_base(raw=True)``), past that method, so its
phones would keep a blank or stale number and never link a caller to the
customer; this receiver fills it for raw saves too. It only reads the row being
saved, as raw saves require.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.files.storage import Storage
from django.db import transaction
from django.db.models.signals import post_delete, pre_save
from django.dispatch import Signal, receiver

from atiende.desk.models import Attachment, ContactPoint

log = logging.getLogger(__name__)

message_posted = Signal()
message_stored = Signal()
set_stored = Signal()


def opened_in_set(items: Any) -> list[tuple[Any, list[Any]]]:
    """The work orders a ``set_stored`` set opened, in order, each with the messages the set wrote on it (a
    request and its replies in the same batch): what a listener builds a new work order's derived rows from."""
    opened: dict[int, tuple[Any, list[Any]]] = {}
    for item in items:
        if item.new_work_order:
            opened.setdefault(id(item.work_order), (item.work_order, []))
        if id(item.work_order) in opened:
            opened[id(item.work_order)][1].append(item.message)
    return list(opened.values())


@receiver(pre_save, sender=ContactPoint, dispatch_uid="desk.contact_point_number_on_raw_save")
def contact_point_number_on_raw_save(sender: type[ContactPoint], instance: ContactPoint, raw: bool = False,
                                     **kwargs: Any) -> None:
    if raw:  # a normal save() has already set it
        instance.number = ContactPoint.phone_number(instance.kind, instance.value)


def _remove_file(storage: Storage, name: str) -> None:
    try:
        storage.delete(name)
    except OSError:
        log.warning("could not remove the stored attachment file %s", name, exc_info=True)


@receiver(post_delete, sender=Attachment, dispatch_uid="desk.attachment_remove_file")
def remove_attachment_file(sender: type, instance: Attachment, **kwargs: Any) -> None:
    """The stored bytes go with the row, once the deletion is committed: a rolled-back deletion keeps its file."""
    name = instance.file.name
    if name:
        storage = instance.file.storage
        transaction.on_commit(lambda: _remove_file(storage, name))
