"""The practice pages' texts: why each family of rules exists, and what to do for a rule.

Pure Python, no Django. ``guide.toml`` holds them in Spanish and English, written
from the seed documents the catalogue comes from; :func:`rule_guide` puts one rule's
page together (the rule, why, what to do, how Atiende helps, the sources).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from atiende.practices import Rule, get_rule


@dataclass(frozen=True, slots=True)
class RuleGuide:
    rule: Rule
    text: str
    family_title: str
    why: str
    what_to_do: str  # empty when the rule's own text already says it
    how: tuple[str, ...]  # enforce, assist, measure
    sources: tuple[str, ...]  # titles of the seed documents


@cache
def _guide() -> dict[str, Any]:
    return tomllib.loads(resources.files(__package__).joinpath("guide.toml").read_text("utf-8"))


def _pick(entry: dict[str, str], key: str, language: str) -> str:
    english = language.startswith("en")
    return entry.get(f"{key}_en" if english else f"{key}_es", "") if key else entry.get("en" if english else "es", "")


def family_title(family: str, language: str = "es") -> str:
    return _pick(_guide()["family"].get(family, {}), "title", language) or family


def rule_guide(rule_id: str, language: str = "es") -> RuleGuide:
    """One rule's page; ``KeyError`` for an unknown ID."""
    rule = get_rule(rule_id)
    data = _guide()
    family = data["family"].get(rule.family, {})
    return RuleGuide(
        rule=rule, text=rule.text(language), family_title=family_title(rule.family, language),
        why=_pick(family, "why", language), what_to_do=_pick(data["do"].get(rule.id, {}), "", language),
        how=rule.how, sources=tuple(data["seeds"][seed] for seed in family.get("seeds", ())),
    )
