"""Writing to the database from several threads: the single writer on SQLite.

Used by every app that writes under contention (the contact engine, the
telephony endpoints, the stored job queues).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from django.db import connection

_sqlite_writer = threading.RLock()


def single_writer[F: Callable[..., Any]](func: F) -> F:
    """On SQLite, threads of one process write one at a time, queued on a lock.

    Across processes SQLite's own IMMEDIATE lock makes the single writer; inside
    a process this lock queues the threads instead of letting them spin on
    "database is locked". PostgreSQL needs neither: row locks do the work. The
    lock is re-entrant: a writer may call another.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if connection.vendor != "sqlite":
            return func(*args, **kwargs)
        with _sqlite_writer:
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
