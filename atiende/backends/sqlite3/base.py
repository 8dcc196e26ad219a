"""Django's SQLite backend with the process's writers queued in order (``ENGINE = "atiende.backends.sqlite3"``).

Every transaction on a SQLite file begins ``IMMEDIATE`` (it takes the file's
write lock up front: see atiende/settings.py). Before that BEGIN, the thread
takes its place in the process's writer queue for that file
(:class:`atiende.db.WriterQueue`), and leaves it when the transaction ends,
committed or rolled back, before the commit hooks run. So the threads of one
server process reach SQLite's lock one at a time, in the order they came,
instead of polling it from SQLite's busy handler, where a writer can lose the
race again and again for seconds (issue 25: p99 of work-order creation under 16
writers). Other processes (the worker, a second server) still meet at SQLite's
own lock, with its busy timeout.

In-memory databases (the test suite's) are left to SQLite: they live in one
process, and a test holds its transaction open for the whole test.

Its cursors keep what Django's convert for every statement: the ``%s`` placeholders of a statement's text turned
into SQLite's ``?`` by a regular expression, about 11 µs for a work order's INSERT and a few for a short statement,
15 statements a work order opened (issue 25). The texts repeat (hand-written statements are built once per
process, the ORM's from the same few shapes), so each is converted once and looked up after that.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.sqlite3 import base

from atiende.db import WriterQueue, writer_queue

# Statement text with ``%s`` placeholders -> the same with ``?``; emptied when full, so texts built with values in
# them (an ``IN (%s, %s, ...)`` of any length) cannot make it grow without end.
_converted: dict[str, str] = {}
CONVERTED_LIMIT = 2000


class CursorWrapper(base.SQLiteCursorWrapper):
    def convert_query(self, query: str, *, param_names: Any = None) -> str:
        if param_names is not None:  # the "pyformat" style, rare: as Django does it
            return super().convert_query(query, param_names=param_names)
        found = _converted.get(query)
        if found is None:
            found = super().convert_query(query)
            if len(_converted) >= CONVERTED_LIMIT:
                _converted.clear()
            _converted[query] = found
        return found


class DatabaseWrapper(base.DatabaseWrapper):
    # How long a writer waits for the others of its process; None: as long as SQLite's own busy timeout.
    queue_timeout: float | None = None
    _queue: WriterQueue | None = None
    _holds_queue = False

    def create_cursor(self, name: Any = None) -> Any:
        return self.connection.cursor(factory=CursorWrapper)

    def _writer_queue(self) -> WriterQueue | None:
        if self._queue is None and not self.is_in_memory_db():
            self._queue = writer_queue(str(self.settings_dict["NAME"]))
        return self._queue

    def _start_transaction_under_autocommit(self) -> None:
        queue = self._writer_queue()
        if queue is not None and not self._holds_queue:
            timeout = self.queue_timeout
            if timeout is None:
                timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))  # sqlite3's default
            queue.acquire(timeout=timeout)
            self._holds_queue = True
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # private: not in the stubs
        except BaseException:
            self._leave_queue()
            raise

    def _set_autocommit(self, autocommit: bool) -> None:
        super()._set_autocommit(autocommit)  # type: ignore[misc]
        if autocommit:  # the transaction is over (committed or rolled back)
            self._leave_queue()

    def _close(self) -> Any:
        try:
            return super()._close()  # type: ignore[misc]
        finally:
            self._leave_queue()

    def _leave_queue(self) -> None:
        if self._holds_queue and self._queue is not None:
            self._holds_queue = False
            self._queue.release()
