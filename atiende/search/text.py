"""Words, folding and Spanish stems: the one pipeline for indexed text and queries."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

import snowballstemmer

WORD = re.compile(r"[^\W_]+")

# Words too common to tell documents apart. Kept short: a word that carries meaning
# in a support request ("no", "sin", "nunca") stays.
_STOP_WORDS_TEXT = """
    a al algo como con de del el ella ellas ellos en entre era es esa ese eso esta este esto
    fue ha han hay la las le les lo los me mi mis muy o os para pero por que se sea ser si
    su sus te tu tus un una unas uno unos y ya yo
    the and or of to in on for is are
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())

_STEMMER = snowballstemmer.stemmer("spanish")


def fold(text: str) -> str:
    """Lowercase without accents or tilde: ``"Ferretería Núñez"`` -> ``"ferreteria nunez"``."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Snowball Spanish stem of one folded word (cached: a help desk's vocabulary is small)."""
    if word.isdigit() or len(word) < 3:
        return word
    return str(_STEMMER.stemWord(word))


def words(text: str, begin: int = 0, end: int | None = None) -> Iterator[tuple[int, int, str]]:
    """Each word of ``text`` (between ``begin`` and ``end``): start, end and its stem ("" for a stop word)."""
    for found in WORD.finditer(text, begin, len(text) if end is None else end):
        yield found.start(), found.end(), _key(found.group())


@lru_cache(maxsize=200_000)
def _key(word: str) -> str:
    """A word as written -> its stem ("" for a stop word); cached, as texts repeat their words."""
    folded = fold(word)
    # NFKD can turn one character into letters and marks, never into a separator; still a
    # folded word with no letter or digit left (a lone combining mark) is no word.
    return "" if folded in STOP_WORDS else stem(folded) if folded.isalnum() else ""


def index_terms(*texts: str) -> str:
    """The stems of the texts, space-separated, as the index stores them."""
    return " ".join(key for text in texts if text for _start, _end, key in words(text) if key)
