"""Loads the data files of this package once, at import: lexicons and rules as reviewable TOML.

Organisations extend the assistant without touching the package: point
``ATIENDE_LANGUAGE_DATA`` at a folder holding files with the same names
(``traits.toml``, ``checks.toml``, ``jargon.toml``, ``level.toml``,
``suggest.toml``); their tables are merged into the built-in ones (lists are
extended, values replaced). Nothing is read again per call.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from atiende.language.text import Matcher, bounded, combine, fold_pattern

LEVELS = ("basico", "intermedio", "avanzado")
TRAIT_IDS = ("CT-LOC", "CT-DES", "CT-ENF", "CT-ENT", "CT-INX")


EXTRA_DATA_ENV = "ATIENDE_LANGUAGE_DATA"


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        elif isinstance(value, list) and isinstance(base.get(key), list):
            base[key] = base[key] + value
        else:
            base[key] = value
    return base


def load_data(name: str) -> dict[str, Any]:
    data = tomllib.loads(resources.files(__package__).joinpath("data", name).read_text("utf-8"))
    extra_dir = os.environ.get(EXTRA_DATA_ENV)
    if extra_dir:
        path = os.path.join(extra_dir, name)
        if os.path.isfile(path):
            with open(path, "rb") as fh:
                data = _merge(data, tomllib.load(fh))
    return data


@dataclass(frozen=True, slots=True)
class Cue:
    pattern: str
    weight: float
    negatable: bool
    story: bool = False  # the cue describes the problem itself (the paraphrase may restate it)


@dataclass(frozen=True, slots=True)
class TraitLexicon:
    id: str
    cues: tuple[Cue, ...]
    regex: Matcher
    params: dict[str, Any]


_TRAITS_DATA = load_data("traits.toml")
SUPPORT: dict[str, Any] = _TRAITS_DATA["support"]  # the signs of a support conversation (traits.py)


def _trait_lexicons() -> tuple[float, dict[str, TraitLexicon]]:
    raw = _TRAITS_DATA
    out: dict[str, TraitLexicon] = {}
    for trait_id, spec in raw["traits"].items():
        cues = tuple(Cue(c[0], float(c[1]), "fixed" not in c[2:], "story" in c[2:]) for c in spec["cues"])
        params = {k: v for k, v in spec.items() if k != "cues"}
        out[trait_id] = TraitLexicon(trait_id, cues, combine([c.pattern for c in cues]), params)
    return float(raw["threshold"]), out


THRESHOLD, TRAITS = _trait_lexicons()

_level = load_data("level.toml")
LEVEL_PARAMS = dict(_level)


@dataclass(frozen=True, slots=True)
class Term:
    pattern: str
    understood_from: str
    plain: str


_jargon = load_data("jargon.toml")
TERMS = tuple(Term(t["re"], t["understood_from"], t["plain"]) for t in _jargon["term"])
# Acronyms every customer reads (DNI, PIN, SMS...): any other acronym in capitals is jargon for a basic customer.
PLAIN_ACRONYMS = frozenset(_jargon.get("plain_acronyms", ()))
TERMS_REGEX = combine([t.pattern for t in TERMS])

_CHECKS_DATA = load_data("checks.toml")
CHECKS: dict[str, dict[str, Any]] = _CHECKS_DATA["rule"]
ROLES: dict[str, Any] = _CHECKS_DATA["roles"]  # who does what to whom (roles.py)


def compile_phrases(rule_id: str) -> tuple[Matcher, tuple[str, ...]]:
    phrases = CHECKS[rule_id].get("phrases", [])
    return combine([p[0] for p in phrases]), tuple(p[1] for p in phrases)


def compile_words(words: list[str]) -> re.Pattern[str]:
    return re.compile(bounded("|".join(fold_pattern(w) for w in words)))


SUGGEST: dict[str, Any] = load_data("suggest.toml")
