"""What every rule module needs, computed once per transcript."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from atiende.engine.policies import DEFAULT_POLICY
from atiende.quality import language_adapter, signals
from atiende.quality.card import MET, MISSED, NA, Item
from atiende.quality.coaching import coaching_for
from atiende.quality.language_adapter import CustomerProfile, TextFinding
from atiende.quality.transcript import Event, Transcript, Turn, fold

_DETERMINER = re.compile(r"^(?:del|al|de|a|el|la|los|las|un|una|unos|unas|este|esta|ese|esa|su|sus)\s+", re.IGNORECASE)

_HONORIFICS = {"sr", "sra", "srta", "senor", "senora", "senorita", "don", "dona", "dr", "dra", "doctor", "doctora"}
# A technician turn that starts this long before the customer's turn ends overlaps it.
OVERLAP_TOLERANCE = 1.0
# A customer turn this long is telling something (a name or a «sí» is not a story).
STORY_WORDS = 10
# How long after the announced time a hold may run before it counts as over-running (HO-5).
HOLD_GRACE_SECONDS = 60.0
# Assumed when a hold announces no time (HO-4 is then missed anyway).
DEFAULT_HOLD_MINUTES = 2.0

# A call handled in the console with no words supplied (issue 22, item 19): the rules whose evidence is in the
# engine's events (holds with their consent, reason and minutes; transfers and their outcome; the call policies)
# are judged on those events alone; a rule that needs what was said is n/a, never missed.
NO_WORDS = "no words in this transcript: this rule needs what was said"
EVENTS_ONLY = "no words in this transcript: judged on the call's events only"


@dataclass(frozen=True, slots=True)
class ScoringPolicy:
    """The call policies the scorecard checks; defaults as in the policy document (seed 002)."""

    max_call_seconds: int = DEFAULT_POLICY.max_call_seconds  # PO-1
    max_wait_seconds: int = DEFAULT_POLICY.max_wait_seconds  # PO-2
    long_chat_message_words: int = 120  # NT-1
    long_email_words: int = 300  # NT-1


@dataclass(frozen=True, slots=True)
class Interruption:
    technician: Turn
    customer: Turn  # the turn that was cut


def quote(turn: Turn, limit: int = 160) -> str:
    text = turn.text.strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    who = "técnico" if turn.is_technician else "cliente"
    return f"{clock(turn.t)} {who}: «{text}»"


def clock(seconds: float) -> str:
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def describe(event: Event) -> str:
    shown = {k: v for k, v in event.data.items() if k not in ("t", "type")}
    fields = ", ".join(f"{k}={v!r}" if isinstance(v, str) else f"{k}={str(v).lower()}" for k, v in shown.items())
    return f"{clock(event.t)} {event.type}" + (f" ({fields})" if fields else "")


def is_acknowledgement(turn: Turn) -> bool:
    return turn.words <= signals.ACK_WORDS_MAX and bool(signals.ACKNOWLEDGEMENT.search(turn.folded))


def questions(turn: Turn) -> list[str]:
    """The questions in a turn; «¿Ah, sí?» and other one- or two-word interjections are not questions."""
    found = (q.strip() for q in signals.QUESTION.findall(turn.folded))
    return [q for q in found if len(re.findall(r"\w+", q)) >= 3]


def is_open_question(question: str) -> bool:
    return bool(signals.OPEN_QUESTION.search(question.lstrip("¿ ")) or signals.OPEN_QUESTION.search(question))


@dataclass(slots=True)
class Context:
    transcript: Transcript
    policy: ScoringPolicy
    technician: list[Turn]
    customer: list[Turn]
    profile: CustomerProfile
    findings: list[TextFinding]
    language_available: bool
    language_reason: str | None
    name_pattern: re.Pattern[str] | None
    technician_name_pattern: re.Pattern[str] | None
    interruptions: list[Interruption] = field(default_factory=list)
    story_end: float = 0.0  # when the customer's first account of the problem is over

    @property
    def has_words(self) -> bool:
        """False for a transcript of events only (a call handled in the console, no turns supplied)."""
        return bool(self.transcript.turns)

    # ---- item builders -------------------------------------------------
    def met(self, rule: str, evidence: list[str] | None = None, at: float | None = None, note: str | None = None) -> Item:
        return Item(rule, MET, evidence or [], at, note=note)

    def missed(self, rule: str, evidence: list[str] | None = None, at: float | None = None,
               reason: str | None = None, note: str | None = None) -> Item:
        es, en = coaching_for(rule, reason)
        return Item(rule, MISSED, evidence or [], at, coaching_es=es, coaching_en=en, note=note)

    def na(self, rule: str, note: str | None = None) -> Item:
        return Item(rule, NA, [], None, note=note)

    def unheard(self, rule: str, note: str | None = None) -> Item:
        """n/a: ``note`` says why; with no words at all, that the rule needs them (:data:`NO_WORDS`)."""
        return self.na(rule, note if self.has_words else NO_WORDS)

    # ---- queries ---------------------------------------------------------
    def says_name(self, turn: Turn) -> bool:
        return bool(self.name_pattern and self.name_pattern.search(turn.folded))

    def findings_for(self, rule: str) -> list[TextFinding]:
        return [f for f in self.findings if f.rule == rule]

    def turns_between(self, start: float, end: float, *, speaker: str | None = None) -> list[Turn]:
        return [t for t in self.transcript.turns
                if start <= t.t <= end and (speaker is None or t.speaker == speaker)]

    def technician_after(self, index: int, count: int = 2) -> list[Turn]:
        return [t for t in self.technician if t.index > index][:count]

    def technician_before(self, index: int, count: int = 2) -> list[Turn]:
        before = [t for t in self.technician if t.index < index]
        return before[-count:]

    def last_turn_before(self, index: int) -> Turn | None:
        previous = [t for t in self.transcript.turns if t.index < index]
        return previous[-1] if previous else None


def _name_pattern(*names: str | None) -> re.Pattern[str] | None:
    tokens: set[str] = set()
    for name in names:
        for token in re.findall(r"\w+", fold(name or "")):
            if len(token) >= 3 and token not in _HONORIFICS:
                tokens.add(re.escape(token))
    if not tokens:
        return None
    return re.compile(r"\b(?:" + "|".join(sorted(tokens)) + r")\b")


def _interruptions(transcript: Transcript) -> list[Interruption]:
    """Technician turns (other than an acknowledgement) that start while the customer is mid-sentence.

    Two signs, either is enough (AL-3, DN-8): the technician starts well before
    the customer's turn ends (given ``end``, or estimated from the words), or the
    customer's turn is cut off («...», «—») and the technician takes the floor.
    """
    found: list[Interruption] = []
    previous: Turn | None = None
    for item in transcript.timeline:
        if not isinstance(item, Turn):
            if item.type in ("hold", "resume", "transfer_request", "transfer_accepted", "escalation"):
                previous = None  # after a hold or a hand-over the next turn interrupts nobody
            continue
        if item.is_technician and previous is not None and not previous.is_technician:
            overlaps = item.t < previous.end - OVERLAP_TOLERANCE
            cut = bool(signals.TRUNCATED.search(previous.text))
            if (overlaps or cut) and not is_acknowledgement(item):
                found.append(Interruption(item, previous))
        # an acknowledgement does not end the customer's turn: keep judging against it
        if not (item.is_technician and is_acknowledgement(item)):
            previous = item
    return found


def _story_end(transcript: Transcript, technician: list[Turn]) -> float:
    """The customer's story is over at the paraphrase or at the technician's first diagnostic question."""
    customer = transcript.customer_turns()
    if not customer:
        return 0.0
    first_story = next((t for t in customer if t.words >= STORY_WORDS), customer[0])
    for turn in technician:
        if turn.t <= first_story.t:
            continue
        if signals.PARAPHRASE.search(turn.folded):
            return turn.t
        for q in questions(turn):
            if not signals.NON_DIAGNOSTIC.search(q):
                return turn.t
    return transcript.ended_at


def build_context(transcript: Transcript, policy: ScoringPolicy) -> Context:
    technician = transcript.technician_turns()
    customer = transcript.customer_turns()
    language_available = language_adapter.available()
    language_reason = language_adapter.UNAVAILABLE_REASON
    try:
        profile = language_adapter.profile_customer(customer, channel=transcript.channel)
    except Exception as exc:  # a failing assistant must not take the whole scorecard down
        profile, language_available = CustomerProfile(), False
        language_reason = f"language assistant failed ({exc.__class__.__name__}: {exc})"
    level = profile.level
    # Words the technician said to someone else (a personal call, a coworker) are judged by DN-9/DN-10,
    # not as if they were addressed to the customer.
    to_customer = [t for t in technician if not (signals.PERSONAL_CALL.search(t.folded)
                                                 or signals.COWORKER_CHAT.search(t.folded))]
    findings: list[TextFinding] = []
    if language_available:
        try:
            findings = language_adapter.technician_findings(to_customer, channel=transcript.channel, level=level)
        except Exception as exc:
            language_available = False
            language_reason = f"language assistant failed ({exc.__class__.__name__}: {exc})"
    # DN-2: a word the customer used themselves, before the technician did, is not jargon to them («VPN»,
    # «datáfono»); a customer who asks back «¿Qué es eso de "driver"?» did not use it, they were lost by it.
    def said_first_by_customer(finding: TextFinding) -> bool:
        # The finding's span may hold the determiner its rewrite fitted ("la caché"): the word is what counts.
        term = _DETERMINER.sub("", finding.excerpt, count=1)
        return fold(term) in " ".join(t.folded for t in customer if t.t < finding.turn.t)

    findings = [f for f in findings
                if not (f.rule == "DN-2" and f.excerpt and said_first_by_customer(f))]
    return Context(
        transcript=transcript, policy=policy, technician=technician, customer=customer,
        profile=profile, findings=findings,
        language_available=language_available,
        language_reason=language_reason,
        name_pattern=_name_pattern(transcript.customer_name, transcript.address_as),
        technician_name_pattern=_name_pattern(transcript.technician_name),
        interruptions=_interruptions(transcript),
        story_end=_story_end(transcript, technician),
    )
