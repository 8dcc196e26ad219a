"""Agreement between the scorer and the hand-written expected scorecards of the corpus.

Run ``.venv/bin/python -m tests.quality.agreement`` for the report (add
``--list`` for every disagreement). The corpus is ``transcripts/*.json``; each has
``expected/<same name>.json``, written by judging the transcript against the
practices as a supervisor would (see docs/quality.md).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from atiende.quality import language_adapter, score_transcript

HERE = Path(__file__).resolve().parent
TRANSCRIPTS = HERE / "transcripts"
EXPECTED = HERE / "expected"


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    transcript: dict
    expected: dict[str, str]
    language_dependent: frozenset[str]
    description: str
    split: str  # "development" (tuned on), "holdout" and "blind" (written after, first scored blind)


@dataclass(slots=True)
class Disagreement:
    case: str
    rule: str
    expected: str
    got: str
    note: str | None


@dataclass(slots=True)
class Report:
    items: int = 0
    agreed: int = 0
    applicable: int = 0  # items a supervisor marked met or missed
    applicable_agreed: int = 0
    expected_missed: int = 0
    caught_missed: int = 0
    scorer_missed: int = 0
    scorer_missed_right: int = 0
    skipped_language: int = 0
    disagreements: list[Disagreement] = field(default_factory=list)

    @property
    def agreement(self) -> float:
        return self.agreed / self.items if self.items else 1.0

    @property
    def applicable_agreement(self) -> float:
        return self.applicable_agreed / self.applicable if self.applicable else 1.0


def load_corpus() -> list[Case]:
    cases = []
    for path in sorted(EXPECTED.glob("*.json")):
        expected = json.loads(path.read_text("utf-8"))
        transcript = json.loads((TRANSCRIPTS / expected["transcript"]).read_text("utf-8"))
        cases.append(Case(path.stem, transcript, expected["items"], frozenset(expected.get("language_dependent", [])),
                          expected.get("description", ""), expected.get("split", "development")))
    return cases


def measure(cases: list[Case], *, with_language: bool | None = None) -> Report:
    """Compare every expected item with the scorer; language-dependent items count only with the assistant."""
    use_language = language_adapter.available() if with_language is None else with_language
    report = Report()
    for case in cases:
        if use_language:
            card = score_transcript(case.transcript)
        else:
            with language_adapter.switched_off():
                card = score_transcript(case.transcript)
        got = {item.rule: item for item in card.items}
        for rule, status in case.expected.items():
            if rule in case.language_dependent and not use_language:
                report.skipped_language += 1
                continue
            item = got.get(rule)
            status_got = item.status if item else "absent"
            report.items += 1
            agree = status_got == status
            report.agreed += agree
            if status != "n/a":
                report.applicable += 1
                report.applicable_agreed += agree
            if status == "missed":
                report.expected_missed += 1
                report.caught_missed += agree
            if status_got == "missed":
                report.scorer_missed += 1
                report.scorer_missed_right += agree
            if not agree:
                report.disagreements.append(Disagreement(case.name, rule, status, status_got, item.note if item else None))
    return report


def main(argv: list[str]) -> int:
    cases = load_corpus()
    print(f"corpus: {len(cases)} transcripts, channels {dict(Counter(c.transcript['channel'] for c in cases))}")
    for split in ("development", "holdout", "blind", "blind2"):
        part = measure([c for c in cases if c.split == split])
        print(f"  {split}: {sum(c.split == split for c in cases)} transcripts, items {part.agreed}/{part.items} "
              f"= {100 * part.agreement:.1f} %, met-or-missed items {part.applicable_agreed}/{part.applicable} "
              f"= {100 * part.applicable_agreement:.1f} %")
    report = measure(cases)
    if language_adapter.available():
        alone = measure(cases, with_language=False)
        print(f"without the language assistant (its items skipped): {alone.agreed}/{alone.items} "
              f"= {100 * alone.agreement:.1f} %")
        print("language assistant: available (language-dependent items included)")
    else:
        print(f"language assistant: NOT available, {report.skipped_language} items skipped "
              f"({language_adapter.UNAVAILABLE_REASON})")
    print(f"items: {report.agreed}/{report.items} agree = {100 * report.agreement:.1f} %")
    print(f"items a supervisor marked met or missed: {report.applicable_agreed}/{report.applicable} "
          f"= {100 * report.applicable_agreement:.1f} %")
    print(f"missed items found by the scorer (recall): {report.caught_missed}/{report.expected_missed}")
    print(f"scorer's missed items the supervisor agrees with (precision): "
          f"{report.scorer_missed_right}/{report.scorer_missed}")
    by_rule = Counter(d.rule for d in report.disagreements)
    print("disagreements by rule: " + (", ".join(f"{r} {n}" for r, n in by_rule.most_common()) or "none"))
    if "--list" in argv:
        for d in report.disagreements:
            print(f"  {d.case}: {d.rule} expected {d.expected}, scorer {d.got}" + (f" ({d.note})" if d.note else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
