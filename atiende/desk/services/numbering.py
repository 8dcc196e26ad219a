"""Work order numbers: one after another, never two alike, under concurrent creation."""

from __future__ import annotations

import sqlite3

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max

from atiende.desk.models import Counter, WorkOrder

WORK_ORDER_COUNTER = "work_order"


def _increment_counter(name: str, by: int = 1) -> int | None:
    """Add ``by`` to the counter and return the new value in one statement; None if it does not exist."""
    table = connection.ops.quote_name(Counter._meta.db_table)
    if connection.vendor == "postgresql" or (
        # Django's SQLite backend is the stdlib sqlite3 module (connection.Database is untyped in the stubs).
        connection.vendor == "sqlite" and sqlite3.sqlite_version_info >= (3, 35)
    ):
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET value = value + %s WHERE name = %s RETURNING value", [by, name])
            row = cursor.fetchone()
        return None if row is None else int(row[0])
    counters = Counter.objects.filter(name=name)
    if not counters.update(value=F("value") + by):
        return None
    return int(counters.values_list("value", flat=True).get())


def next_work_order_number() -> int:
    """The next work order number, safe under concurrent creation.

    The counter row is incremented with an UPDATE, which locks it until the
    surrounding transaction ends: on PostgreSQL a second creator waits for the
    first to commit; on SQLite every transaction already takes the write lock
    up front (IMMEDIATE). If the row does not exist yet, it is created from the
    highest number in use; a concurrent creator that loses that race retries
    the UPDATE.
    """
    number = _increment_counter(WORK_ORDER_COUNTER)
    if number is not None:
        return number
    start = WorkOrder.objects.aggregate(top=Max("number"))["top"] or 0
    try:
        with transaction.atomic():
            Counter.objects.create(name=WORK_ORDER_COUNTER, value=start + 1)
        return start + 1
    except IntegrityError:
        number = _increment_counter(WORK_ORDER_COUNTER)
        assert number is not None
        return number


def reserve_work_order_numbers(count: int) -> list[int]:
    """``count`` work order numbers one after another (a batch of mail opening many), with at most two
    statements: the first as :func:`next_work_order_number` takes it, the rest by one UPDATE of the counter,
    whose row the first locked until the transaction ends (call inside one)."""
    if count <= 0:
        return []
    first = next_work_order_number()
    if count == 1:
        return [first]
    last = _increment_counter(WORK_ORDER_COUNTER, count - 1)
    assert last == first + count - 1, (first, last, count)
    return list(range(first, last + 1))


def next_in_sequence(name: str) -> int:
    """The next value of the named counter (1 for a new one), safe under concurrent use as
    :func:`next_work_order_number` is: the walk-in desk's tickets of a day («A-012»), for one."""
    number = _increment_counter(name)
    if number is not None:
        return number
    try:
        with transaction.atomic():
            Counter.objects.create(name=name, value=1)
        return 1
    except IntegrityError:
        number = _increment_counter(name)
        assert number is not None
        return number
