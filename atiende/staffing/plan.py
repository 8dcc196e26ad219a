"""Interval plans: technicians per half hour over a day, from calls per interval.

The calls per interval come from a CSV (``atiende staffing-plan CALLS.csv``) or
from history (arrival times of past contacts, averaged per time of day by
:func:`demand_from_history`). Each interval is solved with Erlang C on its own,
as a workforce planner does: traffic changes within the day, the target does not.

CSV format, one interval a line, header optional, comma or semicolon separated::

    intervalo,llamadas,tmo
    08:00,42,300
    08:30,65

``intervalo``/``interval``/``inicio``/``start``: a label, usually the start time;
``llamadas``/``calls``: calls expected in the interval; ``tmo``/``aht``
(optional): average handle time in seconds for that interval, otherwise the
plan's ``aht_seconds``.
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from atiende.staffing import charts
from atiende.staffing.erlang import Staffing, StaffingInputError, solve

__all__ = ["IntervalDemand", "IntervalPlan", "DayPlan", "PlanError", "parse_calls_csv", "demand_from_history",
           "plan_day"]

_LABEL_NAMES = {"interval", "intervalo", "start", "inicio", "hora", "time"}
_CALLS_NAMES = {"calls", "llamadas"}
_AHT_NAMES = {"aht", "tmo", "aht_seconds", "tmo_segundos"}


class PlanError(StaffingInputError):
    """A CSV line that cannot be read; names the line."""


@dataclass(frozen=True, slots=True)
class IntervalDemand:
    label: str
    calls: float
    aht_seconds: float | None = None


@dataclass(frozen=True, slots=True)
class IntervalPlan:
    label: str
    calls: float
    aht_seconds: float
    staffing: Staffing

    def as_dict(self) -> dict[str, Any]:
        return {"interval": self.label, "calls": self.calls, "aht_seconds": self.aht_seconds,
                "scheduled_agents": self.staffing.scheduled_agents, **self.staffing.as_dict()}


@dataclass(frozen=True, slots=True)
class DayPlan:
    interval_minutes: float
    answer_within_seconds: float
    target: float
    shrinkage: float
    max_occupancy: float | None
    intervals: tuple[IntervalPlan, ...]

    @property
    def total_calls(self) -> float:
        return sum(i.calls for i in self.intervals)

    @property
    def peak_agents(self) -> int:
        return max((i.staffing.agents for i in self.intervals), default=0)

    @property
    def agent_hours(self) -> float:
        """Technician-hours to schedule over the day (after shrinkage)."""
        return sum(i.staffing.scheduled_agents for i in self.intervals) * self.interval_minutes / 60

    @property
    def agents(self) -> list[int]:
        return [i.staffing.agents for i in self.intervals]

    def as_dict(self) -> dict[str, Any]:
        return {
            "interval_minutes": self.interval_minutes,
            "answer_within_seconds": self.answer_within_seconds,
            "target": self.target,
            "shrinkage": self.shrinkage,
            "max_occupancy": self.max_occupancy,
            "total_calls": self.total_calls,
            "peak_agents": self.peak_agents,
            "agent_hours": self.agent_hours,
            "intervals": [i.as_dict() for i in self.intervals],
        }

    def chart_svg(self, language: str = "es") -> str:
        en = language.startswith("en")
        labels = [i.label for i in self.intervals]
        values = [float(i.staffing.scheduled_agents) for i in self.intervals]
        title = ("Technicians to schedule per interval" if en else "Técnicos a programar por intervalo")
        return charts.bar_chart(title, labels, values, y_label="technicians" if en else "técnicos",
                                x_label="interval" if en else "intervalo")

    def text(self, language: str = "es") -> str:
        en = language.startswith("en")
        head = (("interval", "calls", "erlangs", "agents", "scheduled", "service", "ASA s", "occupancy")
                if en else ("intervalo", "llamadas", "erlangs", "técnicos", "programar", "servicio", "TME s",
                            "ocupación"))
        rows = [head]
        for i in self.intervals:
            s = i.staffing
            rows.append((i.label, f"{i.calls:g}", f"{s.traffic_erlangs:.2f}", str(s.agents), str(s.scheduled_agents),
                         f"{s.service_level * 100:.1f} %", f"{s.asa_seconds:.1f}", f"{s.occupancy * 100:.1f} %"))
        widths = [max(len(r[c]) for r in rows) for c in range(len(head))]
        lines = ["  ".join(cell.rjust(w) for cell, w in zip(r, widths, strict=True)) for r in rows]
        target = f"{self.target * 100:g} %"
        within = f"{self.answer_within_seconds:g}"
        if en:
            summary = (f"Target: {target} of calls answered within {within} s. Total calls: {self.total_calls:g}; "
                       f"peak: {self.peak_agents} technicians on the phones; {self.agent_hours:g} technician-hours "
                       "to schedule.")
        else:
            summary = (f"Objetivo: {target} de las llamadas atendidas en {within} s. Llamadas: {self.total_calls:g}; "
                       f"pico: {self.peak_agents} técnicos al teléfono; {self.agent_hours:g} horas-técnico a "
                       "programar.")
        bars = charts.text_bars([i.label for i in self.intervals],
                                [float(i.staffing.scheduled_agents) for i in self.intervals])
        return "\n".join([*lines, "", summary, "", *bars])


def _number(text: str, line: int, field: str, es: str, en: str) -> float:
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        raise PlanError(field, f"Línea {line}: {es} «{text}» no es un número.",
                        f"Line {line}: {en} {text!r} is not a number.") from None
    if not math.isfinite(value) or value < 0:
        raise PlanError(field, f"Línea {line}: {es} debe ser un número desde 0.",
                        f"Line {line}: {en} must be a number from 0.")
    return value


def parse_calls_csv(text: str) -> list[IntervalDemand]:
    """Intervals from CSV text (see the module docstring); :class:`PlanError` names a bad line."""
    sample = text[:2048]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    rows = [(n, row) for n, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1)
            if row and any(cell.strip() for cell in row) and not row[0].lstrip().startswith("#")]
    if not rows:
        raise PlanError("csv", "El CSV no tiene intervalos.", "The CSV has no intervals.")
    label_col, calls_col, aht_col = 0, 1, 2
    first_line, first = rows[0]
    names = [cell.strip().lower() for cell in first]
    if any(name in _CALLS_NAMES for name in names):
        calls_col = next(i for i, name in enumerate(names) if name in _CALLS_NAMES)
        label_col = next((i for i, name in enumerate(names) if name in _LABEL_NAMES), 0 if calls_col else -1)
        aht_col = next((i for i, name in enumerate(names) if name in _AHT_NAMES), -1)
        rows = rows[1:]
    elif len(first) < 2:
        raise PlanError("csv", f"Línea {first_line}: se esperan al menos dos columnas: intervalo y llamadas.",
                        f"Line {first_line}: expected at least two columns: interval and calls.")
    demand: list[IntervalDemand] = []
    for line, row in rows:
        if calls_col >= len(row):
            raise PlanError("csv", f"Línea {line}: falta el número de llamadas.",
                            f"Line {line}: the number of calls is missing.")
        calls = _number(row[calls_col], line, "calls", "el número de llamadas", "the number of calls")
        aht = None
        if 0 <= aht_col < len(row) and row[aht_col].strip():
            aht = _number(row[aht_col], line, "aht", "el tiempo medio de atención", "the average handle time")
            if aht == 0:
                raise PlanError("aht", f"Línea {line}: el tiempo medio de atención debe ser mayor que cero.",
                                f"Line {line}: the average handle time must be greater than zero.")
        label = row[label_col].strip() if 0 <= label_col < len(row) else str(len(demand) + 1)
        demand.append(IntervalDemand(label or str(len(demand) + 1), calls, aht))
    if not demand:
        raise PlanError("csv", "El CSV no tiene intervalos.", "The CSV has no intervals.")
    return demand


def demand_from_history(arrivals: Iterable[datetime], *, interval_minutes: int = 30) -> list[IntervalDemand]:
    """Average calls per interval of the day from past arrival times (one entry per call).

    Averaged over the distinct days present, from the first to the last busy
    interval of the day, so a forecast from history reads like a CSV plan.
    """
    if interval_minutes <= 0 or 1440 % interval_minutes:
        raise StaffingInputError("interval_minutes", "El intervalo debe dividir el día (por ejemplo 15, 30 o 60).",
                                 "The interval must divide the day (for example 15, 30 or 60).")
    per_slot: Counter[int] = Counter()
    days: set[object] = set()
    for moment in arrivals:
        days.add(moment.date())
        per_slot[(moment.hour * 60 + moment.minute) // interval_minutes] += 1
    if not per_slot:
        return []
    first, last = min(per_slot), max(per_slot)
    return [
        IntervalDemand(f"{slot * interval_minutes // 60:02d}:{slot * interval_minutes % 60:02d}",
                       per_slot[slot] / len(days))
        for slot in range(first, last + 1)
    ]


def plan_day(
    demand: Sequence[IntervalDemand],
    *,
    interval_minutes: float = 30,
    aht_seconds: float,
    answer_within_seconds: float,
    target: float,
    max_occupancy: float | None = None,
    shrinkage: float = 0.0,
) -> DayPlan:
    """Solve every interval with Erlang C for the same target."""
    if not demand:
        raise StaffingInputError("csv", "No hay intervalos que planificar.", "There are no intervals to plan.")
    period = float(interval_minutes) * 60
    intervals = []
    for item in demand:
        aht = item.aht_seconds if item.aht_seconds is not None else aht_seconds
        staffing = solve(calls=item.calls, period_seconds=period, aht_seconds=aht,
                         answer_within_seconds=answer_within_seconds, target=target,
                         max_occupancy=max_occupancy, shrinkage=shrinkage)
        intervals.append(IntervalPlan(item.label, item.calls, float(aht), staffing))
    return DayPlan(float(interval_minutes), float(answer_within_seconds), float(target), float(shrinkage),
                   max_occupancy, tuple(intervals))
