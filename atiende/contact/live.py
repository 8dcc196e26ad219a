"""Live updates for consoles (Channels) and the telephony webhook's outbox, for each contact change.

:func:`after_commit` is called by the services' ``_persist`` inside the change's
transaction. It stores the webhook decisions there and then (the outbox,
atiende/contact/webhooks.py), and sends the consoles' update only once the
transaction commits, so a console or a PBX never sees a change that was rolled
back. Websocket groups: ``contacts`` (supervisors' board),
``technician-<id>`` (one technician's console) and ``queue-<hash of the name>``
or ``queue-all`` (the technicians serving a queue, or every queue). An update
goes to the board, to every technician it names (who has the call, who it is
ringing at, the receiver of a transfer, who had it before, whom an alert is
for) and, for a transfer to a queue, to the technicians who may accept it
(TR-4): they learn of the offer, and of its end (accepted, declined, timed out),
without re-reading.

The webhook (``ATIENDE_WEBHOOK_URL``, signed with ``ATIENDE_WEBHOOK_SECRET``)
tells the telephony side what Atiende decided: ring a technician, hold,
resume, transfer, hang up. Workers deliver the stored rows with retries, so a
slow or absent PBX never slows an action and a crash loses nothing; see
docs/cti.md for the signature and the guarantees.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction

from atiende.contact import webhooks

if TYPE_CHECKING:
    from atiende.contact.models import Alert, Contact
    from atiende.engine import Event

log = logging.getLogger(__name__)

BOARD_GROUP = "contacts"
ALL_QUEUES_GROUP = "queue-all"  # technicians who serve every queue (an empty list of queues)

# Event data naming technicians an update concerns (ids): who it rings or stops ringing at, the receiver and
# the requester of a transfer, whom a returned transfer goes back to, who had the call before a supervisor.
_NAMED = ("technician", "to_technician", "to", "from", "back_to", "supervisor")


def technician_group(user_id: int) -> str:
    return f"technician-{user_id}"


def queue_group(name: str) -> str:
    """The group of the technicians serving a queue (names may hold anything; group names may not)."""
    return "queue-" + hashlib.sha256(name.encode()).hexdigest()[:24]


def groups_for_queues(queues: Iterable[str] | None) -> list[str]:
    """The queue groups a technician joins: one per queue served, or the all-queues group (none listed)."""
    names = sorted({q for q in queues or () if isinstance(q, str) and q})
    return [queue_group(q) for q in names] if names else [ALL_QUEUES_GROUP]


def after_commit(row: Contact, events: Iterable[Event], alerts: Iterable[Alert]) -> None:
    events = list(events)
    alerts = list(alerts)
    transfer = (row.data or {}).get("transfer") or None
    technicians, queues = _concerned(row, events, alerts, transfer)
    message = {
        "type": "contact.update",
        "contact": {"id": row.pk, "state": row.state, "assignee": row.assignee_id, "version": row.version,
                    "queue_id": row.queue_id, "offered_to": row.offered_to_id,
                    "transfer": ({"to_technician": transfer.get("to_technician"), "to_queue": transfer.get("to_queue"),
                                  "deadline": transfer.get("deadline")} if transfer else None)},
        "events": [{"kind": e.kind, "at": e.at.isoformat(), "rule": e.rule} for e in events],
        "alerts": [{"kind": a.kind, "rule": a.rule, "level": a.level, "technician": a.technician_id,
                    "message_es": a.message_es, "message_en": a.message_en} for a in alerts],
        # For the consumers, not sent on: whom it names (a supervisor named sees it whatever their scope), and
        # an id to drop the second copy when one socket is in two of the groups.
        "notify": sorted(technicians),
        "update": uuid.uuid4().hex,
    }
    groups = [BOARD_GROUP, *(technician_group(t) for t in sorted(technicians))]
    if queues:
        groups += [*sorted(queue_group(q) for q in queues), ALL_QUEUES_GROUP]
    webhooks.record(row, events)  # the outbox rows: in this transaction, so they commit or roll back with it
    transaction.on_commit(lambda: _after(message, groups))


def _concerned(row: Contact, events: list[Event], alerts: list[Alert],
               transfer: dict[str, Any] | None) -> tuple[set[int], set[str]]:
    """The technicians an update names, and the queues whose technicians were (or are) offered a transfer."""
    technicians = {row.assignee_id, row.offered_to_id, *(a.technician_id for a in alerts)}
    queues: set[str] = set()
    if transfer:
        technicians.add(transfer.get("to_technician"))
        queues.add(transfer.get("to_queue") or "")
    for event in events:
        technicians.update(event.data.get(key) for key in _NAMED)
        if event.kind in ("transfer_requested", "transfer_accepted", "transfer_returned"):
            # Where the transfer was offered. An acceptance, or a return by a hang-up, does not say: the
            # request it ends does (one query, on those events only).
            offered = event.data if "to_queue" in event.data else _last_transfer_request(row)
            technicians.add(offered.get("to_technician"))
            queues.add(offered.get("to_queue") or "")
    return {t for t in technicians if isinstance(t, int)}, {q for q in queues if q}


def _last_transfer_request(row: Contact) -> dict[str, Any]:
    from atiende.contact.models import ContactEvent

    data = (ContactEvent.objects.filter(contact_id=row.pk, kind="transfer_requested")
            .order_by("-at", "-id").values_list("data", flat=True).first())
    return data if isinstance(data, dict) else {}


def _after(message: dict[str, Any], groups: list[str]) -> None:
    if _anyone_listening(groups):
        _send(message, groups)


def _anyone_listening(groups: list[str]) -> bool:
    """Skip the fan-out when an in-process layer has no console connected (the usual case in tests and benches)."""
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    joined = getattr(layer, "groups", None)
    if layer is None:
        return False
    if joined is None:  # Redis or another shared layer: consoles may be in other processes
        return True
    return any(joined.get(g) for g in groups)


# ---- webhook to the telephony side: see atiende/contact/webhooks.py (stored outbox) ----

WEBHOOK_ACTIONS = webhooks.ACTIONS
webhook_url = webhooks.webhook_url
sign = webhooks.sign


def wait_for_webhooks(timeout: float = 5.0) -> int:
    """Deliver, in this thread, every stored webhook due now (tests, a clean shutdown); returns how many.

    ``timeout`` is kept for callers of the former in-memory queue: each POST has its own timeout.
    """
    return webhooks.deliver_due(worker=f"wait-{threading.get_ident()}")


def _send(message: dict[str, Any], groups: list[str]) -> None:
    """One hop to the event loop for the whole update: every group is sent to at once, in that one call."""
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None:
        return
    from asgiref.sync import async_to_sync

    try:
        async_to_sync(_send_all)(layer, message, groups)
    except Exception:  # a live update must never break the action that caused it
        log.exception("live update failed")


async def _send_all(layer: Any, message: dict[str, Any], groups: list[str]) -> None:
    results = await asyncio.gather(*(layer.group_send(g, message) for g in groups), return_exceptions=True)
    for group, result in zip(groups, results, strict=True):
        if isinstance(result, BaseException):  # one group failing does not keep the others from their update
            log.error("live update to %s failed", group, exc_info=result)
