"""The customer's traits (from the language assistant) change how the technician's response is judged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from atiende.quality import MISSED, language_adapter, score_transcript

CORPUS = Path(__file__).resolve().parent / "transcripts"

pytestmark = pytest.mark.skipif(
    not language_adapter.available(),
    reason=f"trait judgements need the language assistant: {language_adapter.UNAVAILABLE_REASON}")


def card_of(name: str):  # type: ignore[no-untyped-def]
    return score_transcript(json.loads((CORPUS / f"{name}.json").read_text("utf-8")))


def test_jargon_to_an_inexperienced_customer_misses_co3_and_dn2() -> None:
    card = card_of("tel_trait_inexperto_jargon")
    co3, dn2 = card.item("CO-3"), card.item("DN-2")
    assert co3 is not None and co3.status == MISSED and co3.note and "inexperienced" in co3.note
    assert dn2 is not None and dn2.status == MISSED


def test_plain_step_by_step_words_to_an_inexperienced_customer_meet_co3_and_dn2() -> None:
    card = card_of("tel_trait_inexperto_good")
    assert card.statuses()["CO-3"] == "met"
    assert card.statuses()["DN-2"] == "met"


def test_a_consented_hold_on_an_angry_customer_still_misses_ho7() -> None:
    card = card_of("tel_hold_angry_customer")
    ho7 = card.item("HO-7")
    assert ho7 is not None and ho7.status == MISSED
    assert card.statuses()["HO-3"] == "met"
    assert any("enfadado" in line or "angry" in line for line in card.coaching("es") + card.coaching("en"))


def test_obvious_checks_to_a_knowledgeable_customer_miss_co3() -> None:
    card = card_of("holdout_tel_interrupting_expert")
    co3 = card.item("CO-3")
    assert co3 is not None and co3.status == MISSED
    assert any("apagarlo y encenderlo" in e for e in co3.evidence)


def test_a_talkative_customer_left_to_chat_misses_pt3() -> None:
    assert card_of("tel_trait_locuaz_not_refocused").statuses()["PT-3"] == "missed"


def _call(*turns: tuple[str, str]) -> dict:  # type: ignore[type-arg]
    events, t = [], 0.0
    for speaker, text in turns:
        events.append({"t": t, "speaker": speaker, "text": text})
        t += 10.0
    return {"channel": "telefonico", "customer": {"name": "Julián Mora"}, "technician": {"name": "Lucía", "tier": 1},
            "events": events}


def test_a_customer_asking_what_a_word_means_does_not_excuse_the_jargon() -> None:
    lost = _call(("cliente", "Hola, es que la máquina de imprimir no me saca los papeles y no sé qué he tocado."),
                 ("tecnico", "Buenos días, Julián. Reinstale el driver de la impresora."),
                 ("cliente", "Perdone, ¿qué es eso de «driver»? Yo de esto no entiendo nada."))
    assert score_transcript(lost).statuses()["DN-2"] == MISSED
    said_first = _call(("cliente", "Hola, creo que el driver de la impresora está mal, no sé qué he tocado."),
                       ("tecnico", "Buenos días, Julián. Reinstale el driver de la impresora."))
    assert score_transcript(said_first).statuses()["DN-2"] == "met"
