"""Score a transcript: every rule family judges its rules, the card puts them in catalogue order."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from atiende.quality.card import Item, Scorecard
from atiende.quality.context import ScoringPolicy, build_context
from atiende.quality.rules import (
    attitude,
    conduct,
    holds,
    listening,
    netiquette,
    opening,
    policies,
    transfers,
)
from atiende.quality.transcript import Transcript, parse_transcript

FAMILIES = (opening, listening, holds, transfers, conduct, attitude, netiquette, policies)

# The order items appear on a card (the order of PRACTICES.md).
CARD_ORDER = (
    "SP-2", "SP-3", "SP-4", "CO-1", "CO-2", "CO-3",
    "AL-1", "AL-2", "AL-3", "AL-4", "AL-5", "AL-6",
    "HO-1", "HO-2", "HO-3", "HO-4", "HO-5", "HO-6", "HO-7",
    "TR-1", "TR-2", "TR-3", "TR-4", "TR-5",
    "DN-1", "DN-2", "DN-3", "DN-4", "DN-5", "DN-7", "DN-8", "DN-9", "DN-10", "DN-11", "DN-12", "DN-13",
    "PT-1", "PT-2", "PT-3", "PT-4",
    "NT-1", "NT-2", "NT-3", "NT-4", "NT-5", "NT-6", "NT-7",
    "PO-1", "PO-2", "PO-5",
)
_POSITION = {rule: i for i, rule in enumerate(CARD_ORDER)}


def score_transcript(transcript: Transcript | Mapping[str, Any], *, policy: ScoringPolicy | None = None) -> Scorecard:
    """The scorecard of a finished contact.

    ``transcript`` is a parsed :class:`Transcript` or the decoded JSON (then it is
    checked first and :class:`~atiende.quality.transcript.TranscriptError` names
    any malformed field).
    """
    parsed = transcript if isinstance(transcript, Transcript) else parse_transcript(transcript)
    ctx = build_context(parsed, policy or ScoringPolicy())
    items: list[Item] = []
    for family in FAMILIES:
        items.extend(family.score(ctx))
    items.sort(key=lambda item: _POSITION.get(item.rule, len(_POSITION)))
    return Scorecard(items=items, language_available=ctx.language_available)
