"""Normalisation of Spanish as people write it, with a map back to the original characters.

Matching happens on a folded copy: lower case, no accents, "ñ" as "n", and runs
of three or more equal letters collapsed to one ("noooo" -> "no"). Spans found
in the folded copy are mapped back so findings point at the original text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


def _build_fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0xC0, 0x250):
        char = chr(code)
        base = unicodedata.normalize("NFD", char)[0]
        if base != char and base.isascii():
            table[code] = base.lower()
    for src, dst in {"“": '"', "”": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "´": "'", "\u00a0": " "}.items():
        table[ord(src)] = dst
    return table


_FOLD = _build_fold_table()
_RUN = re.compile(r"([^\W\d_])\1{2,}")
WORD = re.compile(r"\w+")


def fold_pattern(pattern: str) -> str:
    """Fold a lexicon pattern the way texts are folded (accents only: regex escapes stay intact)."""
    return pattern.translate(_FOLD)


@dataclass(slots=True)
class Folded:
    original: str
    text: str
    _index: list[int] | None  # folded position -> original position (None: identity)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of a folded span."""
        if self._index is None:
            return start, end
        return self._index[start], self._index[end]

    def excerpt(self, start: int, end: int) -> str:
        s, e = self.span(start, end)
        return self.original[s:e]


def fold(text: str) -> Folded:
    low = text.lower()
    if len(low) != len(text):  # a few characters lower-case to two; keep positions aligned
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    low = low.translate(_FOLD)
    if not _RUN.search(low):
        return Folded(text, low, None)
    parts: list[str] = []
    index: list[int] = []
    pos = 0
    for match in _RUN.finditer(low):
        keep_to = match.start() + 1
        parts.append(low[pos:keep_to])
        index.extend(range(pos, keep_to))
        pos = match.end()
    parts.append(low[pos:])
    index.extend(range(pos, len(low)))
    index.append(len(low))
    return Folded(text, "".join(parts), index)


_NEGATORS = frozenset({"no", "nunca", "ni", "tampoco", "jamas", "sin", "nada"})
_CLAUSE_BREAK = re.compile(r"[.;:!?¡¿\n,]|\b(?:pero|porque|aunque|y|e|o|u|sino)\b")


def negated(folded_text: str, start: int, window: int = 4) -> bool:
    """True when one of the few words before ``start`` (same clause) negates it: "no estoy enfadado"."""
    before = folded_text[max(0, start - 48):start]
    breaks = list(_CLAUSE_BREAK.finditer(before))
    if breaks:
        before = before[breaks[-1].end():]
    words = WORD.findall(before)[-window:]
    return any(w in _NEGATORS for w in words)


def bounded(pattern: str) -> str:
    """A pattern that only matches whole words."""
    return rf"(?<!\w)(?:{pattern})(?!\w)"


def combine(patterns: list[str]) -> re.Pattern[str]:
    """One compiled alternation with a named group per pattern (``g0``, ``g1``...): one pass per text."""
    body = "|".join(f"(?P<g{i}>{fold_pattern(p)})" for i, p in enumerate(patterns))
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)")
