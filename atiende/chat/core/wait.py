"""The wait a customer is told while their chat waits in a queue.

A chat that finds a free place (a technician serving the queue, available, with fewer chats than
their limit) is offered at once. Otherwise the chats ahead of it are served at the rate the queue's
technicians finish chats: each technician holds up to ``concurrency`` chats and a chat lasts
``handle_seconds`` on average (the queue's recent chats, or a default), so places free up every
``handle_seconds / (technicians × concurrency)`` seconds. Nobody serving it means no estimate (the
widget offers leaving a message instead).
"""

from __future__ import annotations

import math


def estimate_wait_seconds(*, position: int, free_places: int, technicians: int, concurrency: int,
                          handle_seconds: float) -> int | None:
    """Seconds until the chat at ``position`` (1 = next) is offered; None when nobody serves the queue."""
    if position < 1:
        raise ValueError("position starts at 1")
    if position <= free_places:
        return 0
    if technicians <= 0 or concurrency <= 0 or handle_seconds <= 0:
        return None
    ahead = position - max(0, free_places)
    return math.ceil(ahead * handle_seconds / (technicians * concurrency))
