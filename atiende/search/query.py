"""A search box's text as stems, and as the match expression each database reads.

Only stems (letters and digits) ever reach a match expression, each one quoted,
so whatever a user types (quotes, ``OR``, ``*``, ``'; DROP TABLE``) is searched
for as words, never read as query syntax.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from atiende.search.text import words

MAX_TERMS = 12
MAX_QUERY_LENGTH = 500


@dataclass(frozen=True)
class Query:
    """The distinct stems of a query, in order; ``prefix``: the last one may be the start of a word."""

    text: str
    stems: tuple[str, ...]
    prefix: bool

    def __bool__(self) -> bool:
        return bool(self.stems)

    def fts5(self, *, any_term: bool = False) -> str:
        """SQLite FTS5 MATCH expression: every stem (or any, for suggestions); quoted."""
        parts = [f'"{s}"' for s in self.stems]
        if self.prefix and parts and not any_term:
            parts[-1] += "*"
        return (" OR " if any_term else " AND ").join(parts)

    def tsquery(self, *, any_term: bool = False, completions: Sequence[str] | None = None) -> str:
        """PostgreSQL ``to_tsquery`` text with the same meaning as :meth:`fts5`.

        ``completions``: every indexed word starting with the last stem, when known; the
        open last word is then matched as those words (cheap for the GIN index) instead of
        as a prefix (which makes it read every entry of every such word).
        """
        parts = [f"'{s}'" for s in self.stems]
        if self.prefix and parts and not any_term:
            words = sorted({w for w in completions or () if w.isalnum() and w.startswith(self.stems[-1])})
            if completions is None:
                parts[-1] += ":*"
            elif words:
                parts[-1] = "(" + " | ".join(f"'{w}'" for w in words) + ")"
        return (" | " if any_term else " & ").join(parts)

    def matches(self, key: str) -> bool:
        """Whether one stem of a document is one of the query's."""
        if not key:
            return False
        if key in self.stems:
            return True
        return self.prefix and key.startswith(self.stems[-1])


def parse_query(text: str, *, prefix: bool = True, max_terms: int = MAX_TERMS) -> Query:
    """The stems of ``text`` (at most ``max_terms``, the first ones).

    ``prefix``: the last word is taken as the start of a word when the text does not end
    with a space (a search box being typed in: «ferret» finds «Ferretería»).
    """
    text = (text or "")[:MAX_QUERY_LENGTH]
    stems: list[str] = []
    for _start, _end, key in words(text):
        if key and key not in stems:
            stems.append(key)
    stems = stems[:max_terms]
    last_is_open = prefix and bool(stems) and bool(text) and not text[-1].isspace()
    # A prefix of one or two letters would match half the index.
    return Query(text, tuple(stems), last_is_open and len(stems[-1]) >= 3)


def terms_of_text(text: str, *, max_terms: int = 8) -> Query:
    """The most telling stems of a longer text (a work order's story), for related articles.

    The longest stems first: in Spanish the long words of a request are its subject
    («impresora», «contraseña»), the short ones its grammar.
    """
    seen: dict[str, int] = {}
    for _start, _end, key in words(text or ""):
        if key and not key.isdigit() and len(key) >= 4:
            seen[key] = seen.get(key, 0) + 1
    chosen = sorted(seen, key=lambda k: (-seen[k], -len(k), k))[:max_terms]
    return Query(text, tuple(chosen), False)
