"""The one door between the scorecard and the language assistant (``atiende.language``).

The text checks (DN-1/2/3/4/5/7/13, PT-1/2, NT-6/7) and the customer's traits
and knowledge level have one home, the language assistant; the scorer asks it
through this module and never re-implements them. When the assistant cannot
be imported, :data:`UNAVAILABLE_REASON` says why and the scorer marks the
language-dependent items n/a with that reason instead of guessing.

Cost: the assistant reads each customer turn that can show a trait (every
shouting turn, and the first 12 turns of 8 words or more); it
checks all the technician's words of a spoken contact in one pass (findings
are mapped back to the turn they fall in by offset) and written messages one
by one, since each is sent on its own.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from atiende.quality.transcript import Turn

# Rules whose status comes from the assistant's findings on the technician's words.
LANGUAGE_RULES = ("DN-1", "DN-2", "DN-3", "DN-4", "DN-5", "DN-7", "DN-13", "PT-1", "PT-2", "NT-6", "NT-7")

_analyze: Callable[..., Any] | None
try:  # the assistant is a sibling pure core; absent in a partial checkout
    from atiende.language import analyze as _analyze

    UNAVAILABLE_REASON: str | None = None
except Exception as exc:  # pragma: no cover - depends on the checkout
    _analyze = None
    UNAVAILABLE_REASON = f"language assistant not importable ({exc.__class__.__name__}: {exc})"


def available() -> bool:
    return _analyze is not None


@contextmanager
def switched_off(reason: str = "language assistant switched off") -> Iterator[None]:
    """Score as if the assistant were missing (tests, benchmarks, a degraded deployment)."""
    global _analyze, UNAVAILABLE_REASON
    saved = _analyze, UNAVAILABLE_REASON
    _analyze, UNAVAILABLE_REASON = None, reason
    try:
        yield
    finally:
        _analyze, UNAVAILABLE_REASON = saved


@dataclass(frozen=True, slots=True)
class TraitHit:
    id: str
    score: float
    evidence: tuple[str, ...]
    at: float | None  # when the first evidence was said


@dataclass(frozen=True, slots=True)
class TextFinding:
    rule: str
    turn: Turn
    excerpt: str
    message: str


@dataclass(slots=True)
class CustomerProfile:
    traits: dict[str, TraitHit] = field(default_factory=dict)
    level: str | None = None

    def has(self, trait: str) -> bool:
        return trait in self.traits


_SEPARATOR = "\n"


def _join(turns: Sequence[Turn]) -> tuple[str, list[tuple[int, Turn]]]:
    parts: list[str] = []
    offsets: list[tuple[int, Turn]] = []
    pos = 0
    for turn in turns:
        offsets.append((pos, turn))
        parts.append(turn.text)
        pos += len(turn.text) + len(_SEPARATOR)
    return _SEPARATOR.join(parts), offsets


def _turn_at(offsets: list[tuple[int, Turn]], position: int) -> Turn:
    chosen = offsets[0][1]
    for start, turn in offsets:
        if start > position:
            break
        chosen = turn
    return chosen


_CAPS_WORD = re.compile(r"\b[A-ZÁÉÍÓÚÑ]{3,}\b")
MESSAGE_WORDS = 8  # a customer turn this long (or shouting) can show a trait; «Sí, eso es» cannot


# Traits show in how the customer opens and tells the story; a long call's later
# answers rarely add one, except shouting, which is always read. This bounds the
# cost of a long call (each reading costs the assistant about a millisecond).
MAX_TELLING_TURNS = 12


def _shouting(turn: Turn) -> bool:
    return "!" in turn.text or bool(_CAPS_WORD.search(turn.text))


def _carries_traits(turn: Turn) -> bool:
    return turn.words >= MESSAGE_WORDS or _shouting(turn)


def _telling_turns(turns: Sequence[Turn]) -> list[Turn]:
    chosen: list[Turn] = []
    calm = 0
    for turn in turns:
        if _shouting(turn):
            chosen.append(turn)
        elif turn.words >= MESSAGE_WORDS and calm < MAX_TELLING_TURNS:
            chosen.append(turn)
            calm += 1
    return chosen


def profile_customer(turns: Sequence[Turn], *, channel: str) -> CustomerProfile:
    """The traits the assistant asserts from what the customer said, and the knowledge level.

    The assistant reads one message at a time, so each customer turn that can
    carry a trait is analysed on its own (a pile of short answers read as one
    text would look like chatter); a trait counts from the first turn that
    shows it, with that turn's evidence and the highest score. The knowledge
    level is the one most of those turns show.
    """
    if _analyze is None or not turns:
        return CustomerProfile()
    traits: dict[str, TraitHit] = {}
    levels: Counter[str] = Counter()
    for turn in _telling_turns(turns):
        analysis = _analyze(turn.text, as_="cliente", channel=channel)
        level = getattr(analysis, "knowledge_level", None)
        if level:
            levels[level] += 1
        for trait in getattr(analysis, "traits", ()) or ():
            score = float(getattr(trait, "score", 1.0))
            evidence = tuple(str(e) for e in (getattr(trait, "evidence", ()) or ()))
            seen = traits.get(trait.id)
            if seen is None:
                traits[trait.id] = TraitHit(trait.id, score, evidence, turn.t)
            elif score > seen.score:
                traits[trait.id] = TraitHit(trait.id, score, evidence, seen.at)
    return CustomerProfile(traits=traits, level=_settle_level(levels))


_LEVEL_ORDER = ("basico", "intermedio", "avanzado")


def _settle_level(levels: Counter[str]) -> str | None:
    """The level most of the customer's turns show; a tie goes to the lower level, so that an
    inexperienced customer is never talked to as an expert (DN-2, CO-3)."""
    if not levels:
        return None
    top = max(levels.values())
    tied = [level for level, count in levels.items() if count == top]
    return min(tied, key=lambda lv: _LEVEL_ORDER.index(lv) if lv in _LEVEL_ORDER else len(_LEVEL_ORDER))


def technician_findings(turns: Sequence[Turn], *, channel: str, level: str | None) -> list[TextFinding]:
    """The assistant's findings on the technician's words, each tied to the turn it is in."""
    if _analyze is None or not turns:
        return []
    found: list[TextFinding] = []
    batches: list[Sequence[Turn]] = [[t] for t in turns] if channel in ("email", "chat") else [turns]
    for batch in batches:
        text, offsets = _join(batch)
        analysis = _analyze(text, as_="tecnico", level=level, channel=channel)
        for finding in getattr(analysis, "findings", ()) or ():
            rule = getattr(finding, "rule", None)
            if rule not in LANGUAGE_RULES:
                continue
            turn = _turn_at(offsets, int(getattr(finding, "start", 0) or 0))
            found.append(TextFinding(
                rule=rule, turn=turn, excerpt=str(getattr(finding, "excerpt", "") or ""),
                message=str(getattr(finding, "message", "") or ""),
            ))
    return found
