"""Where a slow CTI event's time goes: each step timed in the server, joined with what the PBX line saw.

Run on its own with ``.venv/bin/python bench/bench_cti_steps.py`` (PostgreSQL, 200 technicians, Redis
when it answers, ``BENCH_STEPS_PROCESSES`` server processes, default 2, and an ``atiende worker``, as
bench/bench_cti_ratio.py serves Atiende). The server is Atiende's application with a stopwatch around each
step (bench/cti_steps_app.py). Atiende's saturation rate is measured first (closed loop, 8 lines), then the
lines post at half that rate (open loop, as bench_cti_ratio.py's third target) for ``BENCH_STEPS_SECONDS``
(default 20; ``BENCH_STEPS_ROUNDS`` rounds, default 1) and every event is split into:

- the line's lateness (the client process posted after the event was due: its own threads waiting for a CPU);
- outside the application: the socket, uvicorn's parsing and writing, the client reading the answer;
- the server's steps (see bench/cti_steps_app.py): the hop to the request's thread, the token, the
  middleware and parsing, the view (its statements, the call's lock, the COMMIT, the live update after the
  commit, and the rest: Python, or waiting for the GIL or a CPU), the way out, and the collections.

The table gives each step's mean over all events, over the slowest 10 % and the slowest 1 %: a step that
grows in the tail is where the tail is; a tail spread evenly over every step is the machine's scheduler.
``BENCH_STEPS_PYSPY=1`` also samples the server processes with py-spy during the open loop (if installed)
and prints the functions holding most samples. ``BENCH_STEPS_BEFORE=DIR`` serves the Atiende in DIR (an export
of an earlier commit) beside this checkout, on the same database, and drives the two in turn at the same rate
(half the lower saturation), round after round: the p99 of each round, and the median of the pairs' ratios.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _benchlib import percentile, table  # noqa: E402
from bench_engine import (  # noqa: E402
    REDIS_URL,
    SETUP,
    TECHNICIANS,
    WARMUP_SECONDS,
    _drive,
    _postgres_database,
    _redis_reachable,
    serving,
)

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = int(os.environ.get("BENCH_STEPS_PROCESSES", "2"))
CLIENTS = int(os.environ.get("BENCH_STEPS_CLIENTS", "8"))
SECONDS = float(os.environ.get("BENCH_STEPS_SECONDS", "20"))
SATURATION_SECONDS = float(os.environ.get("BENCH_STEPS_SATURATION_SECONDS", "6"))
RATE = float(os.environ.get("BENCH_STEPS_RATE", "0"))  # events/s offered; 0: half the measured saturation
PYSPY = os.environ.get("BENCH_STEPS_PYSPY", "") == "1"
ROUNDS = int(os.environ.get("BENCH_STEPS_ROUNDS", "1"))
# Another checkout (a git export of an earlier commit) served beside this one on the same database, the two driven
# in turn at the same offered rate, round after round: a before/after of the tail kept clear of the load's drift.
BEFORE = os.environ.get("BENCH_STEPS_BEFORE", "")

# (label, key in the joined record): the steps in the order an event meets them.
STEPS = [
    ("line late (client)", "late"),
    ("outside the app (socket, uvicorn, client read)", "outside"),
    ("hop to the request's thread", "hop"),
    ("token check", "auth"),
    ("middleware and parsing before the view", "before_view"),
    ("view, wall", "view"),
    ("  of which statements (round trips, lock waits)", "sql"),
    ("  of which the call's locked read", "lock"),
    ("  of which COMMIT", "commit"),
    ("  of which after the commit (live update, nudge)", "on_commit"),
    ("    of which the live update", "live"),
    ("  of which the rest (Python, GIL, CPU queue)", "rest"),
    ("  view's thread CPU", "view_cpu"),
    ("middleware after the view", "after_view"),
    ("hop back to the event loop", "back"),
    ("answer written", "send"),
    ("garbage collection while in the server", "gc"),
]


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _pyspy(pids: list[int], seconds: float, out: Path) -> list[subprocess.Popen[bytes]]:
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        print("py-spy is not installed: no samples.\n")
        return []
    return [subprocess.Popen([spy, "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "250",
                              "--format", "raw", "--nonblocking", "--output", str(out / f"spy-{pid}.txt")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for pid in pids]


def _spy_report(out: Path) -> None:
    """The frames holding most samples (own time) and the Atiende functions under most samples (inclusive)."""
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for path in out.glob("spy-*.txt"):
        for line in path.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not count.isdigit():
                continue
            n = int(count)
            total += n
            frames = stack.split(";")
            own[frames[-1]] += n
            for frame in set(frames):
                if "atiende/" in frame and "bench/" not in frame:
                    inclusive[frame] += n
    if not total:
        print("py-spy took no samples.\n")
        return
    print(f"py-spy, {total} samples of the server processes' busy threads:\n")
    print(table(["own samples", "%", "frame"], [[n, f"{100 * n / total:.1f}", f] for f, n in own.most_common(25)]))
    print()
    print(table(["samples under it", "%", "Atiende function"],
                [[n, f"{100 * n / total:.1f}", f] for f, n in inclusive.most_common(25)]))
    print()


def _joined(trace: list[tuple[str, str, float, float, float]], steps_dir: Path) -> list[dict[str, Any]]:
    """Each traced event with its server record, slowest last."""
    server: dict[str, dict[str, Any]] = {}
    for path in steps_dir.glob("*.jsonl"):
        for line in path.read_text().splitlines():
            record = json.loads(line)
            server[record["event"]] = record
    joined = []
    for event_id, kind, due, sent, answered in trace:
        record = server.get(event_id)
        if record is None:
            continue
        row = {**record, "kind": kind, "latency": answered - due, "late": sent - due,
               "outside": answered - sent - record["total"]}
        row["rest"] = (row.get("view", 0.0) - row.get("sql", 0.0) - row.get("commit", 0.0)
                       - row.get("on_commit", 0.0))
        joined.append(row)
    joined.sort(key=lambda r: r["latency"])
    return joined


def _report(label: str, joined: list[dict[str, Any]]) -> None:
    n = len(joined)
    if not n:
        print(f"{label}: no event timed.\n")
        return
    lat = [r["latency"] * 1000 for r in joined]
    print(f"### {label}\n")
    print(f"{n} events. Latency from due: p50 {percentile(lat, 0.5):.1f} ms, p90 {percentile(lat, 0.9):.1f}, "
          f"p99 {percentile(lat, 0.99):.1f}, max {max(lat):.1f}.\n")
    bounds = [5, 10, 20, 50, 100, 200, 500, 1000, 2000, float("inf")]
    counts = collections.Counter(next(b for b in bounds if v < b) for v in lat)
    print(table(["latency under ms", "events", "%"],
                [[("more" if b == float("inf") else f"{b:g}"), counts[b], f"{100 * counts[b] / n:.1f}"]
                 for b in bounds if counts[b]]))
    print()
    groups = {"all": joined, "slowest 10 %": joined[int(n * 0.9):], "slowest 1 %": joined[int(n * 0.99):]}
    rows = []
    for step, key in STEPS:
        rows.append([step, *(f"{statistics.fmean(r.get(key, 0.0) for r in g) * 1000:.2f}" for g in groups.values())])
    rows.append(["statements", *(f"{statistics.fmean(r.get('statements', 0) for r in g):.1f}" for g in groups.values())])
    rows.append(["latency from due", *(f"{statistics.fmean(r['latency'] for r in g) * 1000:.2f}" for g in groups.values())])
    print(table(["step (mean ms)", *(f"{k} ({len(g)})" for k, g in groups.items())], rows))
    print()
    kinds = collections.defaultdict(list)
    for r in joined:
        kinds[r["kind"]].append(r)
    print(table(["event", "events", "p50 ms", "p99 ms", "view p99 ms", "view CPU mean ms", "statements",
                 "in the slowest 10 %"],
                [[k, len(v), f"{percentile([r['latency'] * 1000 for r in v], 0.5):.1f}",
                  f"{percentile([r['latency'] * 1000 for r in v], 0.99):.1f}",
                  f"{percentile([r.get('view', 0) * 1000 for r in v], 0.99):.1f}",
                  f"{statistics.fmean(r.get('view_cpu', 0) for r in v) * 1000:.2f}",
                  f"{statistics.fmean(r.get('statements', 0) for r in v):.1f}",
                  sum(1 for r in groups['slowest 10 %'] if r['kind'] == k)] for k, v in sorted(kinds.items())]))
    print()


def main() -> int:
    print("# Where a CTI event's time goes, step by step (open loop at half saturation)\n")
    url = _postgres_database("atiende_bench_cti_steps")
    if url is None:
        print("Needs PostgreSQL: not measured.\n")
        return 0
    home = Path(tempfile.mkdtemp(prefix="atiende-bench-cti-steps-"))
    env = dict(os.environ, ATIENDE_HOME=str(home), DJANGO_SETTINGS_MODULE="atiende.settings", PYTHONPATH=str(ROOT),
               DATABASE_URL=url, ATIENDE_SECRET_KEY=secrets.token_urlsafe(50), ATIENDE_SSL_REDIRECT="0")
    env.pop("ATIENDE_WEBHOOK_URL", None)
    env.pop("REDIS_URL", None)
    redis = _redis_reachable()
    if redis:
        env["REDIS_URL"] = REDIS_URL
    processes = PROCESSES if redis else 1
    out = subprocess.run([sys.executable, "-c", SETUP.replace("%d", str(TECHNICIANS))], cwd=ROOT, env=env,
                         check=True, capture_output=True, text=True).stdout
    token = json.loads(out.strip().splitlines()[-1])["token"]
    load_start = os.getloadavg()
    codes = {"this checkout": ROOT}
    if BEFORE:
        codes = {"before": Path(BEFORE).resolve(), "this checkout": ROOT}
    command = [sys.executable, "-m", "uvicorn", "--app-dir", str(ROOT / "bench"), "cti_steps_app:app",
               "--log-level", "warning", "--no-access-log", "--lifespan", "off", "--workers", str(processes)]
    worker = [sys.executable, "-m", "atiende.cli", "worker", "--interval", "0.1"]
    traces: dict[str, list[tuple[str, str, float, float, float]]] = {side: [] for side in codes}
    rounds: dict[str, list[float]] = {side: [] for side in codes}
    saturation: dict[str, float] = {}
    statuses: collections.Counter[int] = collections.Counter()
    with contextlib.ExitStack() as stack:
        served = {}
        for side, code in codes.items():
            steps_dir = home / f"steps-{len(served)}"
            steps_dir.mkdir()
            side_env = dict(env, PYTHONPATH=str(code), CTI_STEPS_DIR=str(steps_dir))
            served[side] = (*stack.enter_context(serving(command, side_env, beside=[worker], cwd=code)), steps_dir)
        run = 0
        for port, _pid, _dir in served.values():
            run += 1
            _drive(port, token, CLIENTS, WARMUP_SECONDS, 100_000 * run)
        for side, (port, _pid, _dir) in served.items():
            run += 1
            latencies, _s, elapsed = _drive(port, token, CLIENTS, SATURATION_SECONDS, 100_000 * run)
            saturation[side] = len(latencies) / elapsed
        rate = RATE or min(saturation.values()) / 2
        for pair in range(ROUNDS):
            order = list(served) if pair % 2 == 0 else list(reversed(served))
            for side in order:
                port, pid, _dir = served[side]
                run += 1
                spies = (_pyspy(_children(pid) if processes > 1 else [pid], SECONDS, home)
                         if PYSPY and side == "this checkout" and pair == 0 else [])
                trace: list[tuple[str, str, float, float, float]] = []
                _l, round_statuses, _e = _drive(port, token, CLIENTS, SECONDS, 100_000 * run, rate=rate, trace=trace)
                statuses.update(round_statuses)
                for spy in spies:
                    spy.wait(30)
                traces[side] += trace
                rounds[side].append(percentile([t[4] - t[2] for t in trace], 0.99) * 1000 if trace else float("nan"))
    load_end = os.getloadavg()
    print(f"PostgreSQL, {TECHNICIANS} technicians, live updates through {'Redis' if redis else 'the in-process layer'}; "
          f"{processes} server processes and a worker each; {CLIENTS} PBX lines. Saturation (closed loop, "
          f"{SATURATION_SECONDS:g} s): " + ", ".join(f"{k} {v:.0f} events/s" for k, v in saturation.items())
          + f"; offered {rate:.0f} events/s, {ROUNDS} round(s) of {SECONDS:g} s each"
          + (", the sides alternating" if len(codes) > 1 else "") + f"; answers {dict(statuses)}. Load average "
          f"{load_start[0]:.1f} at the start, {load_end[0]:.1f} at the end, on {os.cpu_count()} CPUs.\n")
    if len(codes) > 1:
        before, after = rounds["before"], rounds["this checkout"]
        ratios = [a / b for a, b in zip(after, before, strict=True) if b]
        print(table(["round", *codes], [[i + 1, *(f"{rounds[s][i]:.1f}" for s in codes)] for i in range(ROUNDS)]))
        print(f"\np99 per round (ms) above; this checkout / before: median {statistics.median(ratios):.2f}x "
              f"(min {min(ratios):.2f}, max {max(ratios):.2f}).\n")
    for side in codes:
        _report(f"{side} ({codes[side]})", _joined(traces[side], served[side][2]))
    if PYSPY:
        _spy_report(home)
    return 0


if __name__ == "__main__":
    sys.exit(main())
