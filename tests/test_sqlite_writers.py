"""A server process's writers to a SQLite file queue in arrival order (atiende.backends.sqlite3, issue 25).

Left to SQLite's busy handler, writers poll the file's lock with growing sleeps and a late one can win over an
early one again and again: seconds of p99 under 16 writers. These tests open their own SQLite file (the suite's
database is in memory, where the queue is not used) through Atiende's backend with Atiende's options, except a
busy timeout of SQLite's own cut to nothing (the queue's wait stays long): any writer that met another at SQLite's lock would fail there.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from django.db import IntegrityError, OperationalError
from django.db.utils import ConnectionHandler

from atiende import settings as atiende_settings
from atiende.backends.sqlite3.base import DatabaseWrapper
from atiende.db import WriterQueue, writer_queue


@pytest.fixture(autouse=True)
def _own_files(django_db_blocker):
    """These tests open SQLite files of their own, not the suite's database."""
    with django_db_blocker.unblock():
        yield


def _handler(path: Path, monkeypatch: pytest.MonkeyPatch) -> ConnectionHandler:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr(atiende_settings, "HOME", path.parent)
    config = atiende_settings._database_from_environment()
    config["NAME"] = str(path)
    config["OPTIONS"]["timeout"] = 0.001  # SQLite's own wait: none to speak of
    monkeypatch.setattr(DatabaseWrapper, "queue_timeout", 30.0)  # the queue's: as long as it takes
    return ConnectionHandler({"default": config})


def _write_in_transaction(handler: ConnectionHandler, value: int, order: list[int], hold: float) -> None:
    """What ``transaction.atomic()`` does on SQLite, on this handler's connection for the calling thread."""
    conn = handler["default"]
    try:
        conn.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
        with conn.cursor() as cursor:
            cursor.execute("INSERT INTO t (v) VALUES (%s)", [value])
        order.append(value)
        time.sleep(hold)  # work done while holding SQLite's write lock
        conn.commit()
        conn.set_autocommit(True)
    finally:
        conn.close()


def test_the_settings_choose_the_queued_backend_for_sqlite(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert atiende_settings._database_from_environment()["ENGINE"] == "atiende.backends.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    config = atiende_settings._database_from_environment()
    assert config["ENGINE"] == "atiende.backends.sqlite3"
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_sixteen_writers_all_commit_in_the_order_they_came(monkeypatch, tmp_path):
    handler = _handler(tmp_path / "w.sqlite3", monkeypatch)
    setup = handler["default"]
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)")
    setup.close()
    queue = writer_queue(str(tmp_path / "w.sqlite3"))
    order: list[int] = []
    errors: list[BaseException] = []

    def writer(value: int) -> None:
        try:
            _write_in_transaction(handler, value, order, hold=0.02)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    # The first writer holds the lock; each next one starts once the one before it waits in the queue.
    threads = []
    for value in range(16):
        thread = threading.Thread(target=writer, args=(value,))
        thread.start()
        threads.append(thread)
        deadline = time.monotonic() + 5
        while queue.waiting() + len(order) < value + 1 and time.monotonic() < deadline:
            time.sleep(0.001)  # this writer waits in the queue (or already wrote) before the next one starts
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert order == list(range(16)), "a writer that came later got the lock first"
    check = handler["default"]
    with check.cursor() as cursor:
        cursor.execute("SELECT v FROM t ORDER BY id")
        assert [v for (v,) in cursor.fetchall()] == list(range(16))
    check.close()


def test_a_rolled_back_or_failed_transaction_gives_the_lock_back(monkeypatch, tmp_path):
    handler = _handler(tmp_path / "r.sqlite3", monkeypatch)
    conn = handler["default"]
    with conn.cursor() as cursor:
        cursor.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)")
    queue = writer_queue(str(tmp_path / "r.sqlite3"))
    conn.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    assert queue.held()
    with pytest.raises(IntegrityError), conn.cursor() as cursor:
        cursor.execute("INSERT INTO t (v) VALUES (NULL)")
    conn.rollback()
    conn.set_autocommit(True)
    assert not queue.held()
    conn.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    conn.close()  # a connection closed in a transaction leaves the queue too
    assert not queue.held()
    other: list[int] = []
    thread = threading.Thread(target=_write_in_transaction, args=(handler, 7, other, 0))
    thread.start()
    thread.join(5)
    assert other == [7]


def test_the_queue_is_reentrant_and_a_long_wait_fails_as_sqlite_would():
    queue = WriterQueue()
    with queue, queue:
        assert queue.held()
        outcome: list[str] = []

        def late() -> None:
            try:
                queue.acquire(timeout=0.05)
                outcome.append("got it")
                queue.release()
            except OperationalError as exc:
                outcome.append(str(exc))

        thread = threading.Thread(target=late)
        thread.start()
        thread.join(5)
        assert outcome and "database is locked" in outcome[0]
        assert queue.waiting() == 0
    assert not queue.held()
    with pytest.raises(RuntimeError):
        queue.release()


def test_placeholders_and_literal_percents_read_the_same_each_time_a_statement_comes_back(monkeypatch, tmp_path):
    # The cursor converts a statement's text once and looks it up after (issue 25); full, it starts again.
    from atiende.backends.sqlite3 import base

    monkeypatch.setattr(base, "_converted", {})
    monkeypatch.setattr(base, "CONVERTED_LIMIT", 3)
    connection = _handler(tmp_path / "atiende.sqlite3", monkeypatch)["default"]
    try:
        with connection.cursor() as cursor:
            for round_ in range(3):
                for n in range(5):  # more texts than the limit holds
                    cursor.execute(f"SELECT %s || '%%' || {n}, %s", [f"a{round_}", n])
                    assert cursor.fetchone() == (f"a{round_}%{n}", n)
            cursor.execute("SELECT '%s literal'")  # without parameters the text is SQLite's as written
            assert cursor.fetchone() == ("%s literal",)
        assert 0 < len(base._converted) <= 3
    finally:
        connection.close()
