"""Ranking and highlighting of what the database matched, in Python so both databases agree."""

from __future__ import annotations

import html
from dataclasses import dataclass

from atiende.search.query import Query
from atiende.search.text import words

SNIPPET_LENGTH = 180


@dataclass(frozen=True)
class Match:
    """How well one document matched: distinct stems found in the title and in the text."""

    title_stems: int
    text_stems: int
    occurrences: int

    @property
    def score(self) -> float:
        # A stem in the title says more than one in the text; repetition a little more.
        return 10.0 * self.title_stems + 4.0 * self.text_stems + min(self.occurrences, 10) * 0.25


def _found(text: str, query: Query) -> tuple[set[str], int]:
    found: set[str] = set()
    count = 0
    for _start, _end, key in words(text or ""):
        if query.matches(key):
            found.add(key if key in query.stems else query.stems[-1])
            count += 1
    return found, count


def score(title: str, text: str, query: Query) -> Match:
    title_found, title_count = _found(title, query)
    text_found, text_count = _found(text, query)
    return Match(len(title_found), len(text_found), title_count + text_count)


def highlight(text: str, query: Query, *, length: int | None = None) -> str:
    """HTML-escaped ``text`` with each matching word in ``<mark>``.

    With ``length``: a window of about that many characters around the first match
    (the beginning when nothing matches), with "…" where it was cut.
    """
    text = text or ""
    spans = [(start, end) for start, end, key in words(text) if query.matches(key)]
    begin, end_at = 0, len(text)
    if length is not None and len(text) > length:
        first = spans[0][0] if spans else 0
        begin = max(0, min(first - length // 3, len(text) - length))
        while begin > 0 and not text[begin - 1].isspace():
            begin -= 1  # never cut a word in two
            if first - begin > length // 2:
                break
        end_at = min(len(text), begin + length)
        while end_at < len(text) and not text[end_at].isspace() and end_at - begin < length + 20:
            end_at += 1
    parts: list[str] = ["…" if begin > 0 else ""]
    position = begin
    for start, end in spans:
        if end <= begin or start >= end_at:
            continue
        start, end = max(start, begin), min(end, end_at)
        parts.append(html.escape(text[position:start]))
        parts.append(f"<mark>{html.escape(text[start:end])}</mark>")
        position = end
    parts.append(html.escape(text[position:end_at]))
    if end_at < len(text):
        parts.append("…")
    return "".join(parts)
