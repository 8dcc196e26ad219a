"""What the planning pages show, computed by the staffing core from cleaned form data.

No formula lives here: Erlang C, plans and the simulation are atiende.staffing's.
Each function raises the core's StaffingInputError (with Spanish and English
messages) when the question cannot be answered; the views turn it into a form error.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from atiende.engine.policies import DEFAULT_POLICY
from atiende.planning.forms import MAX_INTERVALS, MAX_SIMULATED_CALLS, MAX_TECHNICIANS
from atiende.staffing import charts
from atiende.staffing.erlang import Staffing, StaffingInputError, evaluate, solve
from atiende.staffing.plan import DayPlan, IntervalDemand, parse_calls_csv, plan_day
from atiende.staffing.simulation import DayResult, DayScenario, simulate_day

# Erlang C's recurrence takes about 10·√traffic steps per question; this keeps a
# whole day of 1,440 intervals well under a few seconds (the CLI has no cap).
MAX_TRAFFIC_ERLANGS = 100_000


def _check_traffic(calls: float, aht_seconds: float, period_seconds: float, interval: str = "") -> None:
    traffic = calls * aht_seconds / period_seconds
    if traffic > MAX_TRAFFIC_ERLANGS:
        amount, cap = f"{traffic:,.0f}", f"{MAX_TRAFFIC_ERLANGS:,}"
        es = (f"el tráfico sería de {amount.replace(',', '.')} erlangs; la web calcula hasta "
              f"{cap.replace(',', '.')} (revise las llamadas y el tiempo medio de atención).")
        en = f"the traffic would be {amount} erlangs; the web computes up to {cap} (check the calls and the AHT)."
        if interval:
            raise StaffingInputError("csv", f"Intervalo {interval}: {es}", f"Interval {interval}: {en}")
        raise StaffingInputError("calls", es[0].upper() + es[1:], en[0].upper() + en[1:])


def _en(language: str) -> bool:
    return language.startswith("en")


@dataclass(frozen=True)
class CalculatorResult:
    staffing: Staffing
    po2_service_level: float   # share answered within PO-2's maximum wait with that many technicians
    chart_svg: str


def calculator(data: dict[str, Any], *, language: str) -> CalculatorResult:
    _check_traffic(data["calls"], data["aht"], data["period_minutes"] * 60)
    result = solve(calls=data["calls"], period_seconds=data["period_minutes"] * 60, aht_seconds=data["aht"],
                   answer_within_seconds=data["answer_within"], target=data["target"],
                   max_occupancy=data.get("max_occupancy"), shrinkage=data.get("shrinkage") or 0.0)
    traffic, aht = result.traffic_erlangs, data["aht"]
    po2 = evaluate(agents=result.agents, traffic=traffic, aht_seconds=aht,
                   answer_within_seconds=DEFAULT_POLICY.max_wait_seconds).service_level
    return CalculatorResult(result, po2, service_level_curve(result, aht_seconds=aht, language=language))


def service_level_curve(result: Staffing, *, aht_seconds: float, language: str) -> str:
    """SVG of the service level for a few technicians fewer and more than the answer."""
    if result.traffic_erlangs <= 0:
        return ""
    first = max(0, result.agents - 8)
    counts = list(range(first, result.agents + 5))
    values = [evaluate(agents=n, traffic=result.traffic_erlangs, aht_seconds=aht_seconds,
                       answer_within_seconds=result.answer_within_seconds).service_level for n in counts]
    within = f"{result.answer_within_seconds:g} s"
    target = result.target
    en = _en(language)
    return charts.line_chart(
        f"Service level (answered within {within}) by technicians on the phones" if en
        else f"Nivel de servicio (atendidas en {within}) según técnicos al teléfono",
        [str(n) for n in counts], values, percent=True, target=target,
        target_label=(f"target {target * 100:g} %" if en else f"objetivo {target * 100:g} %") if target else "",
        y_label="service level" if en else "nivel de servicio",
        x_label="technicians" if en else "técnicos",
    )


def demand_from_csv(text: str) -> list[IntervalDemand]:
    demand = parse_calls_csv(text)
    if len(demand) > MAX_INTERVALS:
        raise StaffingInputError("csv", f"El CSV tiene {len(demand)} intervalos; como mucho {MAX_INTERVALS}.",
                                 f"The CSV has {len(demand)} intervals; at most {MAX_INTERVALS}.")
    return demand


def _check_demand(demand: list[IntervalDemand], *, aht_seconds: float, interval_minutes: float) -> None:
    for number, item in enumerate(demand, start=1):
        aht = item.aht_seconds if item.aht_seconds is not None else aht_seconds
        _check_traffic(item.calls, aht, interval_minutes * 60, item.label or str(number))


def interval_plan(data: dict[str, Any]) -> DayPlan:
    demand = demand_from_csv(data["csv"])
    _check_demand(demand, aht_seconds=data["aht"], interval_minutes=data["interval_minutes"])
    return plan_day(demand, interval_minutes=data["interval_minutes"],
                    aht_seconds=data["aht"], answer_within_seconds=data["answer_within"], target=data["target"],
                    max_occupancy=data.get("max_occupancy"), shrinkage=data.get("shrinkage") or 0.0)


@dataclass(frozen=True)
class ErlangRow:
    label: str
    agents: int
    offered: int
    abandoned: int
    simulated: float
    erlang_c: float | None   # None where Erlang C has no answer (no calls expected)


@dataclass(frozen=True)
class SimulationResult:
    result: DayResult
    seed: int
    planned: bool              # technicians came from the Erlang C plan
    erlang_rows: list[ErlangRow]
    erlang_day: float | None   # Erlang C's service level for the day, weighted by calls
    exact_model: bool          # the scenario is Erlang C's own model, so the two should agree
    waits_svg: str
    service_level_svg: str


def _clock(minutes: float) -> str:
    minutes = int(minutes) % (24 * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def simulation(data: dict[str, Any], *, language: str, seed: int | None = None) -> SimulationResult:
    interval = data["interval_minutes"]
    if "csv" in data:
        demand = demand_from_csv(data["csv"])
    else:
        count = max(1, round(data["hours"] * 60 / interval))
        if count > MAX_INTERVALS:
            raise StaffingInputError("hours", f"Como mucho {MAX_INTERVALS} intervalos al día.",
                                     f"At most {MAX_INTERVALS} intervals a day.")
        demand = [IntervalDemand(_clock(8 * 60 + i * interval), data["calls"]) for i in range(count)]
    expected = sum(d.calls for d in demand)
    if expected > MAX_SIMULATED_CALLS:
        es_expected, es_cap = f"{expected:,.0f}".replace(",", "."), f"{MAX_SIMULATED_CALLS:,}".replace(",", ".")
        raise StaffingInputError(
            "calls",
            f"El día tiene {es_expected} llamadas previstas; la web simula como mucho {es_cap} "
            "(para más, use la orden «atiende simulate-day»).",
            f"The day has {expected:,.0f} expected calls; the web simulates at most {MAX_SIMULATED_CALLS:,} "
            "(for more, use the command `atiende simulate-day`).",
        )
    if any(d.aht_seconds is not None for d in demand):
        # The simulation has one handle-time mean: the call-weighted mean of the CSV's (as the CLI does).
        total = sum(d.calls for d in demand) or 1.0
        aht = sum(d.calls * (d.aht_seconds or data["aht"]) for d in demand) / total
    else:
        aht = data["aht"]
    given: list[int] | None = data.get("agents")
    planned = given is None
    if given is None:
        _check_demand(demand, aht_seconds=aht, interval_minutes=interval)
        agents = plan_day(demand, interval_minutes=interval, aht_seconds=aht,
                          answer_within_seconds=data["answer_within"], target=data["target"]).agents
    elif max(given, default=0) > MAX_TECHNICIANS:
        raise StaffingInputError(
            "agents", f"Como mucho {MAX_TECHNICIANS:,} técnicos por intervalo en la web.".replace(",", "."),
            f"At most {MAX_TECHNICIANS:,} technicians per interval on the web.")
    elif len(given) == 1:
        agents = given * len(demand)
    elif len(given) != len(demand):
        raise StaffingInputError(
            "agents", f"Hay {len(demand)} intervalos y {len(given)} números de técnicos: indique uno por "
            "intervalo o uno para todo el día.",
            f"There are {len(demand)} intervals and {len(given)} numbers of technicians: give one per interval "
            "or one for the whole day.")
    else:
        agents = list(given)
    scenario = DayScenario(
        calls=[d.calls for d in demand], agents=agents, interval_seconds=interval * 60, aht_seconds=aht,
        patience_seconds=data.get("patience"), difficult_share=data.get("difficult_share") or 0.0,
        difficult_factor=data["difficult_factor"], answer_within_seconds=data["answer_within"],
        max_wait_seconds=data["max_wait"], max_call_seconds=data["max_call"], labels=[d.label for d in demand],
    )
    scenario.validate()
    if seed is None:
        seed = random.SystemRandom().randrange(1, 10**9)
    result = simulate_day(scenario, seed=seed)
    rows, weighted, weight = [], 0.0, 0.0
    for d, n, row in zip(demand, scenario.agents, result.intervals, strict=True):
        traffic = d.calls * aht / (interval * 60)
        predicted = None
        if d.calls > 0:
            predicted = evaluate(agents=n, traffic=traffic, aht_seconds=aht,
                                 answer_within_seconds=data["answer_within"]).service_level
            weighted += predicted * d.calls
            weight += d.calls
        rows.append(ErlangRow(row.label, n, row.offered, row.abandoned, row.service_level, predicted))
    exact = not data.get("patience") and not data.get("difficult_share")
    return SimulationResult(
        result=result, seed=seed, planned=planned, erlang_rows=rows,
        erlang_day=weighted / weight if weight else None, exact_model=exact,
        waits_svg=result.waits_chart_svg(language), service_level_svg=result.service_level_chart_svg(language),
    )

