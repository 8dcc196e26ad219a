"""The practice catalogue: every rule with its stable ID and its texts in Spanish and English.

Pure Python, no Django. Everything that enforces, assists with or measures a
practice cites a rule from here, so a user can always ask which rule applies.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from atiende.practices.refusal import Refusal

__all__ = ["Rule", "Refusal", "all_rules", "get_rule", "rule_text"]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    how: tuple[str, ...]
    es: str
    en: str

    @property
    def family(self) -> str:
        return self.id.split("-")[0]

    def text(self, language: str = "es") -> str:
        return self.en if language.startswith("en") else self.es


@cache
def all_rules() -> dict[str, Rule]:
    raw = tomllib.loads(resources.files(__package__).joinpath("rules.toml").read_text("utf-8"))
    return {rid: Rule(rid, tuple(r["how"]), r["es"], r["en"]) for rid, r in raw.items()}


def get_rule(rule_id: str) -> Rule:
    """The rule with this ID; ``KeyError`` names the unknown ID."""
    try:
        return all_rules()[rule_id]
    except KeyError:
        raise KeyError(f"unknown practice rule {rule_id!r}") from None


def rule_text(rule_id: str, language: str = "es") -> str:
    return get_rule(rule_id).text(language)
