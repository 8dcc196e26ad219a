"""atiende.db.sent_together: writes put off to go with the next statement or the COMMIT keep their order and
their transaction (on PostgreSQL they travel in one round trip; on SQLite they run at once)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from atiende import db
from atiende.desk.models import Counter

# Outside the test's own transaction: the block is the transaction, and its last writes go with its COMMIT.
pytestmark = pytest.mark.django_db(transaction=True)


def _insert(name: str, value: int) -> None:
    table = connection.ops.quote_name(Counter._meta.db_table)
    db.write(f"INSERT INTO {table} (name, value) VALUES (%s, %s)", [name, value])


def _value(name: str) -> int | None:
    found = Counter.objects.filter(name=name).values_list("value", flat=True).first()
    return int(found) if found is not None else None


def test_a_read_after_a_write_sees_it_and_the_last_writes_are_committed_with_the_block():
    with db.sent_together():
        _insert("a", 1)
        assert _value("a") == 1  # the put-off write went first, with this read
        _insert("b", 2)
        table = connection.ops.quote_name(Counter._meta.db_table)
        db.write(f"UPDATE {table} SET value = value + 10 WHERE name = %s", ["a"])
    assert (_value("a"), _value("b")) == (11, 2)


def test_a_write_refused_at_the_commit_rolls_the_whole_block_back():
    Counter.objects.create(name="taken", value=0)
    with pytest.raises(IntegrityError), db.sent_together():
        _insert("before", 1)
        assert _value("before") == 1
        _insert("later", 2)
        _insert("taken", 3)  # the unique name: refused when it is sent, with the COMMIT
    assert (_value("before"), _value("later"), _value("taken")) == (None, None, 0)
    with db.sent_together():  # the connection is usable again
        _insert("after", 4)
    assert _value("after") == 4


def test_a_write_refused_before_a_read_fails_that_read_and_nothing_stays():
    Counter.objects.create(name="taken", value=0)
    with pytest.raises(IntegrityError), db.sent_together():
        _insert("before", 1)
        _insert("taken", 3)
        _value("before")
    assert _value("before") is None


def test_an_error_in_the_block_drops_what_it_put_off():
    with pytest.raises(RuntimeError), db.sent_together():
        _insert("dropped", 1)
        raise RuntimeError("refused")
    assert _value("dropped") is None


def test_inside_another_transaction_the_writes_are_sent_at_the_block_end_and_roll_back_with_it():
    with pytest.raises(RuntimeError), transaction.atomic():
        with db.sent_together():
            _insert("inner", 1)
        assert _value("inner") == 1
        raise RuntimeError("the outer transaction fails")
    assert _value("inner") is None
