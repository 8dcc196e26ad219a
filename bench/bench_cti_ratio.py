"""CTI events over HTTP: Atiende against the same-stack ceiling, interleaved (issue 25's ratios).

Run on its own with ``.venv/bin/python bench/bench_cti_ratio.py``.

Atiende (``atiende serve --workers N`` with an ``atiende worker`` beside it,
PostgreSQL, 200 technicians, live updates through Redis when Redis answers) and
the same-stack ceiling (``bench/cti_ceiling.py``, variant ``ninja``: the floor's
statements for the same events through bare Django and django-ninja, no rule
checked, as many processes) are started side by side and driven in turn by the
same PBX lines (``bench_engine.client``: new_call, answered, hold with consent,
resumed, hangup), in short rounds: A B, B A, A B ... (``BENCH_RATIO_ROUNDS``
pairs, default 6, of ``BENCH_RATIO_SECONDS`` seconds each, default 4, with
``BENCH_RATIO_CLIENTS`` lines, default 8). The machine's speed drifts over
minutes (other work, CPU frequency): a ratio of two rounds a few seconds apart
keeps the drift out of it, and the figure is the median of the pairs' ratios,
with the smallest and the largest beside it.

Measured per round: events/s answered, and the server's CPU per event (user +
system of the server processes and their children, from /proc). Atiende's
worker (``atiende worker``, a process beside the server: it fires each call's
end of wrap-up, one second after the hang-up here) cannot be split by round,
since it fires a round's deadlines during the next one: its CPU over all the
pairs (and a settling pause after them) divided by Atiende's events in them is
added to each of Atiende's rounds, and printed apart. Then Atiende alone at half its own saturation rate (the
median of its rounds), open loop: each line posts on a fixed schedule and each
latency counts from when the event was due; its p99 is the third target.

Targets (issue 25): events/s at least 0.6x the ceiling's; server CPU per event
at most 2x the ceiling's; p99 under 50 ms at half of Atiende's saturation rate.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _benchlib import figure, percentile, table  # noqa: E402
from bench_engine import (  # noqa: E402
    BESIDE,
    REDIS_URL,
    SETUP,
    TECHNICIANS,
    WARMUP_SECONDS,
    _cpu_seconds,
    _drive,
    _postgres_database,
    _redis_reachable,
    ceiling_server,
    server,
)

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = int(os.environ.get("BENCH_RATIO_ROUNDS", "6"))
SECONDS = float(os.environ.get("BENCH_RATIO_SECONDS", "4"))
CLIENTS = int(os.environ.get("BENCH_RATIO_CLIENTS", "8"))
PROCESSES = int(os.environ.get("BENCH_RATIO_PROCESSES", "2"))
OPEN_SECONDS = float(os.environ.get("BENCH_RATIO_OPEN_SECONDS", "10"))
SETTLE_SECONDS = 2.0  # the bench's queue has a one-second wrap-up: its last ends fire within this


def _round(port: int, pid: int, token: str, first_index: int, rate: float = 0.0,
           seconds: float = SECONDS) -> dict[str, float]:
    cpu_before = _cpu_seconds(pid)
    latencies, statuses, elapsed = _drive(port, token, CLIENTS, seconds, first_index, rate)
    events = max(1, len(latencies))
    cpu = _cpu_seconds(pid) - cpu_before
    # Less CPU after than before: a server process was replaced during the round (uvicorn restarts a worker
    # that misses its health check on a loaded machine) and took its time with it: not measured.
    return {"rate": len(latencies) / elapsed, "cpu_ms": cpu * 1000 / events if cpu >= 0 else float("nan"),
            "p50": percentile(latencies, 0.5) * 1000, "p99": percentile(latencies, 0.99) * 1000,
            "events": len(latencies), "failed": sum(n for status, n in statuses.items() if status != 200)}


def _measured(values: list[float]) -> list[float]:
    return [v for v in values if not math.isnan(v)] or [float("nan")]


def _spread(values: list[float]) -> str:
    values = _measured(values)
    return f"median {statistics.median(values):.2f}x (min {min(values):.2f}, max {max(values):.2f})"


def main() -> int:
    print("# CTI events: Atiende against the same-stack ceiling, interleaved\n")
    url = _postgres_database("atiende_bench_cti_ratio")
    if url is None:
        print("The ceiling needs PostgreSQL: not measured.\n")
        return 0
    home = tempfile.mkdtemp(prefix="atiende-bench-cti-ratio-")
    env = dict(os.environ, ATIENDE_HOME=home, DJANGO_SETTINGS_MODULE="atiende.settings", PYTHONPATH=str(ROOT),
               DATABASE_URL=url, ATIENDE_SECRET_KEY=secrets.token_urlsafe(50), ATIENDE_SSL_REDIRECT="0")
    env.pop("ATIENDE_WEBHOOK_URL", None)
    env.pop("REDIS_URL", None)
    redis = _redis_reachable()
    if redis:
        env["REDIS_URL"] = REDIS_URL
    processes = PROCESSES if redis else 1  # several processes need Redis for the live updates
    out = subprocess.run([sys.executable, "-c", SETUP.replace("%d", str(TECHNICIANS))], cwd=ROOT, env=env,
                         check=True, capture_output=True, text=True).stdout
    token = json.loads(out.strip().splitlines()[-1])["token"]
    from cti_floor import create_schema

    create_schema(url, TECHNICIANS)
    load_start = os.getloadavg()
    rows: list[list[object]] = []
    rate_ratios: list[float] = []
    cpu_ratios: list[float] = []
    atiende_rates: list[float] = []
    pairs: list[tuple[int, list[str], dict[str, float], dict[str, float]]] = []
    failed = 0
    run = 0
    with server(env, processes) as (a_port, a_pid), ceiling_server(env, url, "ninja", processes) as (c_port, c_pid):
        sides = {"Atiende": (a_port, a_pid), "ceiling": (c_port, c_pid)}
        for port, _pid in sides.values():
            run += 1
            _drive(port, token, CLIENTS, WARMUP_SECONDS, 100_000 * run)  # every process warm
        workers = BESIDE[a_pid]  # the atiende worker beside the server
        worker_before = sum(_cpu_seconds(pid) for pid in workers)
        atiende_events = 0
        for pair in range(ROUNDS):
            order = ["Atiende", "ceiling"] if pair % 2 == 0 else ["ceiling", "Atiende"]
            measured = {}
            for side in order:
                run += 1
                measured[side] = _round(*sides[side], token, 100_000 * run)
                failed += int(measured[side]["failed"])
            a, c = measured["Atiende"], measured["ceiling"]
            atiende_events += int(a["events"])
            rate_ratios.append(a["rate"] / c["rate"])
            atiende_rates.append(a["rate"])
            pairs.append((pair, order, a, c))
        time.sleep(SETTLE_SECONDS)  # the last hang-ups' ends of wrap-up fire
        worker_ms = (sum(_cpu_seconds(pid) for pid in workers) - worker_before) * 1000 / max(1, atiende_events)
        for pair, order, a, c in pairs:
            server_ms = a["cpu_ms"] + worker_ms
            cpu_ratios.append(server_ms / c["cpu_ms"] if c["cpu_ms"] else float("nan"))  # nan stays nan
            rows.append([pair + 1, " then ".join(order), f"{a['rate']:.0f}", f"{c['rate']:.0f}",
                         f"{rate_ratios[pair]:.2f}", f"{a['cpu_ms']:.2f}", f"{server_ms:.2f}", f"{c['cpu_ms']:.2f}",
                         f"{cpu_ratios[-1]:.2f}", f"{a['p99']:.1f}", f"{c['p99']:.1f}"])
        saturation = statistics.median(atiende_rates)
        run += 1
        half = _round(a_port, a_pid, token, 100_000 * run, rate=saturation / 2, seconds=OPEN_SECONDS)
        failed += int(half["failed"])
    load_end = os.getloadavg()
    print(f"PostgreSQL, {TECHNICIANS} technicians, live updates through {'Redis' if redis else 'the in-process layer'}; "
          f"{processes} server processes each; {CLIENTS} PBX lines on keep-alive connections; {ROUNDS} pairs of "
          f"{SECONDS:g} s rounds, the order alternating. Load average {load_start[0]:.1f} at the start, "
          f"{load_end[0]:.1f} at the end, on {os.cpu_count()} CPUs.\n")
    print(table(["pair", "order", "Atiende events/s", "ceiling events/s", "ratio", "Atiende server CPU ms/event",
                 "with the worker's", "ceiling CPU ms/event", "CPU ratio", "Atiende p99 ms", "ceiling p99 ms"],
                rows))
    print(f"\nAtiende's worker: {worker_ms:.2f} ms of CPU per Atiende event over the {ROUNDS} pairs (its CPU from "
          f"the first round to {SETTLE_SECONDS:g} s after the last, over the {atiende_events} events Atiende "
          f"answered), counted in each Atiende round's CPU above.\n")
    print(f"Events/s, Atiende / ceiling: {_spread(rate_ratios)}. Server CPU per event (Atiende's with its worker's) "
          f"/ ceiling: {_spread(cpu_ratios)}.\n")
    print(f"Atiende alone at half its saturation rate ({saturation / 2:.0f} of {saturation:.0f} events/s offered, "
          f"{OPEN_SECONDS:g} s, open loop): {half['events']} events, p50 {half['p50']:.1f} ms, "
          f"p99 {half['p99']:.1f} ms, {half['cpu_ms']:.2f} ms of server CPU an event.\n")
    if failed:
        print(f"Answers other than 200: {failed}.\n")
    cpu_ratios = _measured(cpu_ratios)
    rate_median, cpu_median = statistics.median(rate_ratios), statistics.median(cpu_ratios)
    figure("CTI events/s, Atiende / same-stack ceiling, interleaved (PostgreSQL)", f"{rate_median:.2f}", "x",
           target=">= 0.6x", met=rate_median >= 0.6,
           note=f"min {min(rate_ratios):.2f}, max {max(rate_ratios):.2f}, {ROUNDS} pairs; Atiende median "
                f"{saturation:.0f}/s")
    figure("CTI server CPU per event (worker included), Atiende / same-stack ceiling, interleaved (PostgreSQL)",
           f"{cpu_median:.2f}", "x", target="<= 2x", met=cpu_median <= 2,
           note=f"min {min(cpu_ratios):.2f}, max {max(cpu_ratios):.2f}; the worker {worker_ms:.2f} ms an event")
    figure("CTI events p99 at half of Atiende's saturation rate (PostgreSQL)", round(half["p99"], 1), "ms",
           target="< 50 ms", met=half["p99"] < 50, note=f"{saturation / 2:.0f} events/s offered")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
