"""The report of a run: calls, waits, abandonment, PO-1/PO-2 breaches, holds (HO-5), transfers (TR-1, TR-5),
escalations (PO-5), refusals and the API's answers by status, from the stored events and alerts."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import asdict
from typing import Any

from atiende.engine import DEFAULT_POLICY, EventKind
from atiende.simulator.world import Simulation


def summarise(sim: Simulation, events: list[tuple[str, dict[str, Any]]], alerts: list[tuple[str, str]],
              names: dict[int, str]) -> dict[str, Any]:
    def of(kind: str) -> list[dict[str, Any]]:
        return [data or {} for k, data in events if k == kind]

    waits = [d.get("waited_seconds", 0.0) for d in of(EventKind.ANSWERED)]
    abandoned = len(of(EventKind.ABANDONED))
    resumed = of(EventKind.RESUMED)
    returns = Counter(d.get("cause") for d in of(EventKind.TRANSFER_RETURNED))
    per_tech = Counter(d.get("technician") for d in of(EventKind.ANSWERED))
    rules = Counter(alerts)
    calls = len(sim.callers)
    answered = len(waits)
    accepted = len(of(EventKind.TRANSFER_ACCEPTED))
    ordered = sorted(waits)
    by_status: Counter[str] = Counter()
    by_side: dict[str, Counter[str]] = {}
    for (side, status), n in sorted(sim.requests.items()):
        by_status[str(status)] += n
        by_side.setdefault(side, Counter())[str(status)] += n
    return {
        "scenario": asdict(sim.scenario),
        "run": sim.run_id,
        "calls": calls,
        "answered": answered,
        "abandoned": abandoned,
        "abandonment_rate": round(abandoned / calls, 3) if calls else 0.0,
        "difficult_callers": sum(1 for c in sim.callers.values() if c.difficult),
        "wait_seconds": {
            "mean": round(statistics.fmean(waits), 1) if waits else 0.0,
            "p90": round(ordered[int(0.9 * (len(ordered) - 1))], 1) if ordered else 0.0,
            "max": round(ordered[-1], 1) if ordered else 0.0,
            "answered_within_max_wait": round(sum(1 for w in waits if w <= DEFAULT_POLICY.max_wait_seconds) / answered, 3) if answered else 0.0,
        },
        "breaches": {
            "wait_warnings_PO2": rules[("PO-2", "warning")],
            "wait_breaches_PO2": rules[("PO-2", "breach")],
            "call_warnings_PO1": rules[("PO-1", "warning")],
            "call_breaches_PO1": rules[("PO-1", "breach")],
        },
        "holds": {
            "count": len(of("hold")),
            "overruns_HO5": sum(1 for d in resumed if d.get("overrun_seconds", 0) > 0),
            "reminders_HO5": sum(n for (rule, _level), n in rules.items() if rule == "HO-5"),
            "mean_seconds": round(statistics.fmean(d.get("held_seconds", 0.0) for d in resumed), 1)
            if resumed else 0.0,
        },
        "transfers": {
            "requested": len(of(EventKind.TRANSFER_REQUESTED)),
            "accepted": accepted,
            "declined": returns.get("declined", 0),
            "timed_out_TR5": returns.get("timeout", 0),
            "rate_TR1": round(accepted / answered, 3) if answered else 0.0,
        },
        "escalations_PO5": len(of(EventKind.ESCALATED)),
        "refusals": dict(sorted(sim.refusals.items())),
        "calls_per_technician": {names.get(k, str(k)): v for k, v in sorted(per_tech.items()) if k},
        "api": {
            "requests": sum(sim.requests.values()),
            "cti_events": sim.cti_events,
            "cti_refused": sim.cti_refused,
            "by_status": dict(sorted(by_status.items())),
            "by_side": {side: dict(sorted(c.items())) for side, c in sorted(by_side.items())},
            "errors": [{"status": status, "code": code, "rule": rule or None, "count": n}
                       for (status, code, rule), n in sorted(sim.errors.items())],
            "retries": {"sent": sim.retries["sent"], "same_answer": sim.retries["same_answer"]},
        },
    }
