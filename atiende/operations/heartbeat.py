"""The workers' heartbeat: a row per worker, its ``beat_at`` moved forward every few seconds."""

from __future__ import annotations

import os
import socket
import time
from datetime import datetime, timedelta

from django.utils import timezone

from atiende.db import single_writer
from atiende.operations.models import WorkerHeartbeat

# Seconds between two beats of one worker: often enough for a readiness limit of a minute,
# rare enough that a busy SQLite writer does not notice (one short write each time).
BEAT_SECONDS = 5.0
# A worker silent this long is forgotten.
FORGET_AFTER = timedelta(days=7)


class Heart:
    """One worker's heartbeat; :meth:`beat` writes at most every :data:`BEAT_SECONDS`."""

    def __init__(self, name: str, *, every: float = BEAT_SECONDS) -> None:
        self.name = name[:80]
        self.every = every
        self.started_at = timezone.now()
        self._last = float("-inf")

    def beat(self, *, force: bool = False) -> bool:
        """Record that this worker is alive (when due, or ``force``); True when written."""
        if not force and time.monotonic() - self._last < self.every:
            return False
        _write(self.name, started_at=self.started_at, moment=timezone.now())
        self._last = time.monotonic()
        return True


@single_writer
def _write(name: str, *, started_at: datetime, moment: datetime) -> None:
    WorkerHeartbeat.objects.update_or_create(
        name=name, defaults={"host": socket.gethostname()[:120], "pid": os.getpid(), "started_at": started_at,
                             "beat_at": moment})
    WorkerHeartbeat.objects.filter(beat_at__lt=moment - FORGET_AFTER).delete()


def newest() -> WorkerHeartbeat | None:
    return WorkerHeartbeat.objects.order_by("-beat_at").first()
