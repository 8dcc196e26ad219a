"""Suggestions while listening (PRACTICES AL-2, AL-4, AL-5) and strategy cards (CT-*).

The paraphrase lives in ``paraphrase.py`` and the questions in
``questions.py``; this module keeps the public names the consoles and the
CLI use.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from atiende.language.checks import is_salutation
from atiende.language.lexicon import CHECKS, SUGGEST, TRAIT_IDS
from atiende.language.model import Question, StrategyCard
from atiende.language.paraphrase import paraphrase
from atiende.language.questions import problem_categories, suggest_questions

__all__ = ["ADDITIONS", "Question", "acknowledgements", "apply_finding", "closed_questions", "problem_categories",
           "strategy", "suggest_paraphrase", "suggest_questions"]


def strategy(trait_id: str, language: str = "es") -> StrategyCard:
    """The do / avoid card for a customer trait (CT-*), in Spanish or English."""
    if trait_id not in TRAIT_IDS:
        raise KeyError(trait_id)
    card = SUGGEST["strategy"][trait_id]["en" if language.startswith("en") else "es"]
    return StrategyCard(list(card["do"]), list(card["avoid"]))


def acknowledgements(language: str = "es") -> list[str]:
    """Short listening signals (AL-2)."""
    return list(SUGGEST["acknowledgements"]["en" if language.startswith("en") else "es"])


def suggest_paraphrase(customer_texts: list[str], language: str = "es") -> str | None:
    """A draft paraphrase of the customer's story (AL-4) in the third person, without secrets or insults;
    None when the words hold no story to restate."""
    return paraphrase(customer_texts, language)


def closed_questions(texts: list[str], language: str = "es", level: str | None = None,
                     knowledgeable: bool = False) -> list[str]:
    """The closed questions (AL-5) for the problem in the texts, skipping what was already said."""
    return [q.text for q in suggest_questions(texts, level=level, knowledgeable=knowledgeable, language=language)
            if q.closed]


# Findings about something missing (NT-5 greeting or closing, CO-1 the customer's name): their span is the
# whole text and their suggestion is what to add, not a rewrite of the span.
ADDITIONS = frozenset({"NT-5", "CO-1"})
_NAME_PLACEHOLDER = re.compile(r"(?:(?:señora|señor|sra\.|sr\.)\s+)?\[(?:nombre|apellido)\]", re.IGNORECASE)


def apply_finding(text: str, finding: Mapping[str, Any], *, name: str = "") -> str:
    """``text`` with one finding's rewrite in place of its span, or unchanged when the span no longer
    holds the excerpt the finding was made on (the text was edited since) or there is no rewrite.

    A greeting or closing that was missing (NT-5, CO-1) is added at the start or the end, with ``name``
    (the customer's form of address, PH-5) in place of the placeholder when it is known."""
    start, end, suggestion = finding.get("start"), finding.get("end"), finding.get("suggestion")
    if suggestion is None or not isinstance(start, int) or not isinstance(end, int):
        return text
    if str(suggestion).startswith("("):
        return text  # an instruction to the technician ("(diríjase al cliente de usted)"), not words for the draft
    if not 0 <= start <= end <= len(text) or text[start:end] != finding.get("excerpt"):
        return text
    if finding.get("rule") in ADDITIONS:
        addition = _NAME_PLACEHOLDER.sub(name, suggestion) if name else suggestion
        if finding.get("rule") == "CO-1" and is_salutation(text[start:end]):
            return text[:start] + addition + text[end:]  # "Estimado cliente:" -> "Buenos días, señora Pérez:"
        closing = suggestion == CHECKS["NT-5"]["suggestion_closing"]
        if addition.rstrip().endswith((":", ",")) and not closing and not text.startswith(addition):
            return f"{addition}\n\n{text}"
        return text if text.endswith(addition) else f"{text}\n\n{addition}"
    # The finding's span and rewrite were fitted to the sentence by the checks (rewrite.fit), so that the
    # browser's own splice of the same three values gives the same text.
    return text[:start] + str(suggestion) + text[end:]
