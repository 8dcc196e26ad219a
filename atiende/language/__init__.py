"""Atiende's Spanish language assistant (SPEC capability 3; PRACTICES CT, CO-3, AL, DN, PT, NT, ET-3).

Pure Python, no Django: the CLI (``atiende analyze``), the API
(``POST /api/v1/analyze``), the consoles and the quality scorecard call these
functions. Lexicons and rules are data files under ``data/``; they are read
once at import and compiled, so a call costs a few regex passes.

- ``analyze(text, as_="cliente")``: customer traits with evidence, knowledge level, redaction.
- ``analyze(text, as_="tecnico", level=..., channel=...)``: findings on a draft, redaction.
  A customer's analysis also carries the strategy card of each trait found,
  the paraphrase draft (AL-4) and the questions to ask (AL-5).
- ``strategy``, ``suggest_paraphrase``, ``suggest_questions``, ``closed_questions``, ``acknowledgements``, ``redact``.
"""

from __future__ import annotations

from atiende.language.checks import check_draft
from atiende.language.lexicon import LEVELS, TRAIT_IDS
from atiende.language.model import (
    Analysis,
    Finding,
    Question,
    Redaction,
    Secret,
    StrategyCard,
    TraitScore,
)
from atiende.language.paraphrase import feeling_quotes
from atiende.language.paraphrase import paraphrase as restate_story
from atiende.language.redact import redact
from atiende.language.suggest import (
    acknowledgements,
    closed_questions,
    problem_categories,
    strategy,
    suggest_paraphrase,
    suggest_questions,
)
from atiende.language.text import fold
from atiende.language.traits import asserted, knowledge_level, score_traits

__all__ = [
    "AS_VALUES", "CHANNELS", "LEVELS", "TRAIT_IDS", "Analysis", "Finding", "Question", "Redaction", "Secret",
    "StrategyCard", "TraitScore", "acknowledgements", "analyze", "closed_questions", "redact", "strategy",
    "suggest_paraphrase", "suggest_questions",
]

AS_VALUES = ("cliente", "tecnico")
CHANNELS = ("email", "chat", "telefonico", "presencial")


def analyze(text: str, *, as_: str = "cliente", level: str | None = None, channel: str | None = None,
            language: str = "es", suggestions: bool = True) -> Analysis:
    """Analyse one message.

    ``as_="cliente"``: traits (only those asserted) with evidence and their
    strategy cards, the knowledge level (CO-3), the paraphrase draft (AL-4),
    the questions to ask (AL-5) and the redacted text. ``as_="tecnico"``: findings on the
    draft adapted to the customer's ``level`` (default intermedio), email
    checks (NT-5, CO-1) only when ``channel="email"``, and the redacted text.
    ``suggestions=False`` leaves out the strategy cards, the paraphrase and the
    questions, for a caller that only needs the traits on every keystroke.
    Raises ValueError on an unknown ``as_``, ``level`` or ``channel``.
    """
    if not isinstance(text, str):
        raise ValueError("text must be a string")
    if as_ not in AS_VALUES:
        raise ValueError(f"as_ must be one of {', '.join(AS_VALUES)}")
    if level is not None and level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    if channel is not None and channel not in CHANNELS:
        raise ValueError(f"channel must be one of {', '.join(CHANNELS)}")
    folded = fold(text)
    redacted = redact(text).text
    if as_ == "cliente":
        scores = score_traits(folded)
        traits = sorted(asserted(scores), key=lambda t: -t.score)
        level = knowledge_level(folded, scores)
        if not suggestions:
            return Analysis(text, as_, traits, level, [], redacted)
        cards = {t.id: strategy(t.id, language) for t in traits}
        story = restate_story([text], language, redacted=[redacted], avoid=feeling_quotes(scores))
        questions: list[Question] = []
        categories = problem_categories([text], folded.text)
        if story is not None or categories:
            # AL-5 follows the story: a thank-you or "¿a qué hora cierran?" calls for no questions.
            questions = suggest_questions([text], level=level, knowledgeable="CT-ENT" in cards, language=language,
                                          folded=folded.text, categories=categories)
        return Analysis(text, as_, traits, level, [], redacted, cards, story, questions)
    findings = check_draft(folded, level=level, channel=channel, language=language)
    return Analysis(text, as_, [], level, findings, redacted)
