"""Erlang C: how many technicians a queue needs to answer a share of calls within a time.

Pure Python, no Django. Everything is computed with the Erlang B recurrence

    B(0) = 1,    B(n) = A·B(n-1) / (n + A·B(n-1))

whose values stay between 0 and 1, so there are no factorials and no powers
that could overflow: 20,000 or 200,000 technicians are as safe as 2. Erlang C
(the probability that a call has to wait) follows from B in one step.

Speed: the recurrence forgets where it started. Below the traffic (n < A) each
step multiplies an error in B by about n/A, so starting 10·√A below the traffic
from the approximation B(n) ≈ (A - n)/A loses less than e^-50 of that error,
far below double precision. A solve for 20,000 technicians therefore takes
about 1,500 steps instead of 20,000, and the search for the fewest technicians
starts just above the traffic (fewer can never keep up) instead of at 1.

Targets such as "80 % answered within 20 s" or PO-2 "nobody waits more than
3 minutes" (as a share, e.g. 99 % answered within 180 s; waits in Erlang C have
no upper bound, so "nobody" is always a share close to 1) are given as
``answer_within_seconds`` and ``target``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from atiende.engine.policies import DEFAULT_POLICY

__all__ = [
    "StaffingInputError",
    "Staffing",
    "traffic_erlangs",
    "erlang_b",
    "erlang_c",
    "service_level",
    "average_speed_of_answer",
    "occupancy",
    "evaluate",
    "solve",
    "solve_for_traffic",
]

# How far below the traffic, in standard deviations of a Poisson count, the
# recurrence starts from its approximation (see the module docstring).
_START_SIGMAS = 10.0


class StaffingInputError(ValueError):
    """A staffing question that cannot be answered as asked; messages in Spanish and English."""

    def __init__(self, field: str, es: str, en: str) -> None:
        super().__init__(en)
        self.field = field
        self.es = es
        self.en = en

    def message(self, language: str = "es") -> str:
        return self.en if language.startswith("en") else self.es


@dataclass(frozen=True, slots=True)
class Staffing:
    """The answer for one period: technicians on the phones and what callers will see."""

    traffic_erlangs: float
    agents: int
    service_level: float
    asa_seconds: float
    occupancy: float
    probability_wait: float
    # Technicians to schedule so that ``agents`` are on the phones after shrinkage
    # (breaks, training, absence). Equal to ``agents`` without shrinkage.
    scheduled_agents: int
    answer_within_seconds: float
    target: float | None = None
    shrinkage: float = 0.0
    max_occupancy: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """The public JSON shape of ``atiende staffing --format json`` (SPEC)."""
        data: dict[str, Any] = {
            "traffic_erlangs": self.traffic_erlangs,
            "agents": self.agents,
            "service_level": self.service_level,
            "asa_seconds": self.asa_seconds,
            "occupancy": self.occupancy,
            "probability_wait": self.probability_wait,
        }
        # Extra keys only when the option was used, so the SPEC shape stays exact otherwise.
        if self.shrinkage:
            data["shrinkage"] = self.shrinkage
            data["scheduled_agents"] = self.scheduled_agents
        if self.max_occupancy is not None:
            data["max_occupancy"] = self.max_occupancy
        return data


def _finite(value: float, field: str, es_name: str, en_name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise StaffingInputError(
            field, f"{es_name} debe ser un número.", f"{en_name} must be a number."
        ) from None
    if not math.isfinite(number):
        raise StaffingInputError(field, f"{es_name} debe ser un número finito.", f"{en_name} must be a finite number.")
    return number


def _check_positive(value: float, field: str, es_name: str, en_name: str) -> float:
    number = _finite(value, field, es_name, en_name)
    if number <= 0:
        raise StaffingInputError(field, f"{es_name} debe ser mayor que cero.", f"{en_name} must be greater than zero.")
    return number


def _check_not_negative(value: float, field: str, es_name: str, en_name: str) -> float:
    number = _finite(value, field, es_name, en_name)
    if number < 0:
        raise StaffingInputError(field, f"{es_name} no puede ser negativo.", f"{en_name} cannot be negative.")
    return number


def traffic_erlangs(calls: float, period_seconds: float, aht_seconds: float) -> float:
    """Offered traffic in erlangs: the technicians that would be busy all the time."""
    calls = _check_not_negative(calls, "calls", "El número de llamadas", "The number of calls")
    period_seconds = _check_positive(period_seconds, "period", "El periodo", "The period")
    aht_seconds = _check_positive(aht_seconds, "aht", "El tiempo medio de atención", "The average handle time")
    return calls * aht_seconds / period_seconds


def _b_start(traffic: float, agents: int) -> tuple[int, float]:
    """Where to start the Erlang B recurrence to reach ``agents``: (n, B(n))."""
    start = int(traffic - _START_SIGMAS * math.sqrt(traffic) - 10.0)
    if start <= 0 or start >= agents:
        return 0, 1.0
    return start, (traffic - start) / traffic


def _b_step(traffic: float, n: int, b: float) -> float:
    ab = traffic * b
    return ab / (n + ab)


def erlang_b(agents: int, traffic: float) -> float:
    """Probability that a call finds every one of ``agents`` busy, with no queue (Erlang B)."""
    if agents < 0:
        raise StaffingInputError("agents", "El número de técnicos no puede ser negativo.",
                                 "The number of agents cannot be negative.")
    if traffic <= 0:
        return 0.0 if agents > 0 else 1.0
    n, b = _b_start(traffic, agents)
    while n < agents:
        n += 1
        b = _b_step(traffic, n, b)
    return b


def _c_from_b(agents: int, traffic: float, b: float) -> float:
    if agents <= traffic:
        return 1.0
    return agents * b / (agents - traffic * (1.0 - b))


def erlang_c(agents: int, traffic: float) -> float:
    """Probability that a call has to wait (Erlang C); 1 when the technicians cannot keep up."""
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return 1.0
    return _c_from_b(agents, traffic, erlang_b(agents, traffic))


def _sl_from_c(agents: int, traffic: float, c: float, aht: float, answer_within: float) -> float:
    if traffic <= 0:
        return 1.0
    if agents <= traffic:
        return 0.0
    return 1.0 - c * math.exp(-(agents - traffic) * answer_within / aht)


def _asa_from_c(agents: int, traffic: float, c: float, aht: float) -> float:
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return math.inf
    return c * aht / (agents - traffic)


def service_level(agents: int, traffic: float, aht_seconds: float, answer_within_seconds: float) -> float:
    """Share of calls answered within ``answer_within_seconds`` (0 when the queue grows without end)."""
    return _sl_from_c(agents, traffic, erlang_c(agents, traffic), aht_seconds, answer_within_seconds)


def average_speed_of_answer(agents: int, traffic: float, aht_seconds: float) -> float:
    """Mean wait before answer over all calls, in seconds (infinite when the queue grows without end)."""
    return _asa_from_c(agents, traffic, erlang_c(agents, traffic), aht_seconds)


def occupancy(agents: int, traffic: float) -> float:
    """Share of their time the technicians spend on calls."""
    if agents <= 0:
        return 0.0 if traffic <= 0 else 1.0
    return min(1.0, traffic / agents)


def _scheduled(agents: int, shrinkage: float) -> int:
    if not shrinkage:
        return agents
    # A tiny tolerance so that 10 / (1 - 0.5) is 20 and not 21 through rounding.
    return math.ceil(agents / (1.0 - shrinkage) - 1e-9)


def _check_options(
    answer_within_seconds: float, target: float | None, max_occupancy: float | None, shrinkage: float
) -> tuple[float, float | None, float | None, float]:
    answer_within_seconds = _check_not_negative(
        answer_within_seconds, "answer_within", "El tiempo de respuesta objetivo", "The answer time")
    if target is not None:
        target = _finite(target, "target", "El objetivo", "The target")
        if not 0 < target < 1:
            po2 = DEFAULT_POLICY
            po2_minutes = f"{po2.max_wait_seconds / 60:g}"
            raise StaffingInputError(
                "target",
                "El objetivo es una fracción mayor que 0 y menor que 1 (por ejemplo 0.8 para el 80 %). "
                f"Las esperas no tienen tope en Erlang C: para «nadie espera más de {po2_minutes} minutos» (PO-2) "
                f"use por ejemplo --answer-within {po2.max_wait_seconds} --target {po2.service_level_target}.",
                "The target is a fraction above 0 and below 1 (for example 0.8 for 80 %). "
                f"Waits have no upper bound in Erlang C: for \"nobody waits more than {po2_minutes} minutes\" (PO-2) "
                f"use for example --answer-within {po2.max_wait_seconds} --target {po2.service_level_target}.",
            )
    if max_occupancy is not None:
        max_occupancy = _finite(max_occupancy, "max_occupancy", "La ocupación máxima", "The maximum occupancy")
        if not 0 < max_occupancy <= 1:
            raise StaffingInputError(
                "max_occupancy",
                "La ocupación máxima es una fracción mayor que 0 y hasta 1 (por ejemplo 0.85).",
                "The maximum occupancy is a fraction above 0 and up to 1 (for example 0.85).",
            )
    shrinkage = _finite(shrinkage, "shrinkage", "Las pérdidas", "The shrinkage")
    if not 0 <= shrinkage < 1:
        raise StaffingInputError(
            "shrinkage",
            "Las pérdidas (pausas, formación, ausencias) son una fracción desde 0 y menor que 1 (por ejemplo 0.3).",
            "The shrinkage (breaks, training, absence) is a fraction from 0 and below 1 (for example 0.3).",
        )
    return answer_within_seconds, target, max_occupancy, shrinkage


def evaluate(
    *,
    agents: int,
    traffic: float,
    aht_seconds: float,
    answer_within_seconds: float,
    shrinkage: float = 0.0,
) -> Staffing:
    """What callers will see with ``agents`` technicians on the phones."""
    if isinstance(agents, bool) or not isinstance(agents, int) or agents < 0:
        raise StaffingInputError("agents", "El número de técnicos es un entero desde 0.",
                                 "The number of agents is a whole number from 0.")
    traffic = _check_not_negative(traffic, "traffic", "El tráfico", "The traffic")
    aht_seconds = _check_positive(aht_seconds, "aht", "El tiempo medio de atención", "The average handle time")
    answer_within_seconds, _target, _cap, shrinkage = _check_options(answer_within_seconds, None, None, shrinkage)
    c = erlang_c(agents, traffic)
    return Staffing(
        traffic_erlangs=traffic,
        agents=agents,
        service_level=_sl_from_c(agents, traffic, c, aht_seconds, answer_within_seconds),
        asa_seconds=_asa_from_c(agents, traffic, c, aht_seconds),
        occupancy=occupancy(agents, traffic),
        probability_wait=c,
        scheduled_agents=_scheduled(agents, shrinkage),
        answer_within_seconds=answer_within_seconds,
        shrinkage=shrinkage,
    )


def solve_for_traffic(
    *,
    traffic: float,
    aht_seconds: float,
    answer_within_seconds: float,
    target: float,
    max_occupancy: float | None = None,
    shrinkage: float = 0.0,
) -> Staffing:
    """The fewest technicians that answer ``target`` of the calls within ``answer_within_seconds``.

    With ``max_occupancy`` the answer also keeps the technicians' occupancy at
    or below it (nobody can take call after call all day); with ``shrinkage``
    ``scheduled_agents`` says how many to schedule so that ``agents`` are on
    the phones.
    """
    traffic = _check_not_negative(traffic, "traffic", "El tráfico", "The traffic")
    aht_seconds = _check_positive(aht_seconds, "aht", "El tiempo medio de atención", "The average handle time")
    answer_within_seconds, checked_target, max_occupancy, shrinkage = _check_options(
        answer_within_seconds, target, max_occupancy, shrinkage)
    assert checked_target is not None
    target = checked_target
    if traffic == 0:
        return Staffing(traffic, 0, 1.0, 0.0, 0.0, 0.0, 0, answer_within_seconds, target, shrinkage, max_occupancy)

    # Fewer technicians than the traffic can never keep up, so start just above it.
    agents = math.floor(traffic) + 1
    if max_occupancy is not None:
        agents = max(agents, math.ceil(traffic / max_occupancy - 1e-9))
    n, b = _b_start(traffic, agents)
    while n < agents:
        n += 1
        b = _b_step(traffic, n, b)
    # Service level grows with every technician added, and B falls faster than
    # geometrically, so this ends; the cap only guards against a float surprise.
    limit = agents + 1000 + int(100 * math.sqrt(traffic))
    decay = answer_within_seconds / aht_seconds
    while True:
        c = _c_from_b(agents, traffic, b)
        sl = 1.0 - c * math.exp(-(agents - traffic) * decay)
        if sl >= target:
            break
        if agents >= limit:
            raise StaffingInputError(
                "target", "No se encontró un número de técnicos que alcance ese objetivo.",
                "No number of agents reaches that target.")
        agents += 1
        b = _b_step(traffic, agents, b)
    return Staffing(
        traffic_erlangs=traffic,
        agents=agents,
        service_level=sl,
        asa_seconds=c * aht_seconds / (agents - traffic),
        occupancy=traffic / agents,
        probability_wait=c,
        scheduled_agents=_scheduled(agents, shrinkage),
        answer_within_seconds=answer_within_seconds,
        target=target,
        shrinkage=shrinkage,
        max_occupancy=max_occupancy,
    )


def solve(
    *,
    calls: float,
    period_seconds: float,
    aht_seconds: float,
    answer_within_seconds: float,
    target: float,
    max_occupancy: float | None = None,
    shrinkage: float = 0.0,
) -> Staffing:
    """The fewest technicians for ``calls`` arriving in ``period_seconds`` (see :func:`solve_for_traffic`)."""
    traffic = traffic_erlangs(calls, period_seconds, aht_seconds)
    return solve_for_traffic(
        traffic=traffic, aht_seconds=aht_seconds, answer_within_seconds=answer_within_seconds,
        target=target, max_occupancy=max_occupancy, shrinkage=shrinkage,
    )
