"""Language assistant: messages per second and latency per message (SPEC capability 3).

Run on its own with ``.venv/bin/python bench/bench_language.py``; it prints
Markdown and ``figure:`` lines and writes nothing. The target is a p99 under
2 ms for a 60-word message, so the assistant can run on every keystroke pause.
Messages come from the project's evaluation set (tests/language/eval), joined
or cut to exactly 60 words. Baseline, in the same run: the same lexicons
matched one pattern at a time (one compiled regex per cue, as a naive engine
would), instead of one combined pass per trait. A customer's message is
measured twice: the analysis alone (traits, level, redaction: what runs on
every keystroke pause) and with the suggestions `atiende analyze` and the API
return (strategy cards, paraphrase, questions). Each 60-word row reports its p99
twice against the target: in CPU time (what the engine costs) and in wall-clock
time (what a caller waited, including time the machine's load took).
"""

from __future__ import annotations

import gc
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _benchlib import figure, percentile, table  # noqa: E402

from atiende.language import analyze  # noqa: E402
from atiende.language.lexicon import TRAITS  # noqa: E402
from atiende.language.text import bounded, fold, fold_pattern  # noqa: E402

EVAL = Path(__file__).resolve().parent.parent / "tests" / "language" / "eval"
WORDS = 60
TARGET_MS = 2.0


def load(name: str) -> list[dict]:
    with (EVAL / name).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def sixty_words(texts: list[str], count: int) -> list[str]:
    """``count`` messages of exactly 60 words, made by joining consecutive messages of the set."""
    words = " ".join(texts).split()
    out: list[str] = []
    i = 0
    while len(out) < count:
        chunk = words[i:i + WORDS]
        if len(chunk) < WORDS:
            i = 0
            continue
        out.append(" ".join(chunk))
        i += WORDS // 3
    return out


def latencies(messages: list[str], **kwargs) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds per call (CPU time leaves out the time other processes took the core)."""
    for text in messages[:50]:  # warm up
        analyze(text, **kwargs)
    gc.collect()
    gc.disable()
    wall, cpu = [], []
    try:
        for text in messages:
            start, start_cpu = time.perf_counter(), time.thread_time()
            analyze(text, **kwargs)
            cpu.append(time.thread_time() - start_cpu)
            wall.append(time.perf_counter() - start)
    finally:
        gc.enable()
    return wall, cpu


def naive_trait_scan(text: str, patterns: list[re.Pattern[str]]) -> int:
    folded = fold(text).text
    return sum(1 for p in patterns if p.search(folded))


def main() -> None:
    customers = [row["text"] for row in load("customers.jsonl")]
    drafts = [row["text"] for row in load("drafts.jsonl")]
    rounds = 3
    cases: list[tuple[str, list[str], dict[str, Any]]] = [
        ("customer message, 60 words (traits, level, redaction)", sixty_words(customers, 2000),
         {"as_": "cliente", "suggestions": False}),
        ("customer message, 60 words, with strategy, paraphrase and questions", sixty_words(customers, 2000),
         {"as_": "cliente"}),
        ("technician draft, 60 words (all checks, basic level, email)", sixty_words(drafts, 2000),
         {"as_": "tecnico", "level": "basico", "channel": "email"}),
        ("customer messages as written (eval set)", customers, {"as_": "cliente"}),
    ]
    load_average = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print("# Language assistant\n")
    print(f"Each row: {rounds} rounds over the messages; p50/p99 over every call of every round. Wall clock "
          f"includes time the operating system gave other processes; CPU time does not. Load average at the "
          f"start: {load_average:.2f} on {os.cpu_count()} CPUs.\n")
    rows = []
    for label, messages, kwargs in cases:
        wall: list[float] = []
        cpu: list[float] = []
        per_round: list[list[float]] = []
        for _ in range(rounds):
            w, c = latencies(messages, **kwargs)
            wall += w
            cpu += c
            per_round.append(w)
        # Each message's best of the rounds: what the message itself costs, with most of the time
        # other processes took the core removed (a preempted call is rarely preempted three times).
        best = [min(times) for times in zip(*per_round, strict=True)]
        b99 = percentile(best, 0.99) * 1e3
        p50, p99 = percentile(wall, 0.5) * 1e3, percentile(wall, 0.99) * 1e3
        c50, c99 = percentile(cpu, 0.5) * 1e3, percentile(cpu, 0.99) * 1e3
        rate = len(wall) / sum(wall)
        words = sum(len(m.split()) for m in messages) / len(messages)
        rows.append([label, f"{len(messages):,}", f"{words:.0f}", f"{rate:,.0f}", f"{p50:.3f} ms", f"{p99:.3f} ms",
                     f"{c50:.3f} ms", f"{c99:.3f} ms", f"{b99:.3f} ms", f"{c99 / TARGET_MS:.2f}",
                     f"{p99 / TARGET_MS:.2f}"])
        if "60 words" in label:
            # Both p99s, each against the target: CPU time is what the engine costs (the target is about
            # that); wall clock adds whatever the machine's load took from the call, and says so.
            figure(f"p99 (CPU time), {label}", round(c99, 3), "ms", target=f"< {TARGET_MS:g} ms",
                   met=c99 < TARGET_MS, note=f"thread CPU time, every call; p50 {c50:.3f} ms; load average "
                                             f"{load_average:.2f}")
            figure(f"p99 (wall clock), {label}", round(p99, 3), "ms", target=f"< {TARGET_MS:g} ms",
                   met=p99 < TARGET_MS,
                   note=f"every call; p50 {p50:.3f} ms; p99 of each message's best of {rounds} runs {b99:.3f} ms; "
                        f"load average {load_average:.2f}")
            figure(f"Messages per second, {label}", round(rate), "msgs/s")
    print(table(["workload", "messages", "words (mean)", "msgs/s", "p50 (wall)", "p99 (wall)", "p50 (CPU)",
                 "p99 (CPU)", f"p99 (wall, best of {rounds} per message)", "p99 CPU / 2 ms target",
                 "p99 wall / 2 ms target"], rows))

    # Baseline: one regex per cue instead of one combined pass per trait (traits only).
    patterns = [re.compile(bounded(fold_pattern(c.pattern))) for lex in TRAITS.values() for c in lex.cues]
    sample = sixty_words(customers, 1000)
    start = time.perf_counter()
    for text in sample:
        naive_trait_scan(text, patterns)
    naive = (time.perf_counter() - start) / len(sample)
    start = time.perf_counter()
    for text in sample:
        analyze(text, suggestions=False)
    ours = (time.perf_counter() - start) / len(sample)
    print(f"\nBaseline, one regex per cue ({len(patterns)} patterns), traits only: {naive * 1e3:.3f} ms per "
          f"60-word message; the full analysis (traits, level, redaction) takes {ours * 1e3:.3f} ms, "
          f"{naive / ours:.2f}x faster than the baseline's partial work.\n")
    figure("Full analysis vs one-regex-per-cue baseline (60 words)", round(naive / ours, 2), "x faster",
           note=f"baseline {naive * 1e3:.3f} ms, ours {ours * 1e3:.3f} ms")


if __name__ == "__main__":
    main()
