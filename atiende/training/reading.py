"""What a trainee's turn does, as the simulated customer hears it.

One turn becomes a set of *moves*: the conversational steps of the practices (a greeting, the
customer's name, an acknowledgement AL-2, a paraphrase AL-4, closed and open questions AL-5, taking
charge, the positive close SP-4...) and every finding of the language assistant on the turn, named by
its rule (DN-1, DN-2 at the customer's level, DN-3, DN-4, DN-7, PT-1, PT-2...). The phrase patterns
are the scorer's own (``atiende.quality.signals``) and the findings are ``atiende.language.analyze``,
so the customer reacts to exactly what the scorecard will judge. A few moves only the practice room
needs (telling someone to calm down, a social question) are data in ``data/moves.toml``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from atiende.language import analyze
from atiende.language.checks import jargon_term
from atiende.quality import signals
from atiende.quality.transcript import fold

_HONORIFICS = frozenset({"senor", "senora", "senorita", "don", "dona", "sr", "sra", "srta"})
_WORDS = re.compile(r"\w+")
# «¿Puede empujar la bandeja?» asks the customer to do something: a proposal, not a diagnostic question.
_POLITE_REQUEST = re.compile(r"^\W*(?:(?:y|ahora|entonces),? )?(?:puede|podria|le importaria|seria tan amable de)\b")


@cache
def _extra_moves() -> dict[str, re.Pattern[str]]:
    raw = tomllib.loads(resources.files(__package__).joinpath("data/moves.toml").read_text("utf-8"))
    return {move: re.compile("|".join(f"(?:{p})" for p in patterns)) for move, patterns in raw.items()}


@dataclass(frozen=True, slots=True)
class Question:
    text: str  # folded
    closed: bool


@dataclass(frozen=True, slots=True)
class Reading:
    text: str
    folded: str
    moves: frozenset[str]
    questions: tuple[Question, ...]  # diagnostic questions only (not consent, name or closing questions)
    jargon: tuple[str, ...]  # the words the language assistant flagged as DN-2 for this customer
    findings: tuple[tuple[str, str], ...]  # (rule, excerpt) of every finding
    proposal: str  # what the turn asks the customer to do: statements and polite requests, not questions

    def has(self, *moves: str) -> bool:
        return any(m in self.moves for m in moves)


def name_tokens(*names: str | None) -> frozenset[str]:
    """The words of a customer's name worth listening for (no honorifics, 3 letters or more)."""
    return frozenset(t for name in names for t in _WORDS.findall(fold(name or ""))
                     if len(t) >= 3 and t not in _HONORIFICS)


def _is_open(question: str) -> bool:
    # The scorer's definition (atiende/quality/context.py), so AL-5 and the customer agree.
    return bool(signals.OPEN_QUESTION.search(question.lstrip("¿ ")) or signals.OPEN_QUESTION.search(question))


def read_turn(text: str, *, names: frozenset[str], level: str, channel: str = "telefonico") -> Reading:
    """The moves of one turn said (or, on ``channel="chat"``, written) to a customer whose knowledge level
    (CO-3) is ``level``."""
    folded = fold(text)
    words = _WORDS.findall(folded)
    moves: set[str] = set()

    def found(move: str, pattern: re.Pattern[str]) -> None:
        if pattern.search(folded):
            moves.add(move)

    found("greeting", signals.GREETING)
    found("name_request", signals.NAME_REQUEST)
    found("self_intro", signals.SELF_INTRO)
    found("paraphrase", signals.PARAPHRASE)
    found("empathy", signals.EMPATHY)
    found("empathy", signals.APOLOGY_DELAY)
    found("take_charge", signals.TAKE_CHARGE)
    found("level_check", signals.LEVEL_CHECK)
    found("refocus", signals.REFOCUS)
    found("summary", signals.SUMMARY)
    found("satisfaction_check", signals.SATISFACTION_CHECK)
    found("thanks", signals.THANKS)
    found("farewell", signals.FAREWELL)
    found("farewell", signals.POSITIVE_FAREWELL)
    found("permission", signals.PERMISSION)
    found("hold_talk", signals.HOLD_ANNOUNCE)
    found("transfer_talk", signals.TRANSFER_TALK)
    found("supervisor_offer", signals.SUPERVISOR_OFFER)
    found("patience_thanks", signals.PATIENCE_THANKS)
    found("credential_request", signals.CREDENTIAL_REQUEST)
    for move, pattern in _extra_moves().items():
        found(move, pattern)
    if len(words) <= signals.ACK_WORDS_MAX and signals.ACKNOWLEDGEMENT.search(folded) \
            or signals.ACK_SENTENCE.search(folded):
        moves.add("acknowledgement")
    if names & set(words):
        moves.add("name")
    if signals.BASIC_CHECK.search(folded):
        moves.add("basic_check_explained" if signals.BASIC_CHECK_REASON.search(folded) else "basic_check")

    questions: list[Question] = []
    proposal = folded
    for q in signals.QUESTION.findall(folded):
        q = q.strip()
        if not _POLITE_REQUEST.match(q):
            proposal = proposal.replace(q, " ")
        if len(_WORDS.findall(q)) < 3 or signals.NON_DIAGNOSTIC.search(q) or signals.PARAPHRASE.search(q) \
                or signals.SATISFACTION_CHECK.search(q) or signals.PERMISSION.search(q):
            continue
        questions.append(Question(q, closed=not _is_open(q)))
    if any(q.closed for q in questions):
        moves.add("closed_question")
    if any(not q.closed for q in questions):
        moves.add("open_question")

    analysis = analyze(text, as_="tecnico", level=level, channel=channel)
    findings = tuple((f.rule, f.excerpt) for f in analysis.findings)
    moves.update(rule for rule, _ in findings)
    jargon = tuple(jargon_term(excerpt) for rule, excerpt in findings if rule == "DN-2")
    if "instruction" in moves and not jargon:
        moves.add("plain_steps")
    return Reading(text, folded, frozenset(moves), tuple(questions), jargon, findings, proposal)
