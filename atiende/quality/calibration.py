"""Calibration and trends over scorecards, pure (the contact app stores them; this decides).

A supervisor can override an item with a comment (SPEC capability 4,
calibration). The override never erases what the scorer said: the card keeps
the scorer's status next to the supervisor's, and the total is recomputed
with the supervisor's word. Trends count, per rule, how often a technician
met it over a set of cards.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from atiende.quality.card import MET, MISSED, NA, STATUSES, Item, Scorecard
from atiende.quality.coaching import coaching_for


class OverrideError(ValueError):
    """An override that cannot apply; ``field`` names what is wrong."""

    def __init__(self, field_name: str, es: str, en: str) -> None:
        super().__init__(f"{field_name}: {en}")
        self.field = field_name
        self.es = es
        self.en = en


@dataclass(frozen=True, slots=True)
class Override:
    rule: str
    status: str
    comment: str
    by: str  # the supervisor, as the app identifies them


@dataclass(slots=True)
class CalibratedItem:
    item: Item  # with the supervisor's status when overridden
    scorer_status: str
    override: Override | None = None

    def as_dict(self) -> dict[str, Any]:
        out = self.item.as_dict()
        out["scorer_status"] = self.scorer_status
        if self.override is not None:
            out["override"] = {"status": self.override.status, "comment": self.override.comment,
                               "by": self.override.by}
        return out


@dataclass(slots=True)
class CalibratedCard:
    items: list[CalibratedItem] = field(default_factory=list)

    @property
    def card(self) -> Scorecard:
        return Scorecard([c.item for c in self.items])

    @property
    def score(self) -> int:
        return self.card.score

    def as_dict(self, language: str = "es") -> dict[str, Any]:
        return {"score": self.score, "items": [c.as_dict() for c in self.items],
                "coaching": self.card.coaching(language)}


def apply_overrides(card: Scorecard, overrides: Iterable[Override]) -> CalibratedCard:
    """The card with the supervisor's overrides applied; an override needs a comment and a rule on the card."""
    by_rule: dict[str, Override] = {}
    known = {item.rule for item in card.items}
    for override in overrides:
        if override.rule not in known:
            raise OverrideError("rule", f"la regla {override.rule} no está en esta tarjeta",
                                f"rule {override.rule} is not on this card")
        if override.status not in STATUSES:
            raise OverrideError("status", "debe ser met, missed o n/a", "must be met, missed or n/a")
        if not override.comment.strip():
            raise OverrideError("comment", "explique la corrección con un comentario",
                                "explain the override with a comment")
        by_rule[override.rule] = override  # the latest word on a rule wins
    out = CalibratedCard()
    for item in card.items:
        chosen = by_rule.get(item.rule)
        if chosen is None:
            out.items.append(CalibratedItem(item, item.status))
            continue
        if chosen.status == MISSED:
            es, en = coaching_for(item.rule)
            changed = replace(item, status=MISSED, coaching_es=item.coaching_es or es,
                              coaching_en=item.coaching_en or en)
        else:
            changed = replace(item, status=chosen.status, coaching_es=None, coaching_en=None)
        out.items.append(CalibratedItem(changed, item.status, chosen))
    return out


@dataclass(frozen=True, slots=True)
class RuleRate:
    rule: str
    met: int
    missed: int

    @property
    def applicable(self) -> int:
        return self.met + self.missed

    @property
    def rate(self) -> float | None:
        """Share of applicable items met (None when the rule never applied)."""
        return self.met / self.applicable if self.applicable else None


def rule_rates(cards: Sequence[Scorecard | Mapping[str, Any]]) -> dict[str, RuleRate]:
    """Per rule, how many times it was met and missed over ``cards`` (cards or their ``as_dict()``)."""
    counts: dict[str, list[int]] = {}
    for card in cards:
        items = card.items if isinstance(card, Scorecard) else [
            Item(i["rule"], i["status"]) for i in card.get("items", [])]
        for item in items:
            if item.status == NA:
                continue
            met_missed = counts.setdefault(item.rule, [0, 0])
            met_missed[0 if item.status == MET else 1] += 1
    return {rule: RuleRate(rule, m, x) for rule, (m, x) in counts.items()}
