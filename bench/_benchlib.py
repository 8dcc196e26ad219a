"""Helpers shared by the benchmark scripts (each script also runs on its own).

A script prints Markdown for people, and one ``figure: {json}`` line per
headline number, which ``python -m bench`` gathers into the summary table of
docs/performance.md.
"""

from __future__ import annotations

import json
import math
import statistics
import time
from collections.abc import Callable
from typing import Any


def figure(name: str, value: float | str, unit: str = "", *, target: str = "", met: bool | None = None,
           note: str = "") -> None:
    """Print one headline figure, e.g. ``figure("Erlang C solve, 20,000 agents", 0.2, "ms", target="< 5 ms")``."""
    data: dict[str, Any] = {"name": name, "value": value, "unit": unit}
    if target:
        data["target"] = target
    if met is not None:
        data["met"] = met
    if note:
        data["note"] = note
    print("figure: " + json.dumps(data, ensure_ascii=False), flush=True)


def time_call(function: Callable[[], object], *, min_seconds: float = 0.2, repeat: int = 7) -> dict[str, float]:
    """Seconds per call: median, best and worst of ``repeat`` rounds of enough calls to last ``min_seconds``."""
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            function()
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds / 4 or number >= 1 << 20:
            break
        number *= 4
    rounds = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            function()
        rounds.append((time.perf_counter() - start) / number)
    return {"median": statistics.median(rounds), "best": min(rounds), "worst": max(rounds), "calls": number}


def percentile(values: list[float], share: float) -> float:
    """The ``share`` percentile (0..1) by nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, math.ceil(share * len(ordered) - 1e-9) - 1))
    return ordered[rank]


def table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)
