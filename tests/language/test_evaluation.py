"""The project's labelled evaluation sets: the numbers the docs report, gated split by split.

Issue 22 item 29: a gate on all the data pooled is mostly a gate on the rounds
the lexicons were tuned on. So the held-out rounds (four and five, fourteen:
never tuned on until session 11 studied their misses as families) are gated on their own, and so is each of them alone; the whole set
keeps its own, stricter gate. The external set of real text (never tuned on)
may not get more false assertions than at its last recorded run. The
per-round figures and their history are in docs/language.md.
"""

import pytest

from atiende.language.evaluate import DEFAULT_DATA, GROUPS, evaluate, evaluate_external, load

# Held-out floors: the figures of the last recorded run (docs/language.md), rounded down.
# Session 11 studied the held-out rounds' misses as families (docs/language.md, table 19), so since then these
# floors hold what was fixed rather than measure unseen text: traits 0.930 (CT-DES), rules 0.951 (DN-2), level 0.855.
HELD_OUT_TRAIT_F1 = 0.90  # 0.85 in session 10 (CT-LOC 0.885)
HELD_OUT_RULE_F1 = 0.95  # 0.80 in session 10 (DN-1 0.895); 0.842 (DN-7) with round thirteen, 0.811 with twelve
HELD_OUT_LEVEL = 0.85  # 0.82 in session 10 (0.828 with round fourteen), 0.850 with thirteen (session 8)
ROUND_TRAIT_F1 = 0.90  # one round alone (session 11: CT-DES 0.923 on round fourteen; 0.70 before)
ROUND_RULE_F1 = 0.85  # session 11: DN-2 0.857 on round fourteen; 0.45 before (DN-7 0.462 on round twelve)
ROUND_RULE_MIN_SUPPORT = 5  # a rule with fewer positives in one round is gated only on the held-out union
ROUND_LEVEL = 0.74  # round fourteen: 0.744 (session 11), 0.711 at its first run (session 10)
# Traits asserted on the external set against the labels, at the last run (session 8: 34, up from 27: three more
# CT-ENT from technical acronyms, four more CT-LOC from the chatter weight; see docs/language.md; never tuned on).
# Session 12: 35. A short question put back to the technician ("¿usted teje?", "¿y usted?") now counts as
# socialising (a family of round sixteen), and one tagline of the set ends on "¿y usted?"; not tuned away.
# Session 13: 30 (CT-LOC 18, CT-DES 2, CT-ENF 2, CT-ENT 4, CT-INX 4), its one re-run at the end of the session,
# after the support-conversation gate and the families of rounds eighteen and nineteen; not tuned on.
# Session 14: 24 (CT-LOC 12, the rest as before), its one re-run at the end of the session, after CT-LOC came to
# need someone addressed; its errors were not printed and nothing was tuned on them.
EXTERNAL_WRONG_ASSERTIONS = 24


@pytest.fixture(scope="module")
def everything():
    return evaluate(DEFAULT_DATA, "all")


@pytest.fixture(scope="module")
def held_out():
    return evaluate(DEFAULT_DATA, "heldout")


def test_the_evaluation_set_is_large_and_varied():
    customers = load(DEFAULT_DATA / "customers.jsonl")
    drafts = load(DEFAULT_DATA / "drafts.jsonl")
    polite = load(DEFAULT_DATA / "polite.jsonl")
    assert len(customers) >= 1500 and len(drafts) >= 1000 and len(polite) >= 500
    assert {"ES", "MX", "AR", "CO", "CL", "PE", "UY", "VE"} <= {row["country"] for row in customers}
    held_out_rows = [r for r in customers if r["split"] in GROUPS["heldout"]]
    assert len(held_out_rows) >= 200 and not set(GROUPS["heldout"]) & set(GROUPS["tuning"])


def test_every_trait_and_rule_reaches_f1_085_on_the_whole_set(everything):
    low = {key: round(c.f1, 3) for key, c in {**everything.traits, **everything.rules}.items() if c.f1 < 0.85}
    assert not low


def test_on_the_held_out_rounds_alone_every_trait_and_rule_holds(held_out):
    traits = {t: round(c.f1, 3) for t, c in held_out.traits.items() if c.f1 < HELD_OUT_TRAIT_F1}
    rules = {r: round(c.f1, 3) for r, c in held_out.rules.items() if c.f1 < HELD_OUT_RULE_F1}
    assert not traits and not rules
    assert held_out.level_correct / held_out.customers >= HELD_OUT_LEVEL


@pytest.mark.parametrize("split", GROUPS["heldout"])
def test_each_held_out_round_holds_on_its_own(split):
    report = evaluate(DEFAULT_DATA, split)
    traits = {t: round(c.f1, 3) for t, c in report.traits.items() if c.f1 < ROUND_TRAIT_F1}
    rules = {r: round(c.f1, 3) for r, c in report.rules.items()
             if c.f1 < ROUND_RULE_F1 and c.support >= ROUND_RULE_MIN_SUPPORT}
    assert not traits and not rules
    assert report.level_correct / report.customers >= ROUND_LEVEL


def test_plain_polite_drafts_get_no_finding(everything, held_out):
    assert everything.polite >= 500 and everything.polite_with_findings == []
    assert held_out.polite >= 80 and held_out.polite_with_findings == []


def test_the_external_set_gets_no_more_false_assertions_than_at_its_last_run():
    report = evaluate_external()
    assert report.customers >= 500
    assert sum(c.fp for c in report.traits.values()) <= EXTERNAL_WRONG_ASSERTIONS


def test_closed_and_open_questions_are_told_apart_and_knowledgeable_customers_get_no_obvious_checks(held_out):
    """AL-5 on questions a technician asks (round fourteen: 39 of 40 at its first run), and CT-ENT: no obvious
    check (power, cables, lights) offered to a customer labelled knowledgeable in the held-out rounds."""
    assert held_out.questions >= 40 and held_out.questions_right / held_out.questions >= 0.95
    assert held_out.knowledgeable >= 20 and held_out.basic_offered == 0
