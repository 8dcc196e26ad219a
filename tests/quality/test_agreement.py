"""The scorer agrees with a supervisor's expected scorecards on the corpus (issue 5: at least 95 % of items)."""

from __future__ import annotations

from collections import Counter

import pytest

from atiende.quality import CARD_ORDER, language_adapter, score_transcript
from tests.quality.agreement import load_corpus, measure

CASES = load_corpus()


def test_the_corpus_has_at_least_forty_transcripts_of_every_kind() -> None:
    assert len(CASES) >= 40
    channels = Counter(case.transcript["channel"] for case in CASES)
    assert set(channels) == {"telefonico", "presencial", "email", "chat"}
    kinds = Counter()
    for case in CASES:
        types = [e.get("type") for e in case.transcript["events"]]
        for hold in (e for e in case.transcript["events"] if e.get("type") == "hold"):
            kinds["hold with consent" if hold.get("customer_consent") else "hold without consent"] += 1
        kinds.update(t for t in types if t in ("transfer_accepted", "transfer_declined", "escalation"))
        if case.expected.get("HO-5") in ("met", "missed"):
            kinds["over-running hold"] += 1
    for kind in ("hold with consent", "hold without consent", "over-running hold", "transfer_accepted",
                 "transfer_declined", "escalation"):
        assert kinds[kind] >= 1, kind


def test_the_corpus_has_a_customer_of_every_trait_and_every_split() -> None:
    names = " ".join(case.name for case in CASES)
    for trait in ("locuaz", "descortes", "enfadado", "entendido", "inexperto"):
        assert f"trait_{trait}" in names, trait
    assert {case.split for case in CASES} == {"development", "holdout", "blind", "blind2"}


def test_every_expected_scorecard_names_known_rules_and_statuses() -> None:
    for case in CASES:
        assert set(case.expected) <= set(CARD_ORDER), case.name
        assert set(case.expected.values()) <= {"met", "missed", "n/a"}, case.name


def test_scorer_agrees_with_the_supervisor_on_at_least_95_percent_of_items() -> None:
    report = measure(CASES, with_language=False)
    assert report.agreement >= 0.95, [vars(d) for d in report.disagreements]


@pytest.mark.skipif(not language_adapter.available(),
                    reason=f"language-dependent items not judged: {language_adapter.UNAVAILABLE_REASON}")
def test_with_the_language_assistant_agreement_stays_at_least_95_percent() -> None:
    report = measure(CASES, with_language=True)
    assert report.agreement >= 0.95, [vars(d) for d in report.disagreements]
    assert report.applicable_agreement >= 0.95


def test_without_the_language_assistant_its_items_are_not_applicable_with_the_reason() -> None:
    with language_adapter.switched_off("no assistant in this test"):
        card = score_transcript(CASES[0].transcript)
    for rule in ("DN-1", "DN-2", "DN-3", "PT-1", "PT-2", "PT-3"):
        item = card.item(rule)
        assert item is not None and item.status == "n/a" and item.note and "no assistant in this test" in item.note
    assert not card.language_available


def test_a_failing_language_assistant_leaves_its_items_not_applicable(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("lexicon missing")

    monkeypatch.setattr(language_adapter, "_analyze", broken)
    card = score_transcript(CASES[0].transcript)
    item = card.item("DN-2")
    assert item is not None and item.status == "n/a" and item.note and "lexicon missing" in item.note
    assert card.item("SP-3") is not None  # the rest of the card is still judged


UNSEEN_SPLITS = ("holdout", "blind", "blind2")  # written after the scorer's phrase lists, first scored blind


@pytest.mark.parametrize("split", UNSEEN_SPLITS)
def test_each_split_written_after_tuning_agrees_on_its_own(split: str) -> None:
    """Issue 22 item 29: the pooled figure could hide a weak split; each later split is held to 95 % alone."""
    cases = [case for case in CASES if case.split == split]
    assert cases, split
    alone = measure(cases, with_language=False)
    assert alone.agreement >= 0.95, (split, [vars(d) for d in alone.disagreements])
    if language_adapter.available():
        report = measure(cases, with_language=True)
        assert report.agreement >= 0.95, (split, [vars(d) for d in report.disagreements])
        assert report.applicable_agreement >= 0.95, (split, [vars(d) for d in report.disagreements])


def test_scorer_finds_most_of_what_the_supervisor_marked_missed() -> None:
    report = measure(CASES, with_language=False)
    assert report.caught_missed / report.expected_missed >= 0.95
