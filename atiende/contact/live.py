"""After a change is committed: live updates for consoles (Channels) and the telephony webhook.

Nothing is sent before the transaction commits, so a console or a PBX never
sees a change that was rolled back. Websocket groups: ``contacts``
(supervisors' board) and ``technician-<id>`` (one technician's console).

The webhook (``ATIENDE_WEBHOOK_URL``, signed with ``ATIENDE_WEBHOOK_SECRET``)
tells the telephony side what Atiende decided: ring a technician, hold,
resume, transfer, hang up. It is sent from a background thread, so a slow PBX
never slows an action; see docs/cti.md for the signature.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import queue
import threading
import time
import urllib.request
import uuid
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
    targets = {pk for pk in (row.assignee_id, *(a.technician_id for a in alerts)) if pk is not None}
    decisions = _decisions(row, events) if webhook_url() else []
    transaction.on_commit(lambda: _after(message, targets, decisions))


def _after(message: dict[str, Any], targets: set[int], decisions: list[dict[str, Any]]) -> None:
    if _anyone_listening(targets):
        _send(message, targets)
    for decision in decisions:
        _webhook_queue().put(decision)


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


# ---- webhook to the telephony side ---------------------------------------------

WEBHOOK_ACTIONS = {
    "offered": "ring",
    "returned_to_queue": "stop_ringing",
    "hold": "hold",
    "resumed": "resume",
    "transfer_accepted": "transfer",
    "transfer_returned": "return_call",
    "supervisor_joined": "conference",
    "hangup": "hangup",
}


def webhook_url() -> str:
    return os.environ.get("ATIENDE_WEBHOOK_URL", "")


def sign(body: bytes, secret: str, timestamp: str) -> str:
    """``sha256=<hex>`` of HMAC-SHA256 over ``<timestamp>.<body>`` (the PBX checks it the same way)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def _decisions(row: Contact, events: Iterable[Event]) -> list[dict[str, Any]]:
    from atiende.people.models import User

    out = []
    for event in events:
        action = WEBHOOK_ACTIONS.get(event.kind)
        if action is None:
            continue
        who = (event.data.get("technician") or event.data.get("to") or event.data.get("supervisor")
               or event.data.get("back_to") or row.assignee_id)
        user = User.objects.filter(pk=who).values("id", "username", "extension").first() if who else None
        out.append({"id": str(uuid.uuid4()), "action": action, "contact": row.pk, "call_id": row.external_id,
                    "state": row.state, "technician": user, "rule": event.rule, "at": event.at.isoformat()})
    return out


_queue: queue.Queue[dict[str, Any]] | None = None
_queue_lock = threading.Lock()


def _webhook_queue() -> queue.Queue[dict[str, Any]]:
    global _queue
    with _queue_lock:
        if _queue is None:
            _queue = queue.Queue(maxsize=10_000)
            threading.Thread(target=_deliver_forever, args=(_queue,), name="atiende-webhook", daemon=True).start()
        return _queue


def _deliver_forever(pending: queue.Queue[dict[str, Any]]) -> None:
    while True:
        decision = pending.get()
        try:
            deliver(decision)
        finally:
            pending.task_done()


def deliver(decision: dict[str, Any], *, attempts: int = 3) -> bool:
    """POST one decision, signed; retried with a short back-off. Returns whether the PBX took it."""
    url = webhook_url()
    if not url:
        return False
    body = json.dumps(decision, ensure_ascii=False).encode()
    secret = os.environ.get("ATIENDE_WEBHOOK_SECRET", "")
    for attempt in range(attempts):
        timestamp = str(int(time.time()))
        request = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": "application/json", "X-Atiende-Timestamp": timestamp,
            "X-Atiende-Signature": sign(body, secret, timestamp), "X-Atiende-Delivery": decision["id"],
        })
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                if 200 <= response.status < 300:
                    return True
        except OSError:
            log.warning("webhook delivery %s failed (attempt %d)", decision["id"], attempt + 1)
        time.sleep(0.2 * (attempt + 1))
    return False


def wait_for_webhooks(timeout: float = 5.0) -> None:
    """Block until queued webhook deliveries are done (tests, clean shutdown)."""
    if _queue is None:
        return
    deadline = time.monotonic() + timeout
    while _queue.unfinished_tasks and time.monotonic() < deadline:
        time.sleep(0.01)


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
