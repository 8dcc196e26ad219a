"""The benchmark runner keeps every figure with the command that produced it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.__main__ import discover, render


def test_report_lists_each_figure_with_its_command_and_the_machine() -> None:
    results = [{
        "script": Path("bench/bench_staffing.py"), "command": ".venv/bin/python bench/bench_staffing.py",
        "status": 0, "seconds": 1.5, "stderr": "",
        "figures": [{"name": "Erlang C solve, 20,000 agents", "value": 0.3, "unit": "ms", "target": "< 5 ms",
                     "met": True}],
        "body": "# Staffing\n\n| a | b |\n|---|---|\n| 1 | 2 |",
    }]
    report = render(results, [("CPU", "AMD EPYC, 2 logical CPUs")], 2.0)
    assert "| Erlang C solve, 20,000 agents | 0.3 ms | < 5 ms (met) | `.venv/bin/python bench/bench_staffing.py` |" \
        in report
    assert "| CPU | AMD EPYC, 2 logical CPUs |" in report
    assert "### Staffing" in report  # the script's headings sit under its own section


def test_a_failed_benchmark_is_reported_not_hidden() -> None:
    results = [{"script": Path("bench/bench_x.py"), "command": "python bench/bench_x.py", "status": 1,
                "seconds": 0.1, "figures": [], "body": "", "stderr": "Traceback: boom"}]
    report = render(results, [], 0.1)
    assert "bench_x.py failed (exit 1)" in report
    assert "boom" in report


def test_every_bench_script_is_found_and_unknown_names_are_refused() -> None:
    assert "bench_staffing.py" in [p.name for p in discover([])]
    with pytest.raises(SystemExit):
        discover(["no_such_benchmark"])


def test_p99_is_the_nearest_rank() -> None:
    from bench._benchlib import percentile

    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.99) == 99.0
    assert percentile(values, 0.50) == 50.0
    assert percentile([5.0], 0.99) == 5.0


def test_a_new_report_keeps_the_records_written_by_hand_below_the_marker(tmp_path: Path) -> None:
    from bench.__main__ import RECORDS_MARKER, kept_records

    report = tmp_path / "performance.md"
    report.write_text(f"# Performance\n\nold generated figures\n\nAll benchmarks took 9 s.\n\n{RECORDS_MARKER}\n\n"
                      "## Issue 99, an interleaved run\n\nratio 1.5x (min 1.2, max 1.8)\n", encoding="utf-8")
    results = [{"script": Path("bench/bench_x.py"), "command": "python bench/bench_x.py", "status": 0,
                "seconds": 0.1, "figures": [], "body": "new figures", "stderr": ""}]
    again = render(results, [], 0.1, kept_records(report))
    assert "old generated figures" not in again
    assert "new figures" in again
    assert again.index("All benchmarks took") < again.index(RECORDS_MARKER) < again.index("ratio 1.5x (min 1.2, max 1.8)")
    assert kept_records(tmp_path / "missing.md") == ""
