"""Settings every request reads and few change, kept by each server process until any process changes one.

The SLA policies and the teams' calendars (read by every work order's clocks) are rows an administrator
edits a few times a year, yet each creation read them again: two ORM queries, compiled each time, for the
same answer (issue 25). A process now keeps what it read, with the version of the settings it read it
under. The version is one row of ``desk_counter`` (``settings``), read by its unique key with one
hand-written statement per transaction; whoever changes such a setting writes a new version in the same
transaction (:func:`changed`, called by the models' save and delete signals), so every process, this one
or another, reads the setting again in its next transaction after that commit, and none reads a
settings row newer than the version it checked.

A version is a random number, not a count: a transaction rolled back (a test's, say) cannot leave a
process holding a value under a version that a later change writes again.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Hashable
from typing import Any

from django.db import connection

from atiende import db
from atiende.desk.models import Counter

NAME = "settings"

_kept: dict[Hashable, tuple[int, Any]] = {}
_lock = threading.Lock()


def _table() -> str:
    return connection.ops.quote_name(Counter._meta.db_table)


def _read_version() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {_table()} WHERE name = %s", [NAME])
        row = cursor.fetchone()
    return 0 if row is None else int(row[0])


def version() -> int:
    """The settings' current version: one statement, once per :func:`atiende.db.coalesced` block."""
    return db.memo("config_cache.version", _read_version)


def version_and(select: str, params: list[Any]) -> tuple[int, Any]:
    """The settings' version and the value of ``select`` (one column, at most one row; None when none), in one
    statement: a request that must read something first learns the version in the same round trip and passes it
    to :func:`cached` (``at``), instead of paying one statement more for it (issue 25: a CTI ``new_call``)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT (SELECT value FROM {_table()} WHERE name = %s), ({select})", [NAME, *params])
        current, value = cursor.fetchone()
    return (0 if current is None else int(current)), value


def version_with(select: str, params: list[Any], width: int) -> list[tuple[Any, ...]]:
    """The rows of ``select`` (``width`` columns), read in one statement
    with the settings' version, which is kept for the rest of the :func:`atiende.db.coalesced` block as
    :func:`version` keeps it: a transaction that must read rows before it writes learns the version in the same
    round trip instead of one statement more (issue 25: a work order's creation, its customers' search entries)."""
    nulls = ", ".join(["NULL"] * width)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value, {nulls} FROM {_table()} WHERE name = %s "
                       f"UNION ALL SELECT NULL, w.* FROM ({select}) w", [NAME, *params])
        found = cursor.fetchall()
    current = next((int(row[0]) for row in found if row[0] is not None), 0)
    db.memo("config_cache.version", lambda: current)
    return [tuple(row[1:]) for row in found if row[0] is None]


def changed() -> None:
    """A cached setting was written: a new version, in the caller's transaction (one statement)."""
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {_table()} (name, value) VALUES (%s, %s) "
                       "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                       [NAME, secrets.randbelow(2**62) + 1])
    db.forget()


def cached[T](key: Hashable, read: Callable[[], T], *, at: int | None = None) -> T:
    """``read()``'s value as of the settings' current version: read again only when that version moved. ``at``:
    the version, read already in this transaction (:func:`version_and`)."""
    current = version() if at is None else at
    full_key = (connection.settings_dict["NAME"], key)
    found = _kept.get(full_key)
    if found is not None and found[0] == current:
        return found[1]  # type: ignore[no-any-return]
    value = read()
    with _lock:
        _kept[full_key] = (current, value)
    return value
