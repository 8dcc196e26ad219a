"""Staffing: Erlang C solve time and accuracy, and simulated calls per second.

Run on its own with ``.venv/bin/python bench/bench_staffing.py``. Baselines, in
the same run: the textbook formula with factorials and powers, searching from
one agent (it overflows past about 170 agents), and the safe Erlang B
recurrence from B(0) = 1, also searching from one agent.
"""

from __future__ import annotations

import math
import sys
import time
from fractions import Fraction
from importlib import resources
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _benchlib import figure, table, time_call  # noqa: E402

from atiende.staffing.erlang import evaluate, solve_for_traffic  # noqa: E402
from atiende.staffing.plan import parse_calls_csv  # noqa: E402
from atiende.staffing.simulation import DayScenario, simulate_day  # noqa: E402

AHT = 300.0
WITHIN = 20.0
TARGET = 0.8


def naive_factorial_solve(traffic: float) -> int:
    """Textbook Erlang C: A^N/N! and sums of A^k/k!, trying N = 1, 2, 3..."""
    agents = 1
    while True:
        if agents > traffic:
            top = traffic ** agents / math.factorial(agents) * agents / (agents - traffic)
            bottom = sum(traffic ** k / math.factorial(k) for k in range(agents)) + top
            c = top / bottom
            if 1 - c * math.exp(-(agents - traffic) * WITHIN / AHT) >= TARGET:
                return agents
        agents += 1


def recurrence_from_one_solve(traffic: float) -> int:
    """Erlang B recurrence from B(0) = 1 (safe), trying N = 1, 2, 3..."""
    b = 1.0
    agents = 0
    while True:
        agents += 1
        b = traffic * b / (agents + traffic * b)
        if agents > traffic:
            c = agents * b / (agents - traffic * (1 - b))
            if 1 - c * math.exp(-(agents - traffic) * WITHIN / AHT) >= TARGET:
                return agents


def exact_reference(agents: int, traffic: Fraction) -> tuple[float, float]:
    """Service level and ASA from the definition with exact fractions (then one exp in float-free Decimal)."""
    from decimal import Decimal, localcontext

    term = total = Fraction(1)
    for k in range(1, agents + 1):
        term = term * traffic / k
        total += term
    b = term / total
    c = agents * b / (agents - traffic * (1 - b))
    with localcontext() as ctx:
        ctx.prec = 50
        c_dec = Decimal(c.numerator) / Decimal(c.denominator)
        gap = Decimal((agents - traffic).numerator) / Decimal((agents - traffic).denominator)
        sl = 1 - c_dec * (-(gap * Decimal(WITHIN) / Decimal(AHT))).exp()
        asa = c_dec * Decimal(AHT) / gap
    return float(sl), float(asa)


def bench_solve() -> None:
    print("## Erlang C: fewest agents for 80 % answered within 20 s (AHT 300 s)\n")
    rows = []
    for size in (20, 200, 2_000, 20_000):
        traffic = size - 0.75 * math.sqrt(size)  # lands on about `size` agents
        ours = solve_for_traffic(traffic=traffic, aht_seconds=AHT, answer_within_seconds=WITHIN, target=TARGET)
        timing = time_call(lambda t=traffic: solve_for_traffic(traffic=t, aht_seconds=AHT,
                                                               answer_within_seconds=WITHIN, target=TARGET))
        slow = time_call(lambda t=traffic: recurrence_from_one_solve(t), repeat=3)
        assert recurrence_from_one_solve(traffic) == ours.agents
        try:
            naive_agents = naive_factorial_solve(traffic)
            naive = time_call(lambda t=traffic: naive_factorial_solve(t), repeat=3)
            assert naive_agents == ours.agents
            naive_cells = [f"{naive['median'] * 1e3:.4f} ms", f"{naive['median'] / timing['median']:.2f}"]
        except OverflowError:
            naive_cells = ["OverflowError", "-"]
        ms = timing["median"] * 1e3
        rows.append([f"{traffic:,.1f}", f"{ours.agents:,}", f"{ms:.4f} ms", f"{timing['worst'] * 1e3:.4f} ms",
                     f"{slow['median'] * 1e3:.4f} ms", f"{slow['median'] / timing['median']:.2f}", *naive_cells])
        target = "< 5 ms" if size == 20_000 else ""
        figure(f"Erlang C solve, {ours.agents:,} agents (median)", round(ms, 4), "ms", target=target,
               met=(ms < 5) if target else None,
               note=f"baseline, recurrence from 1 agent: {slow['median'] * 1e3:.4f} ms, "
                    f"{slow['median'] / timing['median']:.2f}x our time")
    print(table(["traffic (erlangs)", "agents", "solve (median)", "solve (worst round)",
                 "baseline A: recurrence from 1 agent", "A / ours", "baseline B: textbook factorials",
                 "B / ours"], rows))
    print("\nRatios above 1 mean Atiende's solver is faster. Atiende's solver includes input checks and "
          "builds the full result (service level, ASA, occupancy); the baselines return only the agent "
          "count, which is why the smallest case favours them.\n")


def bench_accuracy() -> None:
    print("## Erlang C accuracy against an exact reference (fractions, 50-digit decimals)\n")
    worst_sl = worst_asa = 0.0
    cases = [(11, 10), (14, 10), (45, Fraction(125, 3)), (150, 140), (172, Fraction(1000 * 300, 1800)),
             (320, Fraction(1500 * 360, 1800)), (512, 500)]
    for agents, traffic in cases:
        traffic = Fraction(traffic)
        sl_ref, asa_ref = exact_reference(agents, traffic)
        ours = evaluate(agents=agents, traffic=float(traffic), aht_seconds=AHT, answer_within_seconds=WITHIN)
        worst_sl = max(worst_sl, abs(ours.service_level - sl_ref))
        worst_asa = max(worst_asa, abs(ours.asa_seconds - asa_ref))
    print(f"{len(cases)} cases from 10 to 500 erlangs: largest difference in service level {worst_sl:.2e}, "
          f"in ASA {worst_asa:.2e} s.\n")
    figure("Erlang C service level vs exact reference (largest difference)", f"{worst_sl:.1e}", "",
           target="<= 1e-9", met=worst_sl <= 1e-9)
    figure("Erlang C ASA vs exact reference (largest difference)", f"{worst_asa:.1e}", "s",
           target="<= 1e-9", met=worst_asa <= 1e-9)


def bench_simulation() -> None:
    print("## Day simulation\n")
    rows = []
    # Erlang C's own model: one queue, constant team, exponential handle times.
    traffic, agents = 2.0, 4
    scenario = DayScenario(calls=[100_000], agents=[agents], interval_seconds=100_000 * 180 / traffic,
                           aht_seconds=180, answer_within_seconds=20)
    reference = evaluate(agents=agents, traffic=traffic, aht_seconds=180, answer_within_seconds=20)
    times = []
    for seed in (1, 2, 3):
        start = time.perf_counter()
        result = simulate_day(scenario, seed=seed)
        times.append(time.perf_counter() - start)
        gap = abs(result.service_level - reference.service_level) * 100
        rows.append(["Erlang C model, 2 erlangs on 4 agents", seed, f"{result.offered:,}", f"{times[-1]:.2f} s",
                     f"{result.offered / times[-1]:,.0f}",
                     f"{result.service_level * 100:.2f} % (Erlang C {reference.service_level * 100:.2f} %, "
                     f"gap {gap:.2f} points)"])
    best = min(times)
    figure("Simulation of 100,000 calls (Erlang C model, best of 3)", round(best, 2), "s", target="< 10 s",
           met=best < 10)
    figure("Simulated calls per second (Erlang C model)", round(100_000 / best), "calls/s")

    # A realistic day: the bundled typical day scaled to about 100,000 calls, with
    # abandonment, holds, transfers, difficult customers and a team from the plan.
    text = resources.files("atiende.staffing").joinpath("examples/dia-tipico.csv").read_text("utf-8")
    demand = parse_calls_csv(text)
    scale = 100_000 / sum(d.calls for d in demand)
    calls = [d.calls * scale for d in demand]
    # Plan with the handle time the technicians will really spend: difficult
    # customers (+50 % for 10 %), holds (60 s for 20 %) and transfers (a second
    # 300 s part for 5 %) add about 42 s to the 300 s of an ordinary call.
    effective_aht = 300 * (1 + 0.1 * 0.5) + 0.2 * 60 + 0.05 * 300
    team = [solve_for_traffic(traffic=c * effective_aht / 1800, aht_seconds=effective_aht,
                              answer_within_seconds=20, target=0.8).agents for c in calls]
    day = DayScenario(calls=calls, agents=team, aht_seconds=300, patience_seconds=240, hold_share=0.2,
                      transfer_share=0.05, difficult_share=0.1, labels=[d.label for d in demand])
    start = time.perf_counter()
    result = simulate_day(day, seed=1)
    elapsed = time.perf_counter() - start
    rows.append([f"bundled typical day x{scale:.0f}, planned for 80/20; patience 240 s, holds, transfers, "
                 "difficult customers", 1,
                 f"{result.offered:,}", f"{elapsed:.2f} s", f"{result.offered / elapsed:,.0f}",
                 f"{result.service_level * 100:.2f} %"])
    figure("Simulated calls per second (realistic day, all features)", round(result.offered / elapsed), "calls/s")
    print(table(["scenario", "seed", "calls", "time", "calls/s", "service level (20 s)"], rows))
    print()


if __name__ == "__main__":
    print("# Staffing\n")
    bench_solve()
    bench_accuracy()
    bench_simulation()
