"""Issue 22, item 17: a call's scorecard judges PO-1 and PO-2 by the policy of the call's queue, not the defaults."""

from __future__ import annotations

import pytest

from atiende.contact.services import queues
from atiende.scorecards.models import Scorecard
from atiende.scorecards.scoring import score_contact

from .conftest import GOOD_TURNS, run_call

pytestmark = pytest.mark.django_db


def _status(card: Scorecard, rule: str) -> str:
    return next(item["status"] for item in card.items if item["rule"] == rule)


def test_a_call_longer_than_its_queues_limit_misses_po1(people, clock):
    # The call lasts 140 s after the answer and waited 20 s: within the defaults (15:00, 03:00) ...
    default_card = score_contact(contact=run_call(people, clock, turns=GOOD_TURNS), rescore=True)
    assert _status(default_card, "PO-1") == "met" and _status(default_card, "PO-2") == "met"
    # ... but not within a queue that allows 2 minutes a call and 10 s of wait.
    queues.save_queue(name="soporte", label="Soporte", tiers=[1, 2],
                      policy={"max_call_seconds": 120, "max_wait_seconds": 10})
    strict_card = score_contact(contact=run_call(people, clock, turns=GOOD_TURNS), rescore=True)
    assert _status(strict_card, "PO-1") == "missed"
    assert _status(strict_card, "PO-2") == "missed"
