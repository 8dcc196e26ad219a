"""Questions to ask after the paraphrase (PRACTICES AL-5), fitted to the problem and the customer (CO-3, CT-ENT).

AL-5 asks for closed questions with a clear aim: answered with "sí", "no" or
a fact the customer has at hand ("Windows 11"). ``is_closed`` tells them from
open questions by their wording: a question that opens with an interrogative
word (qué, cuál, cómo, cuándo, dónde, cuánto, por qué, quién) is open (the
customer has to find and formulate the answer: «¿Qué modelo de impresora
es?»), unless it names the choices itself («¿Por cable o por wifi?»); any
other question is answered yes or no, and is closed. Suggestions list the
closed questions first and say which are open.

The questions come from the problem categories found in the customer's words
plus general ones, skipping what the customer already said ("desde ayer",
"Windows 11"), the obvious checks (power, cables, lights) for a knowledgeable
customer (CT-ENT: never step-by-step basics), the technical ones for a
customer who is not advanced, and using plain wording at the basic level.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from atiende.language.lexicon import SUGGEST
from atiende.language.model import Question
from atiende.language.text import bounded, fold, fold_pattern

_OPEN_WORDS = re.compile(
    r"^(?:(?:y|pero|entonces|a|de|en|con|para|por|desde|hasta|hace)\s+)?"
    r"(?:qu[ée]|cu[áa]l(?:es)?|c[óo]mo|cu[áa]ndo|d[óo]nde|ad[óo]nde|cu[áa]nt[oa]s?|por qu[ée]|qui[ée]n(?:es)?)\b",
    re.IGNORECASE,
)
_CHOICE = re.compile(r"\s(?:o|u)\s", re.IGNORECASE)
_QUESTION = re.compile(r"¿([^?]*)\?")
MAX_QUESTIONS = 6


def is_closed(question: str) -> bool:
    """True for a closed question (yes/no, or a choice it names); False for an open one (AL-5)."""
    parts = _QUESTION.findall(question) or [question.strip("¿? ")]
    for part in parts:
        part = part.strip()
        if _OPEN_WORDS.match(part) and not _CHOICE.search(part):
            return False
    return True


@dataclass(frozen=True, slots=True)
class _Entry:
    texts: dict[str, str]  # "es", "en", and optionally "basico_es", "basico_en"
    basic: bool
    levels: tuple[str, ...]
    answered: re.Pattern[str] | None
    closed: bool  # is_closed of the Spanish wording, found once per process

    def text(self, language: str, level: str | None) -> str:
        if level == "basico" and f"basico_{language}" in self.texts:
            return self.texts[f"basico_{language}"]
        return self.texts[language]


def _entry(spec: dict[str, Any]) -> _Entry:
    texts = {k: v for k, v in spec.items() if k in ("es", "en", "basico_es", "basico_en")}
    answered = _regex(spec["answered"]) if "answered" in spec else None
    return _Entry(texts, bool(spec.get("basic")), tuple(spec.get("levels", ())), answered, is_closed(texts["es"]))


def _regex(pattern: str) -> re.Pattern[str]:
    # One small pattern each: Python's regex engine is the fast path here (the Matcher pays off for hundreds).
    return re.compile(bounded(fold_pattern(pattern)))


_GENERIC = [_entry(q) for q in SUGGEST["questions"]["generic"]]
_CATEGORIES = [(name, _regex(spec["re"]), [_entry(q) for q in spec["questions"]])
               for name, spec in SUGGEST["category"].items()]


def problem_categories(texts: list[str], folded: str | None = None) -> list[str]:
    """The problem categories named in the texts, the most mentioned first."""
    folded = fold(" ".join(texts)).text if folded is None else folded
    hits = [(len(regex.findall(folded)), name) for name, regex, _ in _CATEGORIES]
    return [name for count, name in sorted(hits, key=lambda h: -h[0]) if count]


def suggest_questions(texts: list[str], *, level: str | None = None, knowledgeable: bool = False,
                      language: str = "es", folded: str | None = None,
                      categories: list[str] | None = None) -> list[Question]:
    """Questions for the problem in the customer's words, closed ones first (AL-5).

    ``level`` is the customer's knowledge level (CO-3); ``knowledgeable`` is
    CT-ENT. A knowledgeable customer gets no obvious checks, an advanced one
    the technical questions, a basic one the plain wording.
    """
    key = "en" if language.startswith("en") else "es"
    if knowledgeable:
        level = "avanzado"
    folded = fold(" ".join(texts)).text if folded is None else folded  # the caller may have folded already
    by_name = {name: entries for name, _regex, entries in _CATEGORIES}
    chosen: list[_Entry] = []
    if categories is None:  # the caller may have found them already (analyze does)
        categories = problem_categories(texts, folded)
    for name in categories[:2]:
        chosen.extend(by_name[name])
    chosen.extend(_GENERIC)
    out: list[Question] = []
    seen: set[str] = set()
    for entry in chosen:
        if entry.basic and level == "avanzado":
            continue  # CT-ENT: no obvious checks for someone who has done them
        if entry.levels and (level or "intermedio") not in entry.levels:
            continue
        if entry.answered is not None and entry.answered.search(folded):
            continue  # already said
        text = entry.text(key, level)
        if text not in seen:
            seen.add(text)
            out.append(Question(text, entry.closed))
    return sorted(out, key=lambda q: not q.closed)[:MAX_QUESTIONS]
