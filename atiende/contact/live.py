"""Live updates after a change is committed: websocket groups for consoles (Channels).

Nothing is sent before the transaction commits, so a console never shows a
change that was rolled back. Groups: ``contacts`` (supervisors' board) and
``technician-<id>`` (one technician's console).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction

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
    targets = {row.assignee_id, *(a.technician_id for a in alerts)} - {None}
    transaction.on_commit(lambda: _send(message, targets))


def _send(message: dict[str, Any], technicians: set[int | None]) -> None:
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None:
        return
    from asgiref.sync import async_to_sync

    try:
        async_to_sync(layer.group_send)(BOARD_GROUP, message)
        for tid in technicians:
            if tid is not None:
                async_to_sync(layer.group_send)(technician_group(tid), message)
    except Exception:  # a live update must never break the action that caused it
        log.exception("live update failed")
