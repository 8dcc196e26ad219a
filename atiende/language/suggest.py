"""Suggestions while listening (PRACTICES AL-2, AL-4, AL-5) and strategy cards (CT-*).

The paraphrase lives in ``paraphrase.py`` and the questions in
``questions.py``; this module keeps the public names the consoles and the
CLI use.
"""

from __future__ import annotations

from atiende.language.lexicon import SUGGEST, TRAIT_IDS
from atiende.language.model import Question, StrategyCard
from atiende.language.paraphrase import paraphrase
from atiende.language.questions import problem_categories, suggest_questions

__all__ = ["Question", "acknowledgements", "closed_questions", "problem_categories", "strategy", "suggest_paraphrase",
           "suggest_questions"]


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
