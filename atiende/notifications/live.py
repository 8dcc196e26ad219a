"""The bell in the top bar, updated live over the websocket ``/ws/avisos/``.

Each signed-in staff member's socket joins the group ``notifications-<user id>``;
a new notification or a change of the unread count is sent there once committed
(``services``). Without a channel layer, or with the in-process one and nobody
connected, nothing is sent (tests, benches).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from atiende.notifications.models import Notification

log = logging.getLogger(__name__)


def group(user_id: int) -> str:
    return f"notifications-{user_id}"


def _send(user_id: int, message: dict[str, Any]) -> None:
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    joined = getattr(layer, "groups", None)
    if layer is None or (joined is not None and not joined.get(group(user_id))):
        return
    try:
        async_to_sync(layer.group_send)(group(user_id), message)
    except Exception:  # the bell must never break the action that rang it
        log.exception("notification push failed")


def push(notification: Notification) -> None:
    from atiende.notifications.selectors import unread_count

    _send(notification.recipient_id, {
        "type": "notification.new", "unread": unread_count(notification.recipient),
        "notification": {"id": notification.pk, "kind": notification.kind, "text": notification.text,
                         "url": notification.url, "created_at": notification.created_at.isoformat()},
    })


def push_count(user_id: int) -> None:
    from atiende.notifications.models import Notification

    unread = Notification.objects.filter(recipient_id=user_id, in_app=True, read_at__isnull=True).count()
    _send(user_id, {"type": "notification.count", "unread": unread})
