"""Live updates for consoles (Channels) and the telephony webhook's outbox, for each contact change.

:func:`after_commit` is called by the services' ``_persist`` inside the change's
transaction. It stores the webhook decisions there and then (the outbox,
atiende/contact/webhooks.py), and sends the consoles' update only once the
transaction commits, so a console or a PBX never sees a change that was rolled
back. Websocket groups: ``contacts`` (supervisors' board) and
``technician-<id>`` (one technician's console).

The webhook (``ATIENDE_WEBHOOK_URL``, signed with ``ATIENDE_WEBHOOK_SECRET``)
tells the telephony side what Atiende decided: ring a technician, hold,
resume, transfer, hang up. Workers deliver the stored rows with retries, so a
slow or absent PBX never slows an action and a crash loses nothing; see
docs/cti.md for the signature and the guarantees.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction

from atiende.contact import webhooks

if TYPE_CHECKING:
    from atiende.contact.models import Alert, Contact
    from atiende.engine import Event

log = logging.getLogger(__name__)

BOARD_GROUP = "contacts"


def technician_group(user_id: int) -> str:
    return f"technician-{user_id}"


def after_commit(row: Contact, events: Iterable[Event], alerts: Iterable[Alert]) -> None:
    message = {
        "type": "contact.update",
        "contact": {"id": row.pk, "state": row.state, "assignee": row.assignee_id, "version": row.version,
                    "queue_id": row.queue_id},
        "events": [{"kind": e.kind, "at": e.at.isoformat(), "rule": e.rule} for e in events],
        "alerts": [{"kind": a.kind, "rule": a.rule, "level": a.level, "technician": a.technician_id,
                    "message_es": a.message_es, "message_en": a.message_en} for a in alerts],
    }
    targets = {pk for pk in (row.assignee_id, *(a.technician_id for a in alerts)) if pk is not None}
    webhooks.record(row, events)  # the outbox rows: in this transaction, so they commit or roll back with it
    transaction.on_commit(lambda: _after(message, targets))


def _after(message: dict[str, Any], targets: set[int]) -> None:
    if _anyone_listening(targets):
        _send(message, targets)


def _anyone_listening(targets: set[int]) -> bool:
    """Skip the fan-out when an in-process layer has no console connected (the usual case in tests and benches)."""
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    groups = getattr(layer, "groups", None)
    if layer is None:
        return False
    if groups is None:  # Redis or another shared layer: consoles may be in other processes
        return True
    wanted = {BOARD_GROUP, *(technician_group(t) for t in targets)}
    return any(groups.get(g) for g in wanted)


# ---- webhook to the telephony side: see atiende/contact/webhooks.py (stored outbox) ----

WEBHOOK_ACTIONS = webhooks.ACTIONS
webhook_url = webhooks.webhook_url
sign = webhooks.sign


def wait_for_webhooks(timeout: float = 5.0) -> int:
    """Deliver, in this thread, every stored webhook due now (tests, a clean shutdown); returns how many.

    ``timeout`` is kept for callers of the former in-memory queue: each POST has its own timeout.
    """
    return webhooks.deliver_due(worker=f"wait-{threading.get_ident()}")


def _send(message: dict[str, Any], technicians: set[int]) -> None:
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None:
        return
    from asgiref.sync import async_to_sync

    try:
        async_to_sync(layer.group_send)(BOARD_GROUP, message)
        for tid in technicians:
            async_to_sync(layer.group_send)(technician_group(tid), message)
    except Exception:  # a live update must never break the action that caused it
        log.exception("live update failed")
