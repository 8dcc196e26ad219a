"""Writing to the database: the single writer on SQLite, and derived writes done once per transaction.

:func:`single_writer` is used by every app that writes under contention (the contact
engine, the telephony endpoints, the stored job queues); :func:`coalesced` and
:func:`once` by the apps that keep derived rows in step with the desk (the search
index, the SLA clocks), and :func:`memo` by those that read the same settings for every change of a block.
"""

from __future__ import annotations

import collections
import functools
import threading
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import OperationalError, connection, transaction


class WriterQueue:
    """A re-entrant lock that serves the threads waiting for it in the order they came.

    SQLite has one writer at a time. Left to SQLite, the threads of a server
    process that want to write spin in its busy handler: each sleeps 1, 2, 5 ...
    100 ms and tries again, and whoever tries at the right moment wins, so a
    writer that came early can lose to later ones again and again (a p99 of
    seconds under 16 writers with a few milliseconds of work each). Here they
    queue instead: the thread that finishes hands the lock to the one that has
    waited longest. A thread that already holds it takes it again (a service
    that writes calls another). A wait longer than ``timeout`` seconds fails as
    SQLite's own would ("database is locked"), rather than hanging.
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._owner: int | None = None
        self._depth = 0
        self._waiting: collections.deque[tuple[int, threading.Lock]] = collections.deque()

    def acquire(self, timeout: float = -1) -> None:
        me = threading.get_ident()
        with self._mutex:
            if self._owner == me:
                self._depth += 1
                return
            if self._owner is None and not self._waiting:
                self._owner, self._depth = me, 1
                return
            gate = threading.Lock()
            gate.acquire()
            self._waiting.append((me, gate))
        if gate.acquire(timeout=timeout):
            return  # handed over by release(): owner and depth are set for us
        with self._mutex:
            if self._owner == me:  # handed over just as the wait ran out: ours after all
                return
            self._waiting.remove((me, gate))
        raise OperationalError(f"database is locked (waited {timeout:.0f} s for this process's other writers)")

    def release(self) -> None:
        with self._mutex:
            if self._owner != threading.get_ident():
                raise RuntimeError("the writer queue is released by a thread that does not hold it")
            self._depth -= 1
            if self._depth:
                return
            if self._waiting:
                self._owner, gate = self._waiting.popleft()
                self._depth = 1
                gate.release()
            else:
                self._owner = None

    def held(self) -> bool:
        """Whether the calling thread holds the lock."""
        return self._owner == threading.get_ident()

    def waiting(self) -> int:
        """How many threads wait for it (for tests and diagnostics)."""
        return len(self._waiting)

    def __enter__(self) -> WriterQueue:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


_writers: dict[str, WriterQueue] = {}
_writers_lock = threading.Lock()


def writer_queue(database: str) -> WriterQueue:
    """The queue of this process's writers to one SQLite file (its path as configured)."""
    with _writers_lock:
        return _writers.setdefault(database, WriterQueue())


def sqlite_writer() -> WriterQueue:
    """The writer queue of the default database (used on SQLite only)."""
    from django.conf import settings

    return writer_queue(str(settings.DATABASES["default"]["NAME"]))


def single_writer[F: Callable[..., Any]](func: F) -> F:
    """On SQLite, threads of one process write one at a time, queued in order on the database's writer queue.

    Across processes SQLite's own IMMEDIATE lock makes the single writer; inside
    a process the queue (:class:`WriterQueue`) serves the threads in turn instead
    of letting them spin on "database is locked". Every transaction on a SQLite
    file takes the same queue when it begins (``atiende.backends.sqlite3``); a
    service marked ``single_writer`` takes it before its first read, so what it
    reads cannot change before it writes. PostgreSQL needs neither: row locks do
    the work. The lock is re-entrant: a writer may call another.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if connection.vendor != "sqlite":
            return func(*args, **kwargs)
        with sqlite_writer():
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
            _ask(stack[-1], key, work)
        return
    try:
        # Work may ask for more work (an index entry written by a refresh's history line): run until none is left.
        while stack[-1]:
            key = next(iter(stack[-1]))
            stack[-1].pop(key)()
    finally:
        stack.pop()
        _coalescing.memo = {}


@contextmanager
def later(*kinds: str) -> Iterator[None]:
    """Derived work of these kinds (keys ``(kind, x)`` given to :func:`once`) asked for inside the block is not
    done: whoever opens the block has it done later, and must (a live chat's lines are indexed for search at
    the chat's end and by the worker's catch-up, not once a line). Blocks nest; other kinds run as usual."""
    previous: frozenset[str] = getattr(_coalescing, "later", frozenset())
    _coalescing.later = previous | frozenset(kinds)
    try:
        yield
    finally:
        _coalescing.later = previous


class _Provisional:
    """Work that holds only while nothing else asks for the same key (see :func:`once`)."""

    def __init__(self, work: Callable[[], Any]) -> None:
        self.work = work

    def __call__(self) -> Any:
        return self.work()


def _ask(pending: dict[Hashable, Any], key: Hashable, work: Callable[[], Any]) -> None:
    held = pending.get(key)
    if held is None or (isinstance(held, _Provisional) and not isinstance(work, _Provisional)):
        pending[key] = work  # a key already waiting keeps its place in the order


def once(key: Hashable, work: Callable[[], Any], *, provisional: bool = False) -> None:
    """Run ``work`` when the innermost :func:`coalesced` block ends, once for each ``key``; at once outside one.

    ``provisional``: a shortcut that is right only if nothing else in the block asks for the same key (a new
    work order's clocks computed from the row in hand, with no history to read); any other work asked for
    that key (:func:`once` or :func:`upgrade`) takes its place. Never inside a :func:`later` block for its kind.
    """
    if isinstance(key, tuple) and key and key[0] in getattr(_coalescing, "later", ()):
        return
    stack = getattr(_coalescing, "stack", None)
    if stack and connection.in_atomic_block:
        _ask(stack[-1], key, _Provisional(work) if provisional else work)
    else:
        work()


def upgrade(key: Hashable, work: Callable[[], Any]) -> None:
    """Put ``work`` in the place of a provisional work waiting under ``key`` in the blocks being run, if any."""
    for pending in getattr(_coalescing, "stack", None) or []:
        if isinstance(pending.get(key), _Provisional):
            pending[key] = work


def take_waiting(kind: str) -> list[Hashable]:
    """Take out the work still waiting in the block being run whose key is ``(kind, x)``: returns the ``x``.

    For work that does many at once what was asked once each (the SLA clocks of a batch of mail's work orders):
    the first of them to run takes the others and does them all; they no longer run on their own.
    """
    stack = getattr(_coalescing, "stack", None)
    if not stack:
        return []
    waiting = [key for key in stack[-1] if isinstance(key, tuple) and len(key) == 2 and key[0] == kind]
    for key in waiting:
        del stack[-1][key]
    return [key[1] for key in waiting]


def claim(key: Hashable) -> bool:
    """Take out the work waiting under ``key`` in the innermost block, because the caller does it now from what it
    holds (a set of mail's new work orders, whose search entries and clocks need nothing read back); whether any
    was waiting (none: nothing was asked, e.g. inside a :func:`later` block, so nothing is to be done). Only the
    innermost block: work asked for the key before it began was asked for other reasons and stays. Anything that
    asks for the key again later is done as usual, at the block's end."""
    stack = getattr(_coalescing, "stack", None)
    if not stack or not connection.in_atomic_block:
        return False
    return stack[-1].pop(key, None) is not None


def coalescing() -> bool:
    """Whether :func:`once` would wait for the end of a block (inside one, in a transaction)."""
    return bool(getattr(_coalescing, "stack", None)) and connection.in_atomic_block


def memo[T](key: Hashable, read: Callable[[], T]) -> T:
    """``read()`` once per outermost :func:`coalesced` block (in a transaction), its value kept until the block
    ends; at once, every time, outside one.

    For what every change in a block reads and none of them writes (:mod:`atiende.config_cache`'s version of
    the settings): a batch of mail reads it once, not once a message. Whoever writes such a setting calls
    :func:`forget`, so a block that changes one reads it again.
    """
    if not coalescing():
        return read()
    kept: dict[Hashable, Any] = getattr(_coalescing, "memo", None) or {}
    _coalescing.memo = kept
    if key not in kept:
        kept[key] = read()
    return kept[key]  # type: ignore[no-any-return]


def outermost() -> bool:
    """Whether the calling code runs in the outermost :func:`coalesced` block of a transaction (no block around
    it hands its work on to a later end)."""
    stack = getattr(_coalescing, "stack", None)
    return bool(stack) and len(stack) == 1 and connection.in_atomic_block


def take[T](key: Hashable, read: Callable[[], T]) -> T:
    """What :func:`memo` keeps under ``key``, taken out of it (whoever asks next reads again), else ``read()``.

    For a read done early in a transaction on behalf of a write later in it: the write uses it once, and
    anything after that write reads what the write left."""
    kept: dict[Hashable, Any] = getattr(_coalescing, "memo", None) or {}
    if key in kept:
        return kept.pop(key)  # type: ignore[no-any-return]
    return read()


def forget() -> None:
    """Drop what :func:`memo` keeps (a setting it holds was written)."""
    _coalescing.memo = {}


# ---- writes nobody reads the answer of, sent together (PostgreSQL) ---------------------------------------------

_pipeline = threading.local()


def write(sql: str, params: Sequence[Any] = ()) -> None:
    """Run a statement whose answer nobody reads (an INSERT without RETURNING, an UPDATE whose row count does
    not matter).

    Inside :func:`sent_together` on PostgreSQL it is put off: it goes with the next statement the block runs, or
    with the block's COMMIT, in one round trip (psycopg's pipeline mode), in the order written. Elsewhere (SQLite,
    outside such a block) it runs at once. Either way it is in the same transaction and comes before whatever
    the block runs after it; an error it meets (a unique key repeated) is raised by that next statement or by
    the COMMIT instead of here, and rolls the whole transaction back as it would have.
    """
    pending: list[tuple[str, Sequence[Any]]] | None = getattr(_pipeline, "pending", None)
    if pending is not None and connection.in_atomic_block:
        pending.append((sql, params))
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@contextmanager
def sent_together() -> Iterator[None]:
    """``transaction.atomic()`` whose :func:`write` statements wait to go with the next statement or the COMMIT.

    For a short transaction that writes many rows after its reads (a CTI event: the call's row, its events,
    deadlines and the stored answer): each statement was a round trip to PostgreSQL, and under load each round
    trip is a wait for the scheduler as well (docs/performance.md, issue 25). Here the writes between two reads
    cost one round trip with the second read, and the writes after the last read one with the COMMIT. Outermost,
    the block commits with its last writes; inside another transaction it sends them when it ends, and the
    transaction goes on. SQLite, where a statement is a call into the library, runs every write at once.
    """
    if connection.vendor != "postgresql" or getattr(_pipeline, "pending", None) is not None:
        with transaction.atomic():
            yield
        return
    outermost = not connection.in_atomic_block
    pending: list[tuple[str, Sequence[Any]]] = []
    with transaction.atomic():
        _pipeline.pending = pending
        _pipeline.failed = None
        # The transaction's BEGIN (psycopg sends it before the first statement) goes with that statement.
        _pipeline.begins = outermost
        try:
            with connection.execute_wrapper(_pending_first):
                yield
            failed = _pipeline.failed
            if failed is not None:
                # A write put off met an error when it went, with a later statement, and the code that ran that
                # statement caught it (a savepoint's ``except``): the transaction is spoilt all the same (PostgreSQL
                # would answer the COMMIT with a silent ROLLBACK), so the block fails as the write would have.
                raise failed
            # The block ended well: what it put off goes now, with the COMMIT if the transaction is this block's.
            if pending or outermost:
                _send(pending, commit=outermost)
        finally:
            _pipeline.pending = None
            _pipeline.failed = None


def pipelining() -> bool:
    """Whether :func:`write` puts statements off here (inside :func:`sent_together`, in its transaction, on
    PostgreSQL): a caller that would read back only a key nobody uses can then write without ``RETURNING``."""
    return getattr(_pipeline, "pending", None) is not None and connection.in_atomic_block


def _pending_first(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    """Any statement run inside :func:`sent_together` first sends the writes put off before it (and the first one,
    the transaction's BEGIN), in one round trip with it."""
    pending: list[tuple[str, Sequence[Any]]] | None = getattr(_pipeline, "pending", None)
    if pending is None:
        return execute(sql, params, many, context)
    if pending or _pipeline.begins:
        _pipeline.begins = False
        result = _send(pending, then=lambda: execute(sql, params, many, context))
    else:
        result = execute(sql, params, many, context)
    # A statement went through, so the transaction is not spoilt (PostgreSQL refuses every statement of a failed
    # transaction but a rollback to a savepoint, which mends it): a write's error caught earlier was dealt with,
    # as when the SLA clocks' savepoint is rolled back after its RELEASE met the clocks' refused write.
    _pipeline.failed = None
    return result


def _send(pending: list[tuple[str, Sequence[Any]]], *, then: Callable[[], Any] | None = None,
          commit: bool = False) -> Any:
    batch = list(pending)
    pending.clear()
    if connection.queries_logged:  # counted as Django's debug cursor counts what it runs (bench_cti_statements.py)
        connection.queries_log.extend({"sql": sql, "time": "0.000"} for sql, _params in batch)
    connection.ensure_connection()
    raw = connection.connection
    result = None
    try:
        result = _send_batch(raw, batch, then, commit)
    except Exception as error:
        if batch and getattr(_pipeline, "pending", None) is not None:
            _pipeline.failed = error  # see sent_together: raised again at the block's end even if caught
        raise
    return result


def _send_batch(raw: Any, batch: list[tuple[str, Sequence[Any]]], then: Callable[[], Any] | None,
                commit: bool) -> Any:
    result = None
    with connection.wrap_database_errors:
        cursor = raw.cursor()
        try:
            with raw.pipeline():  # everything queued goes at the block's end, in one round trip
                for sql, params in batch:
                    cursor.execute(sql, params)
                if then is not None:
                    result = then()
                if commit:
                    # As a statement, not psycopg's commit(), which would wait for its answer alone before the
                    # block's end waits once more. A write refused above aborts the pipeline up to its end, this
                    # COMMIT included: the error is raised here and the transaction is rolled back as usual.
                    # Django's commit that follows finds the connection idle and sends nothing.
                    cursor.execute("COMMIT")
        finally:
            cursor.close()
    return result
