"""Evaluation of the language assistant on the project's labelled set (tests/language/eval).

    .venv/bin/python -m atiende.language.evaluate                 # held-out test split (the reported figures)
    .venv/bin/python -m atiende.language.evaluate --split tuning --errors   # what development looked at

Splits (see docs/language.md): "dev", "test1", "test2" and "test3" (rounds one
to three: each was held out for one run, then used for tuning), "test" (rounds
four and five, never tuned on), "test6" and "test7" (rounds six and seven,
issue 23, written before any tuning for it: six was tuned on first, seven
after its run on the tuned engine), "test8" (round eight, written before the
tuning on seven, run once, then tuned on), "test9" (round nine, written before
the tuning on eight, held out until session 8 tuned on it), "test10" (round
ten, written before session 8's first tuning), "test11" (round eleven,
written after it; both were tuned on in session 8's second tuning), "test12"
(round twelve, written after that, run once, then tuned on), "test13" (round
thirteen, written after session 8's third tuning, run once, tuned on in session 10), "test14" (round fourteen,
written in session 10 before any tuning of that session), "test15" (round fifteen, written in
session 11 before any tuning of that session), "test16" (round sixteen, written in session 12 before any
tuning of that session, tuning since its first run), "test17" (round seventeen, written in session 12
after its tuning on round sixteen and before its one run; tuning since then), "test18" (round eighteen, written after the tuning on
round seventeen, before its one run; tuned on in session 13), "test19" (round nineteen, written in session 13 before its one run and
before any tuning of that session; tuned on after its first run), "test20" (round twenty, written in session 13
after its tuning, before its one run; tuned on in session 14), "test21" (round twenty-one, written in session 14
before its one run and before any lexicon was opened or any tuning of that session; tuned on after its first run),
"test22" (round twenty-two, written in session 14 after its tuning, by an author who had by then seen the
lexicons, before its one run), "tuning" (dev, test1 to test3, test6 to test13, test15 to test21), "heldout" (test and test14: their misses were studied as
families in session 11, so they are no longer blind) and "all".

Prints, as Markdown, precision, recall and F1 per customer trait (CT-*) and
per draft rule, the knowledge-level accuracy, and the precision set (plain,
polite, jargon-free technician messages that must get no finding at all).
The evaluation set is kept apart from the lexicons: nothing here is read by
the engine.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from atiende.language import TRAIT_IDS, analyze
from atiende.language.lexicon import SUGGEST
from atiende.language.questions import is_closed

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "tests" / "language" / "eval"
# Real Spanish text that nobody on the team wrote (tests/language/external/README.md): traits only.
EXTERNAL_DATA = DEFAULT_DATA.parent / "external" / "fortunes_es.jsonl"
# Splits that are unions of rounds.
GROUPS = {"tuning": ("dev", "test1", "test2", "test3", "test6", "test7", "test8", "test9", "test10", "test11",
                     "test12", "test13", "test15", "test16", "test17", "test18", "test19", "test20", "test21"),
          "heldout": ("test", "test14")}
SPLITS = ("test", "test22", "test21", "test20", "test19", "test18", "test17", "test16", "test15", "test14", "test13", "test12", "test11", "test10", "test9", "test8", "test7", "test6", "test3", "test2", "test1", "dev", "tuning", "heldout", "all")
RULE_IDS = ("DN-1", "DN-2", "DN-3", "DN-4", "DN-5", "DN-7", "DN-13", "PT-1", "PT-2",
            "NT-5", "NT-6", "NT-7", "CO-1")


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    support: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    split: str
    traits: dict[str, Counts]
    rules: dict[str, Counts]
    customers: int
    drafts: int
    level_correct: int
    polite: int
    polite_with_findings: list[dict[str, Any]]
    errors: list[str]
    # AL-5: questions a technician asks, labelled closed or open (questions.jsonl, from round fourteen)
    questions: int = 0
    questions_right: int = 0
    # CT-ENT: obvious checks (power, cables, lights) offered to customers labelled knowledgeable
    knowledgeable: int = 0
    basic_offered: int = 0


def load(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _tally(counts: dict[str, Counts], expected: set[str], predicted: set[str]) -> None:
    for key, c in counts.items():
        if key in expected:
            c.support += 1
            if key in predicted:
                c.tp += 1
            else:
                c.fn += 1
        elif key in predicted:
            c.fp += 1


def evaluate(data: Path = DEFAULT_DATA, split: str = "test") -> Report:
    def keep(row: dict[str, Any]) -> bool:
        if split == "all":
            return True
        if split in GROUPS:
            return row["split"] in GROUPS[split]
        return bool(row["split"] == split)

    customers = [r for r in load(data / "customers.jsonl") if keep(r)]
    drafts = [r for r in load(data / "drafts.jsonl") if keep(r)]
    polite = [r for r in load(data / "polite.jsonl") if keep(r)]
    traits = {t: Counts() for t in TRAIT_IDS}
    rules = {r: Counts() for r in RULE_IDS}
    errors: list[str] = []
    level_correct = 0
    for row in customers:
        result = analyze(row["text"], as_="cliente")
        predicted = {t.id for t in result.traits}
        expected = set(row["traits"])
        _tally(traits, expected, predicted)
        level_correct += result.knowledge_level == row["level"]
        if predicted != expected:
            errors.append(f"{row['id']} expected={sorted(expected)} got={sorted(predicted)} "
                          f"{[(t.id, t.score, t.evidence) for t in result.traits]} | {row['text']}")
    for row in drafts:
        result = analyze(row["text"], as_="tecnico", level=row["level"], channel=row["channel"])
        predicted = {f.rule for f in result.findings}
        expected = set(row["rules"])
        _tally(rules, expected, predicted)
        if predicted != expected:
            errors.append(f"{row['id']} expected={sorted(expected)} got={sorted(predicted)} "
                          f"{[(f.rule, f.excerpt) for f in result.findings]} | {row['text']!r}")
    basic = _basic_questions()
    knowledgeable = [row for row in customers if "CT-ENT" in row["traits"]]
    basic_offered = sum(1 for row in knowledgeable for q in analyze(row["text"]).questions if q.text in basic)
    question_rows = [r for r in load(data / "questions.jsonl") if keep(r)] if (data / "questions.jsonl").exists() else []
    questions_right = 0
    for row in question_rows:
        right = is_closed(row["text"]) == row["closed"]
        questions_right += right
        if not right:
            errors.append(f"{row['id']} AL-5 expected={'closed' if row['closed'] else 'open'} | {row['text']}")
    flagged = []
    for row in polite:
        result = analyze(row["text"], as_="tecnico", level=row["level"], channel=row["channel"])
        if result.findings:
            flagged.append({"id": row["id"], "text": row["text"],
                            "findings": [(f.rule, f.excerpt) for f in result.findings]})
            errors.append(f"{row['id']} polite got={[(f.rule, f.excerpt) for f in result.findings]} | {row['text']!r}")
    return Report(split, traits, rules, len(customers), len(drafts), level_correct, len(polite), flagged, errors,
                  len(question_rows), questions_right, len(knowledgeable), basic_offered)


def _basic_questions() -> set[str]:
    """The Spanish wordings of the questions marked basic (obvious checks) in suggest.toml."""
    specs = list(SUGGEST["questions"]["generic"]) + [q for c in SUGGEST["category"].values() for q in c["questions"]]
    return {spec[key] for spec in specs if spec.get("basic") for key in ("es", "basico_es") if key in spec}


def evaluate_external(path: Path = EXTERNAL_DATA) -> Report:
    """Precision and recall per trait on the external set (labelled by the team, never tuned on)."""
    rows = load(path)
    traits = {t: Counts() for t in TRAIT_IDS}
    errors: list[str] = []
    for row in rows:
        result = analyze(row["text"], as_="cliente")
        predicted = {t.id for t in result.traits}
        expected = set(row["traits"])
        _tally(traits, expected, predicted)
        if predicted != expected:
            errors.append(f"{row['id']} expected={sorted(expected)} got={sorted(predicted)} "
                          f"{[(t.id, t.score, t.evidence) for t in result.traits]} | {row['text']}")
    return Report("external", traits, {}, len(rows), 0, 0, 0, [], errors)


def render_external(report: Report) -> str:
    lines = [f"External set: **{report.customers}** messages (tests/language/external)", ""]
    lines += ["| trait | support | asserted | right | precision | recall |", "|---|---:|---:|---:|---:|---:|"]
    for key, c in report.traits.items():
        precision = f"{c.precision:.3f}" if c.tp + c.fp else "n/a"
        recall = f"{c.recall:.3f}" if c.support else "n/a"
        lines.append(f"| {key} | {c.support} | {c.tp + c.fp} | {c.tp} | {precision} | {recall} |")
    return "\n".join(lines)


def _table(title: str, counts: dict[str, Counts]) -> list[str]:
    lines = [f"| {title} | support | precision | recall | F1 |", "|---|---:|---:|---:|---:|"]
    for key, c in counts.items():
        lines.append(f"| {key} | {c.support} | {c.precision:.3f} | {c.recall:.3f} | {c.f1:.3f} |")
    return lines


def render(report: Report) -> str:
    lines = [f"Split: **{report.split}** ({report.customers} customer messages, {report.drafts} technician drafts, "
             f"{report.polite} precision-set messages)", ""]
    lines += _table("trait", report.traits) + [""]
    lines += _table("rule", report.rules) + [""]
    accuracy = report.level_correct / report.customers if report.customers else 0.0
    lines.append(f"Knowledge level (CO-3) accuracy: {accuracy:.3f} ({report.level_correct}/{report.customers})")
    lines.append(f"Precision set: {len(report.polite_with_findings)} of {report.polite} messages with a finding")
    if report.questions:
        lines.append(f"Questions told closed or open (AL-5): {report.questions_right}/{report.questions}")
    if report.knowledgeable:
        lines.append(f"Obvious checks offered to knowledgeable customers (CT-ENT): {report.basic_offered} "
                     f"in {report.knowledgeable} messages")
    worst = min([c.f1 for c in report.traits.values()] + [c.f1 for c in report.rules.values()])
    lines.append(f"Lowest F1: {worst:.3f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m atiende.language.evaluate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=SPLITS, default="test")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with the *.jsonl files")
    parser.add_argument("--errors", action="store_true", help="also list every disagreement")
    parser.add_argument("--external", action="store_true",
                        help="the external set of real Spanish text instead (traits only)")
    args = parser.parse_args(argv)
    if args.external:
        external = evaluate_external()
        print(render_external(external))
        if args.errors:
            print("\n" + "\n".join(external.errors))
        return 0
    if not (args.data / "customers.jsonl").exists():
        print(f"error: no evaluation set in {args.data}", file=sys.stderr)
        return 2
    report = evaluate(args.data, args.split)
    print(render(report))
    if args.errors:
        print()
        print("\n".join(report.errors))
    return 0


if __name__ == "__main__":
    sys.exit(main())
