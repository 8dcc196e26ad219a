"""The scorecard: one item per applicable rule, and the total.

Weights (how much an item counts towards the 0..100 total)
-----------------------------------------------------------
The weight of a rule comes from how the practice catalogue treats it
(``atiende/practices/rules.toml``, field ``how``):

=====================  ======  ====================================================
rule is ...            weight  why
=====================  ======  ====================================================
enforce (any)          3       the system would refuse the action live (HO-3, TR-3,
                               PO-1...); missing it in a finished contact is the
                               most serious failure
assist (no enforce)    2       the assistant helps live (SP-3, AL-4, DN-2...)
measure only           1       judged afterwards only (AL-1, AL-3, HO-7, DN-8...)
=====================  ======  ====================================================

``score = round(100 * sum(weight of met items) / sum(weight of met and missed items))``.
Items marked n/a do not count. A contact with no applicable item scores 100.
A missed enforce rule therefore costs three times as much as a missed
measure-only rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from atiende.practices import all_rules

MET, MISSED, NA = "met", "missed", "n/a"
STATUSES = (MET, MISSED, NA)

WEIGHT_ENFORCE = 3
WEIGHT_ASSIST = 2
WEIGHT_MEASURE = 1


def rule_weight(rule_id: str) -> int:
    """The weight of a rule in the total (see the module docstring)."""
    rule = all_rules().get(rule_id)
    if rule is None:
        return WEIGHT_MEASURE
    if "enforce" in rule.how:
        return WEIGHT_ENFORCE
    if "assist" in rule.how:
        return WEIGHT_ASSIST
    return WEIGHT_MEASURE


@dataclass(slots=True)
class Item:
    rule: str
    status: str
    evidence: list[str] = field(default_factory=list)
    at: float | None = None
    # A short coaching sentence for a missed item, in both languages.
    coaching_es: str | None = None
    coaching_en: str | None = None
    # Why the scorer decided so (shown in the text format; helps calibration).
    note: str | None = None

    def coaching(self, language: str = "es") -> str | None:
        return self.coaching_en if language.startswith("en") else self.coaching_es

    def as_dict(self) -> dict[str, Any]:
        at = None if self.at is None else (int(self.at) if float(self.at).is_integer() else self.at)
        return {"rule": self.rule, "status": self.status, "evidence": list(self.evidence), "at": at}


@dataclass(slots=True)
class Scorecard:
    items: list[Item]
    language_available: bool = True

    @property
    def score(self) -> int:
        earned = possible = 0
        for item in self.items:
            if item.status == NA:
                continue
            weight = rule_weight(item.rule)
            possible += weight
            if item.status == MET:
                earned += weight
        if possible == 0:
            return 100
        return round(100 * earned / possible)

    def item(self, rule: str) -> Item | None:
        for item in self.items:
            if item.rule == rule:
                return item
        return None

    def statuses(self) -> dict[str, str]:
        return {item.rule: item.status for item in self.items}

    def coaching(self, language: str = "es") -> list[str]:
        """One sentence per missed rule, the heaviest first (then in card order)."""
        missed = [i for i in self.items if i.status == MISSED and i.coaching(language)]
        missed.sort(key=lambda i: -rule_weight(i.rule))
        seen: set[str] = set()
        out: list[str] = []
        for item in missed:
            sentence = item.coaching(language) or ""
            if sentence not in seen:
                seen.add(sentence)
                out.append(f"{item.rule}: {sentence}")
        return out

    def as_dict(self, language: str = "es") -> dict[str, Any]:
        return {
            "score": self.score,
            "items": [item.as_dict() for item in self.items],
            "coaching": self.coaching(language),
        }
