import re
from pathlib import Path

from atiende.practices import all_rules, get_rule

SHARED = Path(__file__).resolve().parents[3] / "shared" / "PRACTICES.md"


def test_every_rule_has_spanish_and_english_text():
    for rule in all_rules().values():
        assert rule.es and rule.en, rule.id
        assert set(rule.how) <= {"enforce", "assist", "measure"}


def test_catalogue_matches_the_practices_document_when_present():
    if not SHARED.exists():
        return
    documented = set(re.findall(r"^\| ([A-Z]{2}-[A-Z0-9]+) \|", SHARED.read_text(), re.M))
    assert documented == set(all_rules())


def test_unknown_rule_is_named_in_the_error():
    try:
        get_rule("XX-9")
    except KeyError as exc:
        assert "XX-9" in str(exc)
    else:
        raise AssertionError("expected KeyError")
