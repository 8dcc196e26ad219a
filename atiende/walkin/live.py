"""The waiting-room display, live: after a call, a call-again, a no-show or a visitor served commits,
the board (``selectors.board_snapshot``) goes to every display at once over the websocket ``/ws/sala/``.

The message carries the whole board (a few lines), so a display repaints from it with no request of
its own: the time from the technician's click to the TV is one commit, one query and one hop through
the channel layer (bench/bench_walkin_display.py). With ``REDIS_URL`` the layer is Redis, and a
display connected to any app process hears a call made on another.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from atiende.walkin.selectors import board_snapshot

log = logging.getLogger(__name__)

DISPLAY_GROUP = "sala"


def board_changed() -> None:
    """Send the board to the displays once the current transaction commits (never a call rolled back).

    Once per transaction: the contact's change (contact.live's listener) and the desk's own record of the call
    (``calling._called``) both ask for it, and the board is read at send time, so one send shows both."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(entry[1] is _send_board for entry in connection.run_on_commit):
        return
    transaction.on_commit(_send_board)


def _send_board() -> None:
    layer = get_channel_layer()
    if layer is None or getattr(layer, "groups", None) == {}:  # in-process layer, no display connected
        return
    message: dict[str, Any] = {**board_snapshot(), "type": "sala.board"}
    try:
        async_to_sync(layer.group_send)(DISPLAY_GROUP, message)
    except Exception:  # the display missing one update must never undo the call
        log.exception("waiting-room display update failed")
