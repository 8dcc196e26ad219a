"""Quality scorecard of a finished contact (SPEC capability 4), pure Python.

``score_transcript(data)`` judges a transcript (the SPEC format, see
:mod:`atiende.quality.transcript`) against the practices, rule by rule: met,
missed or n/a, with the evidence (quotes and times) and a coaching sentence in
Spanish and English for every missed rule, and a 0..100 total whose weights are
documented in :mod:`atiende.quality.card`. The rules live in small modules by
family under :mod:`atiende.quality.rules`; text checks and customer traits come
from the language assistant through :mod:`atiende.quality.language_adapter`.

No Django, no clock, no I/O: the same transcript always gets the same card.
"""

from atiende.quality.card import MET, MISSED, NA, Item, Scorecard, rule_weight
from atiende.quality.context import ScoringPolicy
from atiende.quality.scorer import CARD_ORDER, score_transcript
from atiende.quality.transcript import Transcript, TranscriptError, parse_transcript

__all__ = [
    "CARD_ORDER", "MET", "MISSED", "NA", "Item", "Scorecard", "ScoringPolicy", "Transcript",
    "TranscriptError", "parse_transcript", "rule_weight", "score_transcript",
]
