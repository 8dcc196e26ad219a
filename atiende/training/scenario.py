"""Scenarios and customer behaviours as data: loading, checking, looking up.

A scenario is a simulated customer of one of the five types (CT-LOC, CT-DES, CT-ENF, CT-ENT, CT-INX)
with a problem: the story they tell, the hidden truth the trainee must find (facts, each revealed only
by a question that aims at it) and the solution that works once the truth is known. Scenarios live in
TOML files, ``data/scenarios/*.toml`` in the package (Spanish), one file per problem: a ``[problem]``
table with the facts and the solution, and one ``[[scenario]]`` per customer type, which may replace
the facts, the solution and any line. An organisation adds or replaces scenarios with files of the
same format in its own folders (``extra_dirs``); a scenario with the same ``id`` replaces the shipped one.

How a type of customer reacts lives in ``data/types/``: ``base.toml`` and one file per type that
overrides it (starting state, gates, the effect of each move, the lines they say).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

TYPES = ("locuaz", "descortes", "enfadado", "entendido", "inexperto")
TRAIT_OF_TYPE = {"locuaz": "CT-LOC", "descortes": "CT-DES", "enfadado": "CT-ENF", "entendido": "CT-ENT",
                 "inexperto": "CT-INX"}
STATE_KEYS = ("mood", "patience", "understanding", "trust", "focus")
DEFAULT_PASS_MARK = 70


class ScenarioError(ValueError):
    """A scenario or behaviour file that cannot be used; names the file and the field, in both languages."""

    def __init__(self, where: str, es: str, en: str) -> None:
        super().__init__(f"{where}: {en}")
        self.where = where
        self.es = es
        self.en = en

    def message(self, language: str = "es") -> str:
        return f"{self.where}: {self.en if language.startswith('en') else self.es}"


@dataclass(frozen=True, slots=True)
class Fact:
    """A piece of the hidden truth: revealed when a question of the trainee matches ``ask``."""

    id: str
    ask: tuple[re.Pattern[str], ...]
    answer: str
    question: str  # a model question that finds it (shown after the call; the tests ask it)

    def asked_by(self, folded_question: str) -> bool:
        return any(p.search(folded_question) for p in self.ask)


@dataclass(frozen=True, slots=True)
class Solution:
    """What fixes the problem: every pattern of ``steps`` in one turn, once the ``requires`` facts are known."""

    requires: tuple[str, ...]
    steps: tuple[re.Pattern[str], ...]
    done: str
    example: str  # a model instruction that fixes it

    def proposed_in(self, folded: str) -> bool:
        return all(p.search(folded) for p in self.steps)


@dataclass(frozen=True, slots=True)
class Behaviour:
    """How one type of customer reacts (data/types/base.toml merged with the type's file)."""

    type: str
    trait: str
    level: str
    pass_mark: int
    labels: Mapping[str, str]
    start: Mapping[str, float]
    gates: Mapping[str, Any]
    effects: Mapping[str, Mapping[str, float]]
    lines: Mapping[str, tuple[str, ...]]
    insult_chance: float = 0.0

    def label(self, language: str = "es") -> str:
        return self.labels["en" if language.startswith("en") else "es"]


@dataclass(frozen=True, slots=True)
class Scenario:
    id: str
    type: str
    problem: str
    titles: Mapping[str, str]
    customer: str
    address_as: str | None
    story: tuple[str, ...]
    summary: str
    topic: str  # what the problem is about, as a noun phrase («la impresora»)
    keywords: tuple[str, ...]
    facts: tuple[Fact, ...]
    solution: Solution
    pass_mark: int
    lines: Mapping[str, str] = field(default_factory=dict)
    answers: Mapping[str, str] = field(default_factory=dict)
    source: str = ""

    def title(self, language: str = "es") -> str:
        return self.titles["en" if language.startswith("en") else "es"]

    def fact(self, fact_id: str) -> Fact:
        return next(f for f in self.facts if f.id == fact_id)

    def answer(self, fact: Fact) -> str:
        return self.answers.get(fact.id, fact.answer)

    def summary_dict(self, language: str = "es") -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "problem": self.problem, "title": self.title(language),
                "customer": self.customer, "pass_mark": self.pass_mark}


@dataclass(frozen=True, slots=True)
class Library:
    behaviours: Mapping[str, Behaviour]
    scenarios: Mapping[str, Scenario]

    def of_type(self, customer_type: str) -> list[Scenario]:
        return [s for s in self.scenarios.values() if s.type == customer_type]

    def get(self, scenario_id: str) -> Scenario | None:
        return self.scenarios.get(scenario_id)

    def behaviour(self, customer_type: str) -> Behaviour:
        return self.behaviours[customer_type]


# ---- loading ----------------------------------------------------------------------------

def _data() -> Any:
    return resources.files(__package__).joinpath("data")


def _read_toml(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(where, f"no es TOML válido: {exc}", f"is not valid TOML: {exc}") from None


def _compile(patterns: Any, where: str) -> tuple[re.Pattern[str], ...]:
    if not isinstance(patterns, list) or not patterns or not all(isinstance(p, str) and p for p in patterns):
        raise ScenarioError(where, "debe ser una lista de expresiones regulares no vacías",
                            "must be a list of non-empty regular expressions")
    try:
        return tuple(re.compile(p) for p in patterns)
    except re.error as exc:
        raise ScenarioError(where, f"expresión regular no válida: {exc}", f"invalid regular expression: {exc}") from None


def _text(table: Mapping[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = table.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise ScenarioError(f"{where}.{key}", "falta o no es un texto", "is missing or not a string")
    return value


def _facts(raw: Any, where: str) -> tuple[Fact, ...]:
    if not isinstance(raw, list) or not raw:
        raise ScenarioError(where, "debe tener al menos un hecho ([[...facts]])", "needs at least one fact ([[...facts]])")
    facts: list[Fact] = []
    for i, item in enumerate(raw):
        at = f"{where}[{i}]"
        if not isinstance(item, dict):
            raise ScenarioError(at, "debe ser una tabla", "must be a table")
        fact = Fact(_text(item, "id", at), _compile(item.get("ask"), f"{at}.ask"), _text(item, "answer", at),
                    _text(item, "question", at))
        if any(f.id == fact.id for f in facts):
            raise ScenarioError(f"{at}.id", f"«{fact.id}» está repetido", f"'{fact.id}' is repeated")
        facts.append(fact)
    return tuple(facts)


def _solution(raw: Any, facts: Sequence[Fact], where: str) -> Solution:
    if not isinstance(raw, dict):
        raise ScenarioError(where, "falta la tabla de la solución", "the solution table is missing")
    requires = raw.get("requires", [])
    known = {f.id for f in facts}
    if not isinstance(requires, list) or any(r not in known for r in requires):
        raise ScenarioError(f"{where}.requires", f"solo puede nombrar hechos del escenario: {', '.join(sorted(known))}",
                            f"may only name the scenario's facts: {', '.join(sorted(known))}")
    return Solution(tuple(requires), _compile(raw.get("steps"), f"{where}.steps"), _text(raw, "done", where),
                    _text(raw, "example", where))


def _pass_mark(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
        raise ScenarioError(where, "debe ser un entero entre 0 y 100", "must be an integer between 0 and 100")
    return value


def _strings(table: Any, where: str) -> dict[str, str]:
    if table is None:
        return {}
    if not isinstance(table, dict) or not all(isinstance(v, str) and v.strip() for v in table.values()):
        raise ScenarioError(where, "debe ser una tabla de textos", "must be a table of strings")
    return dict(table)


def _scenarios(data: dict[str, Any], where: str, problems: dict[str, dict[str, Any]],
               behaviours: Mapping[str, Behaviour]) -> list[Scenario]:
    problem = data.get("problem")
    if problem is not None:
        problems[_text(problem, "id", f"{where}: problem")] = problem
    out: list[Scenario] = []
    for i, raw in enumerate(data.get("scenario", [])):
        at = f"{where}: scenario[{i}]"
        scenario_type = raw.get("type")
        if scenario_type not in TYPES:
            raise ScenarioError(f"{at}.type", f"debe ser uno de {', '.join(TYPES)}", f"must be one of {', '.join(TYPES)}")
        problem_id = raw.get("problem", problem.get("id") if problem else None)
        base = problems.get(problem_id or "")
        if base is None:
            raise ScenarioError(f"{at}.problem", f"problema desconocido «{problem_id}»", f"unknown problem '{problem_id}'")
        facts = _facts(raw["facts"], f"{at}.facts") if "facts" in raw else _facts(base.get("facts"), f"{at} problem.facts")
        solution = _solution(raw.get("solution", base.get("solution")), facts, f"{at}.solution")
        story = raw.get("story")
        if not isinstance(story, list) or not story or not all(isinstance(s, str) and s.strip() for s in story):
            raise ScenarioError(f"{at}.story", "debe ser una lista de textos (la historia del cliente)",
                                "must be a list of strings (the customer's story)")
        answers = _strings(raw.get("answers"), f"{at}.answers")
        if unknown := set(answers) - {f.id for f in facts}:
            raise ScenarioError(f"{at}.answers", f"hechos desconocidos: {', '.join(sorted(unknown))}",
                                f"unknown facts: {', '.join(sorted(unknown))}")
        keywords = raw.get("keywords", base.get("keywords", []))
        out.append(Scenario(
            id=_text(raw, "id", at), type=scenario_type, problem=str(problem_id),
            titles={"es": _text(raw, "title_es", at, base.get("title_es")),
                    "en": _text(raw, "title_en", at, base.get("title_en"))},
            customer=_text(raw, "customer", at), address_as=raw.get("address_as"), story=tuple(story),
            summary=_text(raw, "summary", at, base.get("summary")),
            topic=_text(raw, "topic", at, base.get("topic")), keywords=tuple(keywords), facts=facts,
            solution=solution,
            pass_mark=_pass_mark(raw.get("pass_mark", behaviours[scenario_type].pass_mark), f"{at}.pass_mark"),
            lines=_strings(raw.get("lines"), f"{at}.lines"), answers=answers, source=where,
        ))
    return out


def _behaviour(base: dict[str, Any], own: dict[str, Any], where: str) -> Behaviour:
    start = {**base["start"], **own.get("start", {})}
    gates = {**base["gates"], **own.get("gates", {})}
    effects = {**base["effects"], **own.get("effects", {})}
    for move, deltas in effects.items():
        if not isinstance(deltas, dict) or any(k not in STATE_KEYS for k in deltas):
            raise ScenarioError(f"{where}: effects.{move}", f"solo puede mover {', '.join(STATE_KEYS)}",
                                f"may only move {', '.join(STATE_KEYS)}")
    lines = {k: tuple(v) for k, v in {**base["lines"], **own.get("lines", {})}.items()}
    type_id = _text(own, "id", where)
    return Behaviour(type=type_id, trait=_text(own, "trait", where), level=_text(own, "level", where),
                     pass_mark=_pass_mark(own.get("pass_mark", DEFAULT_PASS_MARK), f"{where}: pass_mark"),
                     labels={"es": _text(own, "label_es", where), "en": _text(own, "label_en", where)},
                     start=start, gates=gates, effects=effects, lines=lines,
                     insult_chance=float(own.get("insult_chance", 0.0)))


@cache
def _shipped_behaviours() -> dict[str, Behaviour]:
    types = _data().joinpath("types")
    base = _read_toml(types.joinpath("base.toml").read_text("utf-8"), "types/base.toml")
    out = {}
    for type_id in TYPES:
        name = f"types/{type_id}.toml"
        out[type_id] = _behaviour(base, _read_toml(types.joinpath(f"{type_id}.toml").read_text("utf-8"), name), name)
    return out


def _files(extra_dirs: Iterable[Path | str]) -> list[tuple[str, str]]:
    """(where, text) of every scenario file: the package's first, then each folder's, in name order."""
    shipped = sorted((p for p in _data().joinpath("scenarios").iterdir() if p.name.endswith(".toml")),
                     key=lambda p: p.name)
    files = [(f"scenarios/{p.name}", p.read_text("utf-8")) for p in shipped]
    for folder in extra_dirs:
        path = Path(folder)
        if not path.is_dir():
            raise ScenarioError(str(path), "no es una carpeta", "is not a folder")
        files += [(str(p), p.read_text("utf-8")) for p in sorted(path.glob("*.toml"))]
    return files


def dirs_from_environment(environ: Mapping[str, str]) -> list[str]:
    """The organisation's scenario folders: ``ATIENDE_TRAINING_SCENARIOS``, several joined by ``os.pathsep``."""
    raw = environ.get("ATIENDE_TRAINING_SCENARIOS", "")
    return [part for part in raw.split(os.pathsep) if part.strip()]


def load_library(extra_dirs: Sequence[Path | str] = ()) -> Library:
    """Every scenario (shipped, then each folder's, a later ``id`` replacing an earlier one) and behaviour."""
    if not extra_dirs:
        return _shipped_library()
    return _build(tuple(str(d) for d in extra_dirs))


@cache
def _shipped_library() -> Library:
    return _build(())


def _build(extra_dirs: tuple[str, ...]) -> Library:
    behaviours = _shipped_behaviours()
    problems: dict[str, dict[str, Any]] = {}
    scenarios: dict[str, Scenario] = {}
    for where, text in _files(extra_dirs):
        for scenario in _scenarios(_read_toml(text, where), where, problems, behaviours):
            scenarios[scenario.id] = scenario
    return Library(behaviours, dict(sorted(scenarios.items())))
