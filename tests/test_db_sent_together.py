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


def test_a_put_off_write_refused_while_a_savepoint_runs_still_fails_the_block():
    # The refusal comes with the savepoint's first statement, and the code around the savepoint catches it (as
    # the SLA clocks do, so that they never break a creation); PostgreSQL would answer the COMMIT of that spoilt
    # transaction with a silent ROLLBACK, so the block raises the refusal at its end instead of reporting success.
    Counter.objects.create(name="taken", value=0)
    caught = []
    with pytest.raises(IntegrityError), db.sent_together():
        _insert("before", 1)
        _insert("taken", 3)
        try:
            with transaction.atomic():
                _value("before")
        except IntegrityError as error:
            caught.append(error)
    assert _value("before") is None
    with db.sent_together():  # the connection is usable again
        _insert("after", 4)
    assert _value("after") == 4


def test_a_put_off_write_refused_inside_a_savepoint_rolled_back_leaves_the_rest_of_the_block():
    # The refusal comes with the RELEASE; Django rolls back to the savepoint, which mends the transaction, and the
    # caller goes on (the SLA clocks never break a creation): the block commits what it wrote outside the savepoint.
    Counter.objects.create(name="taken", value=0)
    with db.sent_together():
        _insert("kept", 1)
        try:
            with transaction.atomic():
                _insert("taken", 3)
        except IntegrityError:
            pass
        _insert("after", 2)
    assert (_value("kept"), _value("after"), _value("taken")) == (1, 2, 0)


def test_a_row_whose_key_nobody_reads_is_written_with_the_next_statement():
    from atiende.desk import rows

    row = Counter(name="unread", value=1)
    with db.sent_together():
        rows.insert(row, read_key=False)
        # On PostgreSQL nothing was read back: no key, yet the row is there for the next statement.
        assert (row.pk is None) == (connection.vendor == "postgresql")
        assert _value("unread") == 1
    kept = Counter(name="kept", value=2)
    rows.insert(kept, read_key=False)  # outside a block: the key as usual
    assert kept.pk is not None and Counter.objects.get(pk=kept.pk).value == 2
