"""The results the language assistant returns: plain, immutable data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class TraitScore:
    """A customer trait (CT-*) with its score 0..1 and the words that triggered it."""

    id: str
    score: float
    evidence: list[str] = field(default_factory=list)
    # Evidence that is the problem itself ("otra vez se cayó el sistema": cues marked "story" in traits.toml),
    # which a paraphrase may restate; every other cue (insults, outbursts) it never repeats. Not in the JSON.
    story: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "score": round(self.score, 3), "evidence": list(self.evidence)}


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in a technician's draft: the rule, the character span, why, and a rewrite."""

    rule: str
    start: int
    end: int
    excerpt: str
    message: str
    suggestion: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "start": self.start, "end": self.end, "excerpt": self.excerpt,
                "message": self.message, "suggestion": self.suggestion}


@dataclass(frozen=True, slots=True)
class Secret:
    """A credential or piece of personal data found in a text (ET-3, NT-3)."""

    kind: str  # password, username, card, iban, national_id, email, phone, ip
    label: str  # what replaces it in the redacted text, e.g. "[CONTRASEÑA]"
    value: str
    start: int
    end: int

    @property
    def is_credential(self) -> bool:
        # ET-3: credentials go to the vault; personal data is only masked.
        return self.kind in ("password", "username")


@dataclass(frozen=True, slots=True)
class Redaction:
    text: str
    secrets: list[Secret] = field(default_factory=list)

    @property
    def credentials(self) -> list[Secret]:
        """The secrets to hand to the credential vault instead of keeping them in text (ET-3)."""
        return [s for s in self.secrets if s.is_credential]


@dataclass(frozen=True, slots=True)
class StrategyCard:
    """What to do and what to avoid with a customer trait (CT-*)."""

    do: list[str]
    avoid: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"do": list(self.do), "avoid": list(self.avoid)}


@dataclass(frozen=True, slots=True)
class Question:
    """A question to ask after the paraphrase (AL-5): closed (yes/no, a named choice) or open."""

    text: str
    closed: bool

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "closed": self.closed}


@dataclass(frozen=True, slots=True)
class Analysis:
    text: str
    as_: str
    traits: list[TraitScore]
    knowledge_level: str | None
    findings: list[Finding]
    redacted: str
    strategy: dict[str, StrategyCard] = field(default_factory=dict)
    paraphrase: str | None = None
    questions: list[Question] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The public JSON shape (SPEC "Public contracts": `atiende analyze --format json`)."""
        return {
            "text": self.text,
            "as": self.as_,
            "traits": [t.to_json() for t in self.traits],
            "knowledge_level": self.knowledge_level,
            "findings": [f.to_json() for f in self.findings],
            "redacted": self.redacted,
            "strategy": {trait: card.to_json() for trait, card in self.strategy.items()},
            "paraphrase": self.paraphrase,
            "questions": [q.to_json() for q in self.questions],
        }
