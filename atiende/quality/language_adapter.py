"""The one door between the scorecard and the language assistant (``atiende.language``).

The text checks (DN-1/2/3/4/5/7/13, PT-1/2, NT-6/7) and the customer's traits
and knowledge level have one home, the language assistant; the scorer asks it
through this module and never re-implements them. When the assistant cannot
be imported, :data:`UNAVAILABLE_REASON` says why and the scorer marks the
language-dependent items n/a with that reason instead of guessing.

Cost: the assistant runs once over all the customer's words and once over all
the technician's words of a spoken contact (findings are mapped back to the
turn they fall in by offset); written messages are checked one by one, since
each is sent on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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


def profile_customer(turns: Sequence[Turn], *, channel: str) -> CustomerProfile:
    """The traits the assistant asserts from everything the customer said, and the level."""
    if _analyze is None or not turns:
        return CustomerProfile()
    text, _offsets = _join(turns)
    analysis = _analyze(text, as_="cliente", channel=channel)
    traits: dict[str, TraitHit] = {}
    for trait in getattr(analysis, "traits", ()) or ():
        evidence = tuple(str(e) for e in (getattr(trait, "evidence", ()) or ()))
        at = None
        for quote in evidence:
            folded = quote.lower()
            for turn in turns:
                if folded and folded in turn.text.lower():
                    at = turn.t if at is None else min(at, turn.t)
                    break
        traits[trait.id] = TraitHit(trait.id, float(getattr(trait, "score", 1.0)), evidence, at)
    return CustomerProfile(traits=traits, level=getattr(analysis, "knowledge_level", None))


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
