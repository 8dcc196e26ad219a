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

from django.db import connection
from django.db.models import Model

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


def table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def column(model: type[Model], name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)
