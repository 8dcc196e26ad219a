"""Any input gets either a scorecard or a TranscriptError naming the field: never another exception."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from atiende.quality import CARD_ORDER, TranscriptError, score_transcript

WORDS = ["Buenos días", "¿Le importa si le pongo en espera?", "Entiendo", "no puedo", "...", "¿Con quién hablo?",
         "Déjeme ver si comprendo", "gracias", "ESTO ES UNA VERGÜENZA", "", "Ñandú —", "¿?", "Marta"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5000) | st.floats(allow_nan=True) | st.sampled_from(WORDS),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(
        ["t", "type", "speaker", "text", "end", "reason", "customer_consent", "expected_minutes", "name", "tier",
         "channel", "customer", "technician", "events", "wait_seconds"]), inner, max_size=5),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_arbitrary_json_never_raises_anything_but_a_transcript_error(data: object) -> None:
    try:
        card = score_transcript(data)  # type: ignore[arg-type]
    except TranscriptError as exc:
        assert exc.field
    else:
        assert 0 <= card.score <= 100


speech = st.builds(lambda who, text: {"speaker": who, "text": text},
                   st.sampled_from(["tecnico", "cliente"]), st.sampled_from(WORDS))
call_event = st.builds(dict, type=st.sampled_from(["hold", "resume", "transfer_request", "transfer_accepted",
                                                    "transfer_declined", "escalation", "start", "end"]),
                       customer_consent=st.booleans(), expected_minutes=st.integers(1, 10))


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["telefonico", "presencial", "email", "chat"]),
       st.lists(st.tuples(st.floats(0, 120), speech | call_event), min_size=1, max_size=40))
def test_any_well_formed_transcript_gets_a_complete_card(channel: str, steps: list) -> None:
    t = 0.0
    events = []
    for gap, event in steps:
        t += gap
        events.append({"t": round(t, 1), **event})
    card = score_transcript({"channel": channel, "customer": {"name": "Marta Ruiz"},
                             "technician": {"name": "Luis", "tier": 1}, "events": events})
    assert 0 <= card.score <= 100
    rules = [item.rule for item in card.items]
    assert len(rules) == len(set(rules)) and set(rules) <= set(CARD_ORDER)
    assert all(item.status in ("met", "missed", "n/a") for item in card.items)
