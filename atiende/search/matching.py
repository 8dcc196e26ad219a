"""Ranking and highlighting of what the database matched, in Python so both databases agree."""

from __future__ import annotations

import html
from dataclasses import dataclass

from atiende.search.query import Query
from atiende.search.text import index_terms, words


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


def _found(stems: list[str], query: Query) -> tuple[int, int]:
    """Distinct query stems among ``stems`` and how often they occur (set operations: a long text stays cheap)."""
    present = set(stems)
    exact = present.intersection(query.stems)
    count = sum(stems.count(s) for s in exact)
    distinct = len(exact)
    if query.prefix and query.stems[-1] not in exact:
        last = query.stems[-1]
        longer = [s for s in present if s.startswith(last)]
        if longer:
            distinct += 1
            count += sum(stems.count(s) for s in longer)
    return distinct, count


def score(title_terms: str | None, terms: str, query: Query, *, title: str = "") -> Match:
    """Score one document from the stems of its title and of all of it (``index_terms(title, text)``).

    ``title``: the title's words, when its stems were not stored (an entry written before they were).
    """
    title_stems = (title_terms if title_terms is not None else index_terms(title)).split()
    title_distinct, title_count = _found(title_stems, query)
    all_distinct, all_count = _found(terms.split(), query)
    # The stored stems hold the title's too: what the text adds is the rest.
    return Match(title_distinct, max(all_distinct - title_distinct, 0), all_count)


def highlight(text: str, query: Query, *, length: int | None = None) -> str:
    """HTML-escaped ``text`` with each matching word in ``<mark>``.

    With ``length``: a window of about that many characters around the first match
    (the beginning when nothing matches), with "…" where it was cut. Words are read
    lazily, so a long article costs only the words up to the end of the window.
    """
    text = text or ""
    begin, end_at = 0, len(text)
    found = words(text)
    if length is not None and len(text) > length:
        first = next((start for start, _end, key in found if query.matches(key)), 0)
        begin = max(0, min(first - length // 3, len(text) - length))
        while begin > 0 and not text[begin - 1].isspace() and first - begin <= length // 2:
            begin -= 1  # never cut a word in two
        end_at = min(len(text), begin + length)
        while end_at < len(text) and not text[end_at].isspace() and end_at - begin < length + 20:
            end_at += 1
        found = words(text, begin, end_at)
    parts: list[str] = ["…" if begin > 0 else ""]
    position = begin
    for start, end, key in found:
        if not query.matches(key) or end <= begin or start >= end_at:
            continue
        start, end = max(start, begin), min(end, end_at)
        parts.append(html.escape(text[position:start]))
        parts.append(f"<mark>{html.escape(text[start:end])}</mark>")
        position = end
    parts.append(html.escape(text[position:end_at]))
    if end_at < len(text):
        parts.append("…")
    return "".join(parts)
