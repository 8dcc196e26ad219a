"""Normalisation of Spanish as people write it, with a map back to the original characters.

Matching happens on a folded copy: lower case, no accents, "ñ" as "n", and runs
of three or more equal letters collapsed to one ("noooo" -> "no"). Spans found
in the folded copy are mapped back so findings point at the original text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from re import _constants as _sre_constants  # type: ignore[attr-defined]
from re import _parser as _sre_parser  # type: ignore[attr-defined]


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
# The same mapping applied with one regex over the characters it maps (issue 23, session 12): str.translate
# with a dict looks up every character (about 40 µs for a 100-character sentence, 18,000 calls per 1,500
# messages with suggestions); most characters are ASCII and pass untouched, so substituting only the few
# mapped ones is about three times faster, with the same result (every replacement is one character).
_FOLD_CHARS = {chr(code): dst for code, dst in _FOLD.items()}
_FOLDABLE = re.compile("[" + re.escape("".join(_FOLD_CHARS)) + "]")


def _fold_chars(text: str) -> str:
    if text.isascii():
        return text
    return _FOLDABLE.sub(lambda m: _FOLD_CHARS[m.group()], text)

_RUN = re.compile(r"([^\W\d_])\1{2,}")
WORD = re.compile(r"\w+")


def fold_pattern(pattern: str) -> str:
    """Fold a lexicon pattern the way texts are folded (accents only: regex escapes stay intact)."""
    return _fold_chars(pattern)


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
    low = _fold_chars(low)
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


class Matcher:
    """Many alternative patterns matched in one left-to-right pass, like ``(?:p0|p1|...)`` between word
    boundaries, but fast: each pattern is tried only at positions whose first characters can start it.

    Python's regex engine tries every alternative at every position; with hundreds of lexicon entries
    that costs milliseconds. Here the first characters (up to four) of each pattern are worked out from
    its parse tree; one regex of those literal starts finds the positions worth trying, and each is
    tried only against the few patterns that can start there. The matches
    are the same as the combined alternation's: leftmost first, earlier patterns win at a position,
    no overlaps. Each match's ``lastgroup`` is ``g<index>`` of the pattern that matched.
    """

    __slots__ = ("_patterns", "_keys", "_always", "_combined", "_sources", "_trigger")

    def __init__(self, patterns: list[str]) -> None:
        self._sources = [fold_pattern(p) for p in patterns]
        self._patterns = [re.compile(rf"(?P<g{i}>{p})(?!\w)") for i, p in enumerate(self._sources)]
        by_length: list[dict[str, list[int]]] = [{} for _ in range(_KEY + 1)]
        always: list[int] = []
        for i, source in enumerate(self._sources):
            starts = _first_strings(source)
            if starts is None or "" in starts:
                always.append(i)
                continue
            for start in starts:
                by_length[len(start)].setdefault(start, []).append(i)
        # Merge once: a position looks up its first _KEY characters, then fewer, and gets every
        # pattern whose known start is a prefix of the text there.
        self._keys: list[dict[str, list[int]]] = [{} for _ in range(_KEY + 1)]
        for length in range(1, _KEY + 1):
            for key, ids in by_length[length].items():
                merged = list(ids) + always
                for shorter in range(1, length):
                    merged += by_length[shorter].get(key[:shorter], [])
                self._keys[length][key] = sorted(set(merged))
        self._always = always
        # One C-level pass finds the positions where some pattern may start (longest key first).
        keys = {key for table in self._keys for key in table}
        self._trigger = re.compile(rf"(?<!\w)(?=({_trie_regex(keys)}))") if keys and not always else None
        self._combined: re.Pattern[str] | None = None

    def _candidates(self, text: str, pos: int) -> list[int]:
        keys = self._keys
        for length in range(_KEY, 0, -1):
            found = keys[length].get(text[pos:pos + length])
            if found is not None:
                return found
        return self._always

    def finditer(self, text: str, pos: int = 0) -> Iterator[re.Match[str]]:
        end = pos
        if self._trigger is not None:
            keys = self._keys
            for m in self._trigger.finditer(text, pos):
                start = m.start()
                if start < end:
                    continue
                key = m.group(1)
                for i in keys[len(key)][key]:
                    match = self._patterns[i].match(text, start)
                    if match is not None:
                        yield match
                        end = match.end() if match.end() > start else start + 1
                        break
            return
        for m in _STARTS.finditer(text, pos):
            start = m.start()
            if start < end:
                continue
            for i in self._candidates(text, start):
                match = self._patterns[i].match(text, start)
                if match is not None:
                    yield match
                    end = match.end() if match.end() > start else start + 1
                    break

    def search(self, text: str, pos: int = 0) -> re.Match[str] | None:
        return next(self.finditer(text, pos), None)

    def findall(self, text: str) -> list[str]:
        return [m.group(0) for m in self.finditer(text)]

    def fullmatch(self, text: str) -> re.Match[str] | None:
        if self._combined is None:
            body = "|".join(f"(?P<g{i}>{p})" for i, p in enumerate(self._sources))
            self._combined = re.compile(rf"(?:{body})")
        return self._combined.fullmatch(text)


_STARTS = re.compile(r"(?<!\w)\S")
_KEY = 4  # characters of a pattern's start used to pick the patterns to try at a position


def _first_strings(pattern: str) -> set[str] | None:
    """The strings (up to _KEY characters) a match of ``pattern`` can start with (None: anything)."""
    try:
        parsed = _sre_parser.parse(pattern)
    except re.error:
        return None
    return _starts(list(parsed), _KEY)


def _starts(items: list, need: int, depth: int = 0) -> set[str] | None:  # type: ignore[type-arg]
    if need == 0 or not items:
        return {""}
    if depth > 40:
        return _unknown(need)
    op, av = items[0]
    rest = items[1:]
    c = _sre_constants
    if op is c.LITERAL:
        tail = _starts(rest, need - 1, depth + 1)
        return None if tail is None else {chr(av) + t for t in tail}
    if op is c.IN:
        chars = _charset(av)
        if chars is None:
            return _unknown(need)
        tail = _starts(rest, need - 1, depth + 1)
        return None if tail is None else {ch + t for ch in chars for t in tail}
    if op is c.BRANCH:
        out: set[str] = set()
        for alternative in av[1]:
            found = _starts(list(alternative) + rest, need, depth + 1)
            if found is None:
                return None
            out |= found
        return out
    if op is c.SUBPATTERN:
        return _starts(list(av[-1]) + rest, need, depth + 1)
    if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
        return _starts(rest, need, depth + 1)  # zero width: the pattern itself checks it
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
        low, high, item = av
        if high == 0:
            return _starts(rest, need, depth + 1)
        again = [(c.MAX_REPEAT, (max(low - 1, 0), high if high is c.MAXREPEAT else high - 1, item))]
        once = _starts(list(item) + again + rest, need, depth + 1)
        if once is None:
            return None
        if low == 0:
            skip = _starts(rest, need, depth + 1)
            return None if skip is None else once | skip
        return once
    return _unknown(need)  # ANY, CATEGORY, backreferences...: could be anything


def _trie_regex(keys: set[str]) -> str:
    """A regex matching the longest of ``keys`` at a position, with shared prefixes factored out
    ("es(?:ta|to)" rather than "esta|esto"), which Python's engine runs far faster."""
    trie: dict[str, dict] = {}  # type: ignore[type-arg]
    for key in keys:
        node = trie
        for ch in key:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:  # type: ignore[type-arg]
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(trie)


def _unknown(need: int) -> set[str] | None:
    # Past the first character, the start found so far is enough to pick patterns by.
    return {""} if need < _KEY else None


def _charset(av: list) -> set[str] | None:  # type: ignore[type-arg]
    c = _sre_constants
    chars: set[str] = set()
    for op, value in av:
        if op is c.LITERAL:
            chars.add(chr(value))
        elif op is c.RANGE and value[1] - value[0] < 40:
            chars |= {chr(x) for x in range(value[0], value[1] + 1)}
        elif op is c.CATEGORY and value is c.CATEGORY_DIGIT:
            chars |= set("0123456789")
        else:
            return None
    return chars


def combine(patterns: list[str]) -> Matcher:
    """All ``patterns`` as one matcher between word boundaries; ``lastgroup`` is ``g<index>``."""
    return Matcher(patterns)
