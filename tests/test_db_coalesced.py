"""atiende.db.coalesced: derived writes asked for in one transaction run once each, at its end, or not at all."""

from __future__ import annotations

import pytest
from django.db import transaction

from atiende import db

pytestmark = pytest.mark.django_db


def test_work_asked_for_twice_runs_once_at_the_end_of_the_block_in_the_order_first_asked():
    ran: list[str] = []
    with transaction.atomic(), db.coalesced():
        db.once("a", lambda: ran.append("a"))
        db.once("b", lambda: ran.append("b"))
        db.once("a", lambda: ran.append("a again"))
        assert ran == []
    assert ran == ["a", "b"]


def test_outside_a_block_or_a_transaction_work_runs_at_once():
    ran: list[str] = []
    db.once("a", lambda: ran.append("a"))  # the test's own transaction, no block
    assert ran == ["a"]
    with db.coalesced():
        pass
    assert not db.coalescing()


def test_an_inner_block_hands_its_work_to_the_outer_one_and_a_failed_one_drops_it():
    ran: list[str] = []
    with transaction.atomic(), db.coalesced():
        with transaction.atomic(), db.coalesced():
            db.once("kept", lambda: ran.append("kept"))
        assert ran == []
        with pytest.raises(RuntimeError), transaction.atomic(), db.coalesced():
            db.once("dropped", lambda: ran.append("dropped"))
            raise RuntimeError("rolled back")
    assert ran == ["kept"]


def test_work_that_asks_for_more_work_gets_it_done_in_the_same_block():
    ran: list[str] = []
    with transaction.atomic(), db.coalesced():
        db.once("first", lambda: (ran.append("first"), db.once("second", lambda: ran.append("second"))))
    assert ran == ["first", "second"]


def test_a_block_that_raises_runs_nothing():
    ran: list[str] = []
    with pytest.raises(RuntimeError), transaction.atomic(), db.coalesced():
        db.once("a", lambda: ran.append("a"))
        raise RuntimeError("rolled back")
    assert ran == []


def test_work_of_a_kind_asked_for_in_a_later_block_is_left_to_whoever_opened_it():
    ran: list[str] = []
    with transaction.atomic(), db.coalesced():
        with db.later("index"):
            db.once(("index", 1), lambda: ran.append("index 1"))
            db.once(("sla", 1), lambda: ran.append("sla 1"))
            with db.later("other"):
                db.once(("index", 2), lambda: ran.append("index 2"))
        db.once(("index", 3), lambda: ran.append("index 3"))  # the block is over: asked for as usual
    assert ran == ["sla 1", "index 3"]
    db.once(("index", 4), lambda: ran.append("index 4"))
    assert ran[-1] == "index 4"
