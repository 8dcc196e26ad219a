"""Writing to the database: the single writer on SQLite, and derived writes done once per transaction.

:func:`single_writer` is used by every app that writes under contention (the contact
engine, the telephony endpoints, the stored job queues); :func:`coalesced` and
:func:`once` by the apps that keep derived rows in step with the desk (the search
index, the SLA clocks).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
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


# ---- work done once per transaction ------------------------------------------------------------------------

_coalescing = threading.local()


@contextmanager
def coalesced() -> Iterator[None]:
    """Derived writes asked for inside the block (:func:`once`) run once each when it ends, still in the caller's
    transaction.

    Use it inside the transaction whose changes they follow, never around it:
    ``with transaction.atomic(), db.coalesced():``. One change of a work order can send several signals (the
    row saved, its message saved, a line of history): each asks for the same derived write (the search entry,
    the SLA clocks), which would read and write the same rows once per signal. Inside a block they run once,
    at its end, in the order first asked, and reading what the whole change wrote. Blocks nest: an inner block
    that ends well hands its work to the outer one; one that raises drops it, as its transaction drops what the
    work would have followed. Outside any block (or any transaction) :func:`once` runs the work at once.
    """
    stack = getattr(_coalescing, "stack", None)
    if stack is None:
        stack = _coalescing.stack = []
    stack.append({})
    try:
        yield
    except BaseException:
        stack.pop()
        raise
    if len(stack) > 1:
        pending = stack.pop()
        for key, work in pending.items():
            stack[-1].setdefault(key, work)
        return
    try:
        # Work may ask for more work (an index entry written by a refresh's history line): run until none is left.
        while stack[-1]:
            key = next(iter(stack[-1]))
            stack[-1].pop(key)()
    finally:
        stack.pop()


def once(key: Hashable, work: Callable[[], Any]) -> None:
    """Run ``work`` when the innermost :func:`coalesced` block ends, once for each ``key``; at once outside one."""
    stack = getattr(_coalescing, "stack", None)
    if stack and connection.in_atomic_block:
        stack[-1].setdefault(key, work)
    else:
        work()


def coalescing() -> bool:
    """Whether :func:`once` would wait for the end of a block (inside one, in a transaction)."""
    return bool(getattr(_coalescing, "stack", None)) and connection.in_atomic_block
