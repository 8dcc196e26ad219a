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
"""

from __future__ import annotations

from typing import Any

from django.db.backends.sqlite3 import base

from atiende.db import WriterQueue, writer_queue


class DatabaseWrapper(base.DatabaseWrapper):
    # How long a writer waits for the others of its process; None: as long as SQLite's own busy timeout.
    queue_timeout: float | None = None
    _queue: WriterQueue | None = None
    _holds_queue = False

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
