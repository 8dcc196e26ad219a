"""The project's labelled evaluation set (tests/language/eval): the numbers the docs report.

F1 of at least 0.85 per trait and per rule on the whole set, and not a single
finding on the precision set of plain, polite, jargon-free technician messages.
The per-round held-out figures are in docs/language.md.
"""

import pytest

from atiende.language.evaluate import DEFAULT_DATA, evaluate, load


@pytest.fixture(scope="module")
def report():
    return evaluate(DEFAULT_DATA, "all")


def test_the_evaluation_set_is_large_and_varied():
    customers = load(DEFAULT_DATA / "customers.jsonl")
    drafts = load(DEFAULT_DATA / "drafts.jsonl")
    polite = load(DEFAULT_DATA / "polite.jsonl")
    assert len(customers) >= 600 and len(drafts) >= 400 and len(polite) >= 200
    assert {"ES", "MX", "AR", "CO", "CL", "PE"} <= {row["country"] for row in customers}


def test_every_trait_reaches_f1_085(report):
    low = {trait: round(c.f1, 3) for trait, c in report.traits.items() if c.f1 < 0.85}
    assert not low


def test_every_rule_reaches_f1_085(report):
    low = {rule: round(c.f1, 3) for rule, c in report.rules.items() if c.f1 < 0.85}
    assert not low


def test_plain_polite_drafts_get_no_finding(report):
    assert report.polite >= 200
    assert report.polite_with_findings == []
