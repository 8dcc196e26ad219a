"""Model instances from hand-written SQL: one joined statement, no query building, no lazy loads (issue 25).

Building and compiling an ORM query costs more CPU than running it: reading one work order with its
customer, requester, decision maker, assignee, team and SLA clocks through the ORM took about 5 ms of
a request's 10 in query construction alone. :class:`Shape` holds, per model and table alias, the column
list of a ``SELECT`` and the converters the ORM would apply to each column (SQLite's datetimes arrive as
text, JSON as text on both engines), both computed once per process from the model's fields, and turns a
slice of a fetched row into a model instance with ``Model.from_db``, as the ORM does. The SQL around it
is written by hand, one text on SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from django.db import connection, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import (
    AutoField,
    BigAutoField,
    BigIntegerField,
    BooleanField,
    CharField,
    DateTimeField,
    Field,
    FloatField,
    ForeignKey,
    IntegerField,
    Model,
    OneToOneField,
    PositiveBigIntegerField,
    PositiveIntegerField,
    PositiveSmallIntegerField,
    SmallAutoField,
    SmallIntegerField,
    TextField,
)
from django.db.models.signals import post_save, pre_save

from atiende import db

_shapes: dict[tuple[str, type[Model], str], Shape] = {}
_lock = threading.Lock()


class Shape:
    """The concrete columns of ``model`` under table alias ``alias``, and how to read them back."""

    def __init__(self, model: type[Model], alias: str) -> None:
        self.model = model
        self.alias = alias
        fields = model._meta.concrete_fields
        self.attnames = [f.attname for f in fields]
        self.width = len(fields)
        self.columns = ", ".join(f"{alias}.{connection.ops.quote_name(f.column)}" for f in fields)
        self.pk_index = self.attnames.index(model._meta.pk.attname)
        self.converters: list[tuple[int, list[Any], Any]] = []
        for i, f in enumerate(fields):
            col = f.get_col(alias)
            found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            if found:
                self.converters.append((i, found, col))

    def build(self, row: Sequence[Any], start: int) -> Model | None:
        """The instance held in ``row[start:start + width]``; None when its key is NULL (an outer join's miss)."""
        values = list(row[start:start + self.width])
        if values[self.pk_index] is None:
            return None
        for i, converters, col in self.converters:
            value = values[i]
            for convert in converters:
                value = convert(value, col, connection)
            values[i] = value
        return self.model.from_db(connection.alias, self.attnames, values)


def shape(model: type[Model], alias: str) -> Shape:
    """The :class:`Shape` of ``model`` under ``alias`` for the current connection's engine, made once."""
    key = (connection.vendor, model, alias)
    found = _shapes.get(key)
    if found is None:
        found = Shape(model, alias)
        with _lock:
            _shapes[key] = found
    return found


class Columns:
    """Some columns of ``model`` under table alias ``alias``, read back as the ORM's ``values_list`` reads them (its
    converters: SQLite's datetimes arrive as text, JSON as text on both engines), as tuples."""

    def __init__(self, model: type[Model], alias: str, names: Sequence[str]) -> None:
        fields = [model._meta.get_field(name) for name in names]
        self.columns = ", ".join(f"{alias}.{connection.ops.quote_name(f.column)}" for f in fields)  # type: ignore[union-attr]
        self.width = len(fields)
        self.converters: list[tuple[int, list[Any], Any]] = []
        for i, f in enumerate(fields):
            col = f.get_col(alias)  # type: ignore[union-attr]
            found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            if found:
                self.converters.append((i, found, col))

    def values(self, row: Sequence[Any], start: int = 0) -> tuple[Any, ...]:
        values = list(row[start:start + self.width])
        for i, converters, col in self.converters:
            value = values[i]
            for convert in converters:
                value = convert(value, col, connection)
            values[i] = value
        return tuple(values)


_columns: dict[tuple[str, type[Model], str, tuple[str, ...]], Columns] = {}


def columns(model: type[Model], alias: str, *names: str) -> Columns:
    """The :class:`Columns` of these fields of ``model`` under ``alias`` for the current engine, made once."""
    key = (connection.vendor, model, alias, names)
    found = _columns.get(key)
    if found is None:
        found = Columns(model, alias, names)
        with _lock:
            _columns[key] = found
    return found


def placeholders(values: Sequence[Any]) -> str:
    """``%s, %s, ...``, one a value (for ``IN (...)``)."""
    return ", ".join(["%s"] * len(values))


def table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def column(model: type[Model], name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


_upserts: dict[tuple[str, type[Model], tuple[str, ...], tuple[str, ...]], tuple[str, list[Any]]] = {}


def upsert(obj: Model, *, unique: Sequence[str], update: Sequence[str]) -> None:
    """``Model.objects.bulk_create([obj], update_conflicts=True, unique_fields=unique, update_fields=update)`` as one
    hand-written ``INSERT ... ON CONFLICT (...) DO UPDATE`` (the same text on SQLite and PostgreSQL), its values
    prepared by the model's fields as the ORM prepares them; the statement is built once per process. The key of a
    model with an automatic one is left to the database and not read back (the callers do not need it), so the
    statement is an :func:`atiende.db.write`: inside :func:`atiende.db.sent_together` it goes with the next one."""
    model = type(obj)
    key = (connection.vendor, model, tuple(unique), tuple(update))
    found = _upserts.get(key)
    if found is None:
        meta = model._meta
        fields = [f for f in meta.concrete_fields if not (f.primary_key and f.auto_created)
                  and f is not getattr(meta, "auto_field", None)]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        conflict = ", ".join(quote(meta.get_field(name).column) for name in unique)
        changes = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in (meta.get_field(n).column for n in update))
        sql = (f"INSERT INTO {table(model)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))}) "
               f"ON CONFLICT ({conflict}) DO UPDATE SET {changes}")
        found = (sql, fields)
        with _lock:
            _upserts[key] = found
    sql, fields = found
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    db.write(sql, values)


_inserts: dict[tuple[str, type[Model]], tuple[str, list[Any]]] = {}


def insert(obj: Model, *, read_key: bool = True) -> None:
    """``obj.save(force_insert=True)`` for a new row as one hand-written ``INSERT ... RETURNING`` (one text on
    SQLite and PostgreSQL, built once per process), its values prepared by the model's fields as the ORM prepares
    them. ``pre_save`` and ``post_save`` are sent as ``Model.save`` sends them, so every receiver (the audit
    chain, the search index, the SLA clocks, notifications) runs as before; the new key is set on ``obj``.

    ``read_key=False``, for a row whose new key nobody reads (an audit entry): inside :func:`atiende.db.sent_together`
    on PostgreSQL it is written without ``RETURNING``, as an :func:`atiende.db.write` that goes with the next
    statement, and ``obj`` keeps no key; everywhere else the key is read back as usual."""
    model = type(obj)
    meta = model._meta
    key = (connection.vendor, model)
    found = _inserts.get(key)
    if found is None:
        auto = meta.auto_field
        fields = [f for f in meta.concrete_fields if f is not auto]
        quote = connection.ops.quote_name
        sql = (f"INSERT INTO {table(model)} ({', '.join(quote(f.column) for f in fields)}) "
               f"VALUES ({', '.join(['%s'] * len(fields))})"
               + (f" RETURNING {quote(auto.column)}" if auto is not None else ""))
        found = (sql, fields)
        with _lock:
            _inserts[key] = found
    sql, fields = found
    using = connection.alias
    pre_save.send(sender=model, instance=obj, raw=False, using=using, update_fields=None)
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    if not read_key and meta.auto_field is not None and db.pipelining():
        db.write(sql.rpartition(" RETURNING ")[0], values)
    else:
        with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
            cursor.execute(sql, values)
            if meta.auto_field is not None:
                setattr(obj, meta.auto_field.attname, cursor.fetchone()[0])
    obj._state.adding = False
    obj._state.db = using
    post_save.send(sender=model, instance=obj, created=True, update_fields=None, raw=False, using=using)



# How ``insert_many`` prepares a field's value: as its field does (``get_db_prep_save``), with shortcuts that give
# the same value for less Python (issue 16: a batch of mail prepares some 140 values a message), each for a field of
# exactly that class (a subclass may prepare values its own way) and a value of exactly the type named:
# - a plain ``CharField`` or ``TextField``: a ``str`` (a choices' member too: ``to_python`` keeps any ``str``) or
#   None is handed over as it is (no adaptation);
# - a plain ``DateTimeField``: None is None; an aware datetime is adapted the same way each time, so a set's rows
#   that share one moment (its ``now``: created, updated, each event's ``at``) have it adapted once a statement;
# - a ``ForeignKey`` or ``OneToOneField`` to an automatic key: None is None, an ``int`` is itself (``int()``, then
#   the engine's ``validate_autopk_value``, the identity on SQLite and PostgreSQL);
# - a plain integer field: None, or an ``int`` given to the engine's ``adapt_integerfield_value`` as the field gives
#   it (the identity on SQLite; psycopg's sized integer on PostgreSQL);
# - a ``BooleanField`` with a ``bool`` or None, a ``FloatField`` with a ``float`` or None: as they are.
_AS_FIELD, _TEXT, _MOMENT, _KEY, _INTEGER, _BOOL, _FLOAT = range(7)
_INTEGERS = (IntegerField, BigIntegerField, SmallIntegerField, PositiveIntegerField, PositiveBigIntegerField,
             PositiveSmallIntegerField)


def _kind(field: Field) -> int:
    kind = type(field)
    if kind in (CharField, TextField):
        return _TEXT
    if kind is DateTimeField:
        return _MOMENT
    if kind in (ForeignKey, OneToOneField) and type(field.target_field) in (AutoField, BigAutoField, SmallAutoField) \
            and type(connection.ops).validate_autopk_value is BaseDatabaseOperations.validate_autopk_value:
        return _KEY
    if kind in _INTEGERS:
        return _INTEGER
    if kind is BooleanField:
        return _BOOL
    if kind is FloatField:
        return _FLOAT
    return _AS_FIELD


def _values(objs: Sequence[Model], kinds: list[tuple[Field, int]], moments: dict[tuple[Any, Any], Any]) -> list[Any]:
    values = []
    append = values.append
    adapt_integer = connection.ops.adapt_integerfield_value
    for obj in objs:
        for f, kind in kinds:
            value = f.pre_save(obj, True)
            if kind == _AS_FIELD:
                append(f.get_db_prep_save(value, connection))
            elif value is None:
                append(None)  # every shortcut's field prepares None as None
            elif kind == _TEXT and isinstance(value, str):
                append(value)
            elif kind == _MOMENT and getattr(value, "tzinfo", None) is not None:
                key = (value, value.tzinfo)  # equal instants in other zones are told apart, as the ORM keeps them
                found = moments.get(key)
                if found is None:
                    found = moments[key] = f.get_db_prep_save(value, connection)
                append(found)
            elif kind == _KEY and type(value) is int:
                append(value)
            elif kind == _INTEGER and type(value) is int:
                append(adapt_integer(value, f.get_internal_type()))
            elif (kind == _BOOL and type(value) is bool) or (kind == _FLOAT and type(value) is float):
                append(value)
            else:
                append(f.get_db_prep_save(value, connection))
    return values


_many: dict[tuple[str, type[Model], tuple[str, ...], tuple[str, ...]], tuple[str, str, str, list[Any], Any]] = {}


def insert_many(objs: Sequence[Model], *, unique: Sequence[str] = (), update: Sequence[str] = ()) -> None:
    """``Model.objects.bulk_create(objs)`` for new rows of one model as hand-written multi-row
    ``INSERT ... VALUES (...), (...) RETURNING`` statements (one text on SQLite and PostgreSQL, in chunks the
    engine's parameter limit allows), each value prepared by its field as the ORM prepares it (``pre_save``, then
    ``get_db_prep_save``). With ``unique`` and ``update``, ``bulk_create(objs, update_conflicts=True,
    unique_fields=unique, update_fields=update)``: ``ON CONFLICT (...) DO UPDATE``. As ``bulk_create``: a related
    row saved since it was assigned gives its key (``_prepare_related_fields_for_save``), the keys the database
    returns are set on the objects in their order, and no signal is sent (the caller sends what ``save()`` would).
    What it saves is the ORM's query building and compiling, a call or more a field a row (issue 16: a batch of
    mail writes some thirty rows a message)."""
    if not objs:
        return
    model = type(objs[0])
    meta = model._meta
    key = (connection.vendor, model, tuple(unique), tuple(update))
    found = _many.get(key)
    if found is None:
        auto = meta.auto_field
        fields = [f for f in meta.concrete_fields if f is not auto]
        quote = connection.ops.quote_name
        head = f"INSERT INTO {table(model)} ({', '.join(quote(f.column) for f in fields)}) VALUES "
        row = f"({', '.join(['%s'] * len(fields))})"
        tail = ""
        if unique:
            changes = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in (meta.get_field(n).column for n in update))
            tail = f" ON CONFLICT ({', '.join(column(model, name) for name in unique)}) DO UPDATE SET {changes}"
        if auto is not None:
            tail += f" RETURNING {quote(auto.column)}"
        found = (head, row, tail, [(f, _kind(f)) for f in fields], auto)
        with _lock:
            _many[key] = found
    head, row, tail, kinds, auto = found
    fields = [f for f, _ in kinds]
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
    using = connection.alias
    size = max(1, connection.ops.bulk_batch_size(fields, objs) if len(fields) > 1 else len(objs))
    moments: dict[tuple[Any, Any], Any] = {}
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        for start in range(0, len(objs), size):
            chunk = objs[start:start + size]
            values = _values(chunk, kinds, moments)
            cursor.execute(head + ", ".join([row] * len(chunk)) + tail, values)
            if auto is not None:
                for obj, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                    setattr(obj, auto.attname, pk)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using
