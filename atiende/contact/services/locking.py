"""Transactions and locks of the contact services: savepoints, the locked contact, a call locked by its PBX id."""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Callable, Iterator
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from atiende.contact.models import Contact, Queue
from atiende.errors import InputError

# Inside a caller's transaction that rolls back as a whole on any refusal (the CTI
# endpoint), the services' savepoints are two round trips per action for nothing.
_savepoints: contextvars.ContextVar[bool] = contextvars.ContextVar("atiende_contact_savepoints", default=True)


@contextlib.contextmanager
def without_savepoints() -> Iterator[None]:
    """Run services with no savepoints: an error then spoils the caller's whole transaction, by design."""
    token = _savepoints.set(False)
    try:
        yield
    finally:
        _savepoints.reset(token)


def tx() -> transaction.Atomic:
    return transaction.atomic(savepoint=_savepoints.get())


def atomic[F: Callable[..., Any]](func: F) -> F:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with tx():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


# A call the caller's transaction already locked (by the PBX's id): the next action on it reuses the lock.
_locked: contextvars.ContextVar[Contact | None] = contextvars.ContextVar("atiende_contact_locked", default=None)


class _LockedRead:
    """Read and lock one call with its queue: one hand-written statement, the one implementation on both databases.

    Every event on a call starts here, so it is the hottest read there is: built by the ORM
    (``select_for_update(of=("self",)).select_related("queue")``) it cost about 12 times the CPU of the same SQL
    sent as is (bench/bench_cti_costs.py), most of it building and compiling the query. The columns come from the
    models (a column another app adds is read too), the values go through the same converters the ORM applies
    (dates and JSON on SQLite), and the rows become model instances as the ORM makes them (``from_db``), the
    queue cached on the call as ``select_related`` leaves it. SQLite has no row locks: there the transaction's
    write lock (``BEGIN IMMEDIATE``) is what the ``FOR UPDATE`` clause is on PostgreSQL.
    The customer (for an organisation's policy) is read only when the call has one.
    """

    def __init__(self) -> None:
        self._sql: dict[tuple[str, str], str] = {}
        self._converters: dict[str, list[tuple[int, list[Any], Any]]] = {}

    def _statement(self, column: str) -> str:
        key = (connection.vendor, column)
        sql = self._sql.get(key)
        if sql is None:
            quote = connection.ops.quote_name
            columns = [f"c.{quote(str(f.column))}" for f in _CONTACT_FIELDS] + [
                f"q.{quote(str(f.column))}" for f in _QUEUE_FIELDS]
            sql = (f"SELECT {', '.join(columns)} FROM {quote(Contact._meta.db_table)} c "
                   f"INNER JOIN {quote(Queue._meta.db_table)} q ON q.{quote('id')} = c.{quote('queue_id')} "
                   f"WHERE c.{quote(column)} = %s")
            if connection.features.has_select_for_update_of:
                sql += " FOR UPDATE OF c"
            elif connection.features.has_select_for_update:
                sql += " FOR UPDATE"
            self._sql[key] = sql
        return sql

    def _convert(self, values: list[Any]) -> list[Any]:
        converters = self._converters.get(connection.vendor)
        if converters is None:
            converters = []
            for index, field in enumerate((*_CONTACT_FIELDS, *_QUEUE_FIELDS)):
                col = field.get_col(Contact._meta.db_table if index < len(_CONTACT_FIELDS) else Queue._meta.db_table)
                found = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
                if found:
                    converters.append((index, found, col))
            self._converters[connection.vendor] = converters
        for index, found, col in converters:
            value = values[index]
            for convert in found:
                value = convert(value, col, connection)
            values[index] = value
        return values

    def __call__(self, column: str, value: Any) -> Contact | None:
        with connection.cursor() as cursor:
            cursor.execute(self._statement(column), [value])
            found = cursor.fetchone()
        if found is None:
            return None
        values = self._convert(list(found))
        split = len(_CONTACT_FIELDS)
        row = Contact.from_db(connection.alias, _CONTACT_NAMES, values[:split])
        row._state.fields_cache["queue"] = Queue.from_db(connection.alias, _QUEUE_NAMES, values[split:])
        return row


_CONTACT_FIELDS = tuple(Contact._meta.concrete_fields)
_QUEUE_FIELDS = tuple(Queue._meta.concrete_fields)
_CONTACT_NAMES = [f.attname for f in _CONTACT_FIELDS]
_QUEUE_NAMES = [f.attname for f in _QUEUE_FIELDS]
_read_locked = _LockedRead()


def lock_contact(contact_id: int) -> Contact:
    row = _locked.get()
    if row is not None and row.pk == contact_id:
        return row
    row = _read_locked("id", contact_id)
    if row is None:
        raise InputError("unknown_contact", _("There is no contact %(id)s.") % {"id": contact_id}, status=404)
    return row


@contextlib.contextmanager
def call_locked(external_id: str) -> Iterator[Contact]:
    """Lock the call the telephony knows as ``external_id``, in one query, for the caller's transaction.

    Actions on that contact inside the block reuse the lock instead of looking
    the call up again. Use inside ``transaction.atomic()``.
    """
    row = _read_locked("external_id", external_id)
    if row is None:
        raise InputError("unknown_call", _("No call has the id %(id)s.") % {"id": external_id}, status=404,
                         field="call_id")
    token = _locked.set(row)
    try:
        yield row
    finally:
        _locked.reset(token)
