"""The channel layer of a single server process without Redis: Channels' in-memory layer, swept less often.

Channels' ``InMemoryChannelLayer`` looks for expired messages and group memberships on every ``receive`` and
every ``group_send``, walking every channel with a queue and every member of every group. With 500 chats open
(a thousand sockets, a thousand groups) each chat line pays that walk several times, so its cost grows with the
number of chats open: py-spy put ~40 % of the server's event loop there during bench/bench_chat.py (issue 17).
Here the walk runs at most once a second. A message still expires (60 s by default) and a membership still
lapses (a day), up to a second later than they would have.
"""

from __future__ import annotations

import time

from channels.layers import InMemoryChannelLayer

SWEEP_SECONDS = 1.0


class InProcessChannelLayer(InMemoryChannelLayer):
    _swept_at = float("-inf")

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._swept_at < SWEEP_SECONDS:
            return
        self._swept_at = now
        super()._clean_expired()
