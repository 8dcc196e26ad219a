"""Run every benchmark and write docs/performance.md: ``make bench`` or ``python -m bench``.

Each ``bench/bench_*.py`` is a standalone script. It prints Markdown and one
``figure: {json}`` line per headline number (see ``bench/_benchlib.py``). This
runner starts each script in its own process with the same interpreter,
gathers the figures into a summary table, keeps every script's full output
with the exact command that produced it, and records the machine it ran on.

    python -m bench                      # all scripts, writes docs/performance.md
    python -m bench staffing             # only bench_staffing.py, into bench/out/performance-staffing.md
    python -m bench --output /tmp/p.md   # somewhere else

A partial run never overwrites docs/performance.md unless ``--output`` says so,
so the committed report always comes from one run of every benchmark.

Below the generated report, the file keeps records of targeted runs written by hand (an interleaved
run on a branch, a figure at a size the full run does not reach): everything from the line
``RECORDS_MARKER`` on is carried over unchanged into the next report.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
DEFAULT_OUTPUT = ROOT / "docs" / "performance.md"
TIMEOUT_SECONDS = 3600
RECORDS_MARKER = "<!-- Records of targeted runs: written by hand, kept as they are by make bench. -->"


def discover(names: list[str]) -> list[Path]:
    scripts = sorted(BENCH.glob("bench_*.py"))
    if names:
        wanted = {name.removeprefix("bench_").removesuffix(".py") for name in names}
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in wanted]
        missing = wanted - {s.stem.removeprefix("bench_") for s in scripts}
        if missing:
            raise SystemExit(f"no such benchmark: {', '.join(sorted(missing))}")
    return scripts


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _postgres_version() -> str:
    url = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("POSTGRES_URL") or \
        "postgres://postgres@127.0.0.1:5432/test"
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return f"{row[0]} ({url.split('@')[-1]})" if row else "unknown"
    except Exception as exc:  # noqa: BLE001 - any failure only means "not reachable"
        return f"not reachable ({exc.__class__.__name__})"


def machine_info() -> list[tuple[str, str]]:
    cpuinfo = _read("/proc/cpuinfo")
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines()
                  if line.startswith("model name")), platform.processor() or "unknown")
    meminfo = _read("/proc/meminfo")
    mem_kb = next((int(line.split()[1]) for line in meminfo.splitlines() if line.startswith("MemTotal")), 0)
    try:
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "unknown"
    commit = _git("rev-parse", "--short", "HEAD")
    dirty = _git("status", "--porcelain", "--untracked-files=no")
    return [
        ("date (UTC)", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")),
        ("git commit", f"{commit}{' (with uncommitted changes in the work tree)' if dirty else ''}"),
        ("CPU", f"{model}, {os.cpu_count()} logical CPUs"),
        ("memory", f"{mem_kb / 1024 / 1024:.1f} GiB" if mem_kb else "unknown"),
        ("load average at start (1, 5, 15 min)", load),
        ("operating system", platform.platform()),
        ("Python", f"{platform.python_implementation()} {platform.python_version()} ({sys.executable})"),
        ("SQLite", sqlite3.sqlite_version),
        ("PostgreSQL", _postgres_version()),
    ]


def run_script(script: Path) -> dict[str, Any]:
    command = [sys.executable, str(script.relative_to(ROOT))]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    print(f"== {script.name}", flush=True)
    start = time.perf_counter()
    try:
        proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
        stdout, stderr, status = proc.stdout, proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as exc:
        stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        stderr = f"timed out after {TIMEOUT_SECONDS} s"
        status = -1
    elapsed = time.perf_counter() - start
    figures, body = [], []
    for line in stdout.splitlines():
        if line.startswith("figure: "):
            try:
                figures.append(json.loads(line.removeprefix("figure: ")))
                continue
            except json.JSONDecodeError:
                pass
        body.append(line)
    for f in figures:
        print(f"   {f['name']}: {f['value']} {f.get('unit', '')}".rstrip(), flush=True)
    if status:
        print(f"   FAILED (exit {status}); see the report", flush=True)
    python = Path(sys.executable)
    shown = os.path.relpath(python, ROOT) if python.is_relative_to(ROOT) else str(python)
    display = " ".join(shlex.quote(part) for part in [shown, *command[1:]])
    return {"script": script, "command": display, "status": status, "seconds": elapsed, "figures": figures,
            "body": "\n".join(body).strip(), "stderr": stderr.strip()}


def _demote(markdown: str) -> str:
    """Push a script's headings down two levels so they sit under its section."""
    lines = []
    for line in markdown.splitlines():
        if line.startswith("#"):
            line = "##" + line
        lines.append(line)
    return "\n".join(lines)


def kept_records(path: Path) -> str:
    """The hand-written records of an existing report: its text from RECORDS_MARKER on ("" if none)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return ""
    at = text.find(RECORDS_MARKER)
    return text[at:].strip() if at >= 0 else ""


def render(results: list[dict[str, Any]], machine: list[tuple[str, str]], total_seconds: float,
           records: str = "") -> str:
    out = [
        "# Performance",
        "",
        "Up to \"All benchmarks took\", generated by `make bench` (`.venv/bin/python -m bench`), which runs every "
        "`bench/bench_*.py` script in its own process and collects what it prints: do not edit that part by hand, "
        "run it again. After it come records of targeted runs, written by hand, each with its command, commit, "
        "date and load; `make bench` keeps them as they are. Every figure names the command that produced it; "
        "ratios compare against a baseline measured in the same run.",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        *[f"| {key} | {value} |" for key, value in machine],
        "",
        "The machine may be shared with other work while the benchmarks run; the load average above "
        "says how busy it was at the start.",
        "",
        "## Summary",
        "",
        "| figure | value | target | command |",
        "|---|---|---|---|",
    ]
    for r in results:
        for f in r["figures"]:
            target = f.get("target", "")
            if target and "met" in f:
                target += " (met)" if f["met"] else " (**not met**)"
            value = f"{f['value']} {f.get('unit', '')}".strip()
            note = f" ({f['note']})" if f.get("note") else ""
            out.append(f"| {f['name']}{note} | {value} | {target} | `{r['command']}` |")
        if r["status"]:
            out.append(f"| {r['script'].name} failed (exit {r['status']}) | | | `{r['command']}` |")
    out.append("")
    for r in results:
        out += [
            f"## {r['script'].stem}",
            "",
            f"Command: `{r['command']}`; exit status {r['status']}; {r['seconds']:.1f} s.",
            "",
            _demote(r["body"]) if r["body"] else "(no output)",
            "",
        ]
        if r["status"] and r["stderr"]:
            tail = "\n".join(r["stderr"].splitlines()[-30:])
            out += ["Standard error (last lines):", "", "```", tail, "```", ""]
    out.append(f"All benchmarks took {total_seconds:.0f} s.")
    if records:
        out += ["", records]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Run the benchmarks and write a report.")
    parser.add_argument("names", nargs="*", help="benchmarks to run, e.g. staffing (default: all)")
    parser.add_argument("--output", type=Path, default=None,
                        help="report file (default docs/performance.md; bench/out/performance-NAMES.md for a partial run)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    args = parser.parse_args(argv)
    scripts = discover(args.names)
    if args.list:
        for script in scripts:
            print(script.relative_to(ROOT))
        return 0
    if args.output is None:
        args.output = DEFAULT_OUTPUT if not args.names else \
            BENCH / "out" / f"performance-{'-'.join(s.stem.removeprefix('bench_') for s in scripts)}.md"
    machine = machine_info()
    start = time.perf_counter()
    results = [run_script(script) for script in scripts]
    report = render(results, machine, time.perf_counter() - start, kept_records(args.output))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report, encoding="utf-8")
    print(f"wrote {args.output}")
    return 1 if any(r["status"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
