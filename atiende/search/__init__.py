"""Search that understands Spanish (SPEC "Knowledge"): the pure part, no Django.

One pipeline turns text into index terms and a query into the same terms, so a
document and a query meet whatever accents, capitals or plural the user typed:

1. words are runs of letters and digits (``[^\\W_]+``), lowercased;
2. accents and the tilde are folded away (``Gómez`` -> ``gomez``, ``contraseña``
   -> ``contrasena``): people type without them;
3. Spanish stop words are dropped;
4. each word is cut to its Snowball Spanish stem (``ferreterías`` ->
   ``ferreteri``), after folding, so a word typed with or without its accent
   reaches the same stem.

The database only matches and counts those stems (SQLite FTS5, PostgreSQL
full-text search: ``atiende.knowledge.index``); ranking and highlighting are
done here, in Python, the same on both databases.
"""

from atiende.search.matching import Match, highlight, score
from atiende.search.query import Query, parse_query
from atiende.search.text import fold, index_terms, stem, words

__all__ = ["Match", "Query", "fold", "highlight", "index_terms", "parse_query", "score", "stem", "words"]
