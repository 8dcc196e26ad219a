"""Calibration: a supervisor overrides an item with a comment, and the scorer's word is kept next to it."""

from __future__ import annotations

import pytest

from atiende.quality import MET, MISSED, NA, Item, Scorecard
from atiende.quality.calibration import Override, OverrideError, apply_overrides, rule_rates

CARD = Scorecard([Item("SP-3", MET), Item("AL-2", MISSED, coaching_es="x", coaching_en="y"), Item("HO-3", NA)])


def test_an_override_changes_the_status_and_keeps_what_the_scorer_said() -> None:
    calibrated = apply_overrides(CARD, [Override("AL-2", MET, "Dijo «ajá» dos veces; el audio lo confirma.", "marta")])
    item = calibrated.items[1]
    assert item.item.status == MET and item.scorer_status == MISSED
    out = calibrated.as_dict()["items"][1]
    assert out["override"] == {"status": "met", "comment": "Dijo «ajá» dos veces; el audio lo confirma.", "by": "marta"}
    assert out["scorer_status"] == "missed"


def test_the_total_is_recomputed_with_the_supervisors_word() -> None:
    assert CARD.score < 100
    assert apply_overrides(CARD, [Override("AL-2", MET, "ok", "marta")]).score == 100


def test_overriding_to_missed_brings_the_coaching() -> None:
    calibrated = apply_overrides(CARD, [Override("SP-3", MISSED, "No saludó, contestó «¿sí?».", "marta")])
    assert any(line.startswith("SP-3:") for line in calibrated.card.coaching("es"))


@pytest.mark.parametrize(("override", "field"), [
    (Override("PO-1", MET, "x", "marta"), "rule"),
    (Override("SP-3", "maybe", "x", "marta"), "status"),
    (Override("SP-3", MISSED, "  ", "marta"), "comment"),
])
def test_an_override_needs_a_rule_on_the_card_a_status_and_a_comment(override: Override, field: str) -> None:
    with pytest.raises(OverrideError) as caught:
        apply_overrides(CARD, [override])
    assert caught.value.field == field


def test_rule_rates_count_met_and_missed_per_rule_over_cards() -> None:
    rates = rule_rates([CARD, CARD.as_dict(), Scorecard([Item("AL-2", MET)])])
    assert rates["AL-2"].met == 1 and rates["AL-2"].missed == 2
    assert rates["SP-3"].rate == 1.0
    assert "HO-3" not in rates  # never applied
