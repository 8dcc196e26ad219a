"""A discrete-event simulation of a support day against the policies.

Calls arrive at random (a Poisson process whose rate follows the calls
expected in each interval), wait in one queue, and are answered by the
technician who has been idle longest. Each call may include a hold (HO, the
technician stays busy), may be transferred once to a second technician after
the first part (TR/PO-4: the call waits again, ahead of new calls), may come
from a difficult customer (CT: a longer call), and may be abandoned by a caller
whose patience runs out. Technicians per interval come from a staffing plan;
when fewer are scheduled, a busy technician finishes the call before leaving.

What it measures is what the policies ask about: the share answered within the
target time, waits past PO-2 (3 minutes by default), calls past PO-1 (15
minutes), calls per technician for PO-3 (at least 30 a day), abandonment and
occupancy, per interval and for the day.

With no abandonment, holds, transfers or difficult customers, exponential
handle times and a constant number of technicians, the model is exactly
Erlang C's, and the tests check that the two agree.

Pure Python with ``heapq``; the random generator is seeded, so a scenario and
a seed always give the same day.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from atiende.engine.policies import DEFAULT_POLICY
from atiende.staffing import charts
from atiende.staffing.erlang import StaffingInputError

__all__ = ["DayScenario", "DayResult", "IntervalResult", "simulate_day", "WAIT_BIN_SECONDS"]

# Width of the bins of the waits distribution, in seconds.
WAIT_BIN_SECONDS = 15
_WAIT_BINS = 16  # the last bin is open: 225 s and more

# Event kinds, ordered so that at the same instant technicians come and go
# before calls end, and calls end before new calls arrive.
_SHIFT, _END, _ABANDON, _ARRIVAL = 0, 1, 2, 3

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class DayScenario:
    """A day to simulate: demand and technicians per interval, and how calls behave."""

    calls: Sequence[float]                 # calls expected per interval (the mean of a Poisson count)
    agents: Sequence[int]                  # technicians on the phones per interval
    interval_seconds: float = 1800.0
    aht_seconds: float = 300.0             # mean talk time of an ordinary call, without holds
    handle_time: str = "exponential"       # or "lognormal" (with handle_cv)
    handle_cv: float = 1.0                 # coefficient of variation for lognormal handle times
    patience_seconds: float | None = None  # mean patience before hanging up; None: nobody hangs up
    hold_share: float = 0.0                # share of calls with a hold (HO)
    hold_seconds: float = 60.0             # mean hold length
    transfer_share: float = 0.0            # share of calls transferred to a second technician (TR)
    transfer_aht_seconds: float | None = None  # mean time with the second technician (default aht)
    difficult_share: float = 0.0           # share of difficult customers (CT)
    difficult_factor: float = 1.5          # how much longer their calls are
    answer_within_seconds: float = 20.0    # the service-level threshold
    max_wait_seconds: float = DEFAULT_POLICY.max_wait_seconds  # PO-2
    max_call_seconds: float = DEFAULT_POLICY.max_call_seconds  # PO-1
    min_calls_per_technician: int = DEFAULT_POLICY.calls_per_day  # PO-3
    labels: Sequence[str] | None = None    # interval labels, e.g. "08:00"

    def validate(self) -> None:
        def bad(field_name: str, es: str, en: str) -> StaffingInputError:
            return StaffingInputError(field_name, es, en)

        if not self.calls:
            raise bad("calls", "No hay intervalos que simular.", "There are no intervals to simulate.")
        if len(self.agents) != len(self.calls):
            raise bad("agents", "Hace falta un número de técnicos por intervalo.",
                      "One number of technicians per interval is needed.")
        if any(not math.isfinite(c) or c < 0 for c in self.calls):
            raise bad("calls", "Las llamadas por intervalo son números desde 0.",
                      "Calls per interval are numbers from 0.")
        if any(isinstance(a, bool) or not isinstance(a, int) or a < 0 for a in self.agents):
            raise bad("agents", "Los técnicos por intervalo son enteros desde 0.",
                      "Technicians per interval are whole numbers from 0.")
        for name, value, es in (("interval_seconds", self.interval_seconds, "La duración del intervalo"),
                                ("aht_seconds", self.aht_seconds, "El tiempo medio de atención")):
            if not math.isfinite(value) or value <= 0:
                raise bad(name, f"{es} debe ser mayor que cero.", f"{name} must be greater than zero.")
        if self.handle_time not in ("exponential", "lognormal"):
            raise bad("handle_time", "La distribución del tiempo de atención es exponential o lognormal.",
                      "The handle-time distribution is exponential or lognormal.")
        if not math.isfinite(self.handle_cv) or self.handle_cv <= 0:
            raise bad("handle_cv", "El coeficiente de variación debe ser mayor que cero.",
                      "The coefficient of variation must be greater than zero.")
        if self.patience_seconds is not None and (not math.isfinite(self.patience_seconds)
                                                  or self.patience_seconds <= 0):
            raise bad("patience_seconds", "La paciencia media debe ser mayor que cero.",
                      "The mean patience must be greater than zero.")
        for name, value, es in (("hold_share", self.hold_share, "La proporción de llamadas con espera"),
                                ("transfer_share", self.transfer_share, "La proporción de transferencias"),
                                ("difficult_share", self.difficult_share, "La proporción de clientes difíciles")):
            if not 0 <= value <= 1:
                raise bad(name, f"{es} es una fracción entre 0 y 1.", f"{name} is a fraction between 0 and 1.")
        for name, value in (("hold_seconds", self.hold_seconds), ("difficult_factor", self.difficult_factor),
                            ("answer_within_seconds", self.answer_within_seconds),
                            ("max_wait_seconds", self.max_wait_seconds),
                            ("max_call_seconds", self.max_call_seconds)):
            if not math.isfinite(value) or value < 0:
                raise bad(name, f"{name} debe ser un número desde 0.", f"{name} must be a number from 0.")
        if self.transfer_aht_seconds is not None and (not math.isfinite(self.transfer_aht_seconds)
                                                      or self.transfer_aht_seconds <= 0):
            raise bad("transfer_aht_seconds", "El tiempo tras una transferencia debe ser mayor que cero.",
                      "The time after a transfer must be greater than zero.")
        if self.labels is not None and len(self.labels) != len(self.calls):
            raise bad("labels", "Hace falta una etiqueta por intervalo.", "One label per interval is needed.")


@dataclass
class IntervalResult:
    """What happened to the calls that arrived in one interval."""

    label: str
    agents: int
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    answered_within: int = 0
    abandoned_within: int = 0  # hung up before the threshold: left out of the service level
    total_wait: float = 0.0

    @property
    def service_level(self) -> float:
        """Answered within the threshold, of the calls offered minus those that hung up before it."""
        counted = self.offered - self.abandoned_within
        return self.answered_within / counted if counted else 1.0

    @property
    def asa_seconds(self) -> float:
        return self.total_wait / self.answered if self.answered else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"interval": self.label, "agents": self.agents, "offered": self.offered, "answered": self.answered,
                "abandoned": self.abandoned, "service_level": self.service_level, "asa_seconds": self.asa_seconds}


@dataclass
class DayResult:
    """The simulated day, against the target and the policies."""

    scenario: DayScenario
    seed: int | None
    intervals: list[IntervalResult]
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    answered_within: int = 0
    abandoned_within: int = 0
    total_wait: float = 0.0
    max_wait: float = 0.0
    waits_over_max: int = 0        # PO-2: answered or abandoned after waiting longer than allowed
    calls_over_max: int = 0        # PO-1: calls (with holds) longer than allowed
    holds: int = 0
    transfers: int = 0
    difficult: int = 0
    busy_seconds: float = 0.0
    staffed_seconds: float = 0.0
    end_seconds: float = 0.0       # when the last call ended
    wait_histogram: list[int] = field(default_factory=lambda: [0] * _WAIT_BINS)
    calls_per_technician: list[int] = field(default_factory=list)

    @property
    def service_level(self) -> float:
        counted = self.offered - self.abandoned_within
        return self.answered_within / counted if counted else 1.0

    @property
    def asa_seconds(self) -> float:
        return self.total_wait / self.answered if self.answered else 0.0

    @property
    def unanswered(self) -> int:
        """Calls still waiting when the day ended with nobody on shift to answer them."""
        return self.offered - self.answered - self.abandoned

    @property
    def abandonment(self) -> float:
        return self.abandoned / self.offered if self.offered else 0.0

    @property
    def occupancy(self) -> float:
        return self.busy_seconds / self.staffed_seconds if self.staffed_seconds else 0.0

    @property
    def technicians_meeting_minimum(self) -> int:
        """PO-3: technicians who took at least the minimum number of calls."""
        return sum(1 for n in self.calls_per_technician if n >= self.scenario.min_calls_per_technician)

    def as_dict(self) -> dict[str, Any]:
        s = self.scenario
        per_tech = self.calls_per_technician
        return {
            "seed": self.seed,
            "offered": self.offered,
            "answered": self.answered,
            "abandoned": self.abandoned,
            "abandonment": self.abandonment,
            "unanswered": self.unanswered,
            "service_level": self.service_level,
            "answer_within_seconds": s.answer_within_seconds,
            "asa_seconds": self.asa_seconds,
            "max_wait_seconds": self.max_wait,
            "occupancy": self.occupancy,
            "holds": self.holds,
            "transfers": self.transfers,
            "difficult_customers": self.difficult,
            "policies": {
                "PO-1": {"max_call_seconds": s.max_call_seconds, "calls_over": self.calls_over_max},
                "PO-2": {"max_wait_seconds": s.max_wait_seconds, "waits_over": self.waits_over_max},
                "PO-3": {"min_calls_per_technician": s.min_calls_per_technician,
                         "technicians": len(per_tech),
                         "technicians_meeting": self.technicians_meeting_minimum,
                         "mean_calls_per_technician": sum(per_tech) / len(per_tech) if per_tech else 0.0},
            },
            "wait_histogram": {"bin_seconds": WAIT_BIN_SECONDS, "counts": list(self.wait_histogram)},
            "intervals": [i.as_dict() for i in self.intervals],
        }

    def text(self, language: str = "es") -> str:
        en = language.startswith("en")
        s = self.scenario
        d = self.as_dict()
        po3 = d["policies"]["PO-3"]
        pct = f"{self.service_level * 100:.1f} %"
        if en:
            lines = [
                f"Calls offered: {self.offered}; answered: {self.answered}; abandoned: {self.abandoned} "
                f"({self.abandonment * 100:.1f} %).",
                f"Service level: {pct} answered within {s.answer_within_seconds:g} s; average speed of answer "
                f"{self.asa_seconds:.1f} s; longest wait {self.max_wait:.0f} s.",
                f"Occupancy: {self.occupancy * 100:.1f} %. Holds: {self.holds}; transfers: {self.transfers}; "
                f"difficult customers: {self.difficult}.",
                f"PO-2 (wait at most {s.max_wait_seconds:g} s): {self.waits_over_max} calls waited longer.",
                f"PO-1 (call at most {s.max_call_seconds:g} s): {self.calls_over_max} calls were longer.",
                f"PO-3 (at least {s.min_calls_per_technician} calls per technician): {po3['technicians_meeting']} of "
                f"{po3['technicians']} technicians; {po3['mean_calls_per_technician']:.1f} calls on average.",
            ]
        else:
            lines = [
                f"Llamadas ofrecidas: {self.offered}; atendidas: {self.answered}; abandonadas: {self.abandoned} "
                f"({self.abandonment * 100:.1f} %).",
                f"Nivel de servicio: {pct} atendidas en {s.answer_within_seconds:g} s; tiempo medio de espera "
                f"{self.asa_seconds:.1f} s; espera más larga {self.max_wait:.0f} s.",
                f"Ocupación: {self.occupancy * 100:.1f} %. Esperas en línea: {self.holds}; transferencias: "
                f"{self.transfers}; clientes difíciles: {self.difficult}.",
                f"PO-2 (esperar como mucho {s.max_wait_seconds:g} s): {self.waits_over_max} llamadas esperaron más.",
                f"PO-1 (llamada de como mucho {s.max_call_seconds:g} s): {self.calls_over_max} llamadas duraron más.",
                f"PO-3 (al menos {s.min_calls_per_technician} llamadas por técnico): {po3['technicians_meeting']} de "
                f"{po3['technicians']} técnicos; {po3['mean_calls_per_technician']:.1f} llamadas de media.",
            ]
        lines.append("")
        lines += charts.text_bars([i.label for i in self.intervals],
                                  [i.service_level * 100 for i in self.intervals], width=30, top=100,
                                  suffix=" %")
        return "\n".join(lines)

    def waits_chart_svg(self, language: str = "es") -> str:
        en = language.startswith("en")
        edges = [i * WAIT_BIN_SECONDS for i in range(_WAIT_BINS)]
        return charts.histogram("Waits of answered calls" if en else "Esperas de las llamadas atendidas",
                                edges, self.wait_histogram, y_label="calls" if en else "llamadas",
                                x_label="wait" if en else "espera")

    def service_level_chart_svg(self, language: str = "es") -> str:
        en = language.startswith("en")
        s = self.scenario
        threshold = f"{s.answer_within_seconds:g} s"
        return charts.line_chart(
            f"Service level per interval (answered within {threshold})" if en
            else f"Nivel de servicio por intervalo (atendidas en {threshold})",
            [i.label for i in self.intervals], [i.service_level for i in self.intervals],
            y_label="service level" if en else "nivel de servicio", percent=True,
            x_label="interval" if en else "intervalo",
        )


def simulate_day(scenario: DayScenario, *, seed: int | None = None, progress: Progress | None = None) -> DayResult:
    """Simulate one day; the same scenario and seed always give the same result.

    ``progress(done, total)`` is called now and then with simulated seconds so
    far and the length of the day (see :class:`~atiende.staffing.charts.ProgressBar`).
    """
    scenario.validate()
    rng = random.Random(seed)
    expo = rng.expovariate
    uniform = rng.random
    n_intervals = len(scenario.calls)
    interval = float(scenario.interval_seconds)
    day_end = n_intervals * interval
    labels = list(scenario.labels) if scenario.labels is not None else [
        f"{i * interval / 3600:g}h" for i in range(n_intervals)]
    result = DayResult(scenario, seed, [IntervalResult(labels[i], scenario.agents[i]) for i in range(n_intervals)])
    per_interval = result.intervals
    threshold = scenario.answer_within_seconds
    max_wait = scenario.max_wait_seconds
    hist = result.wait_histogram
    last_bin = _WAIT_BINS - 1

    aht = scenario.aht_seconds
    if scenario.handle_time == "lognormal":
        sigma = math.sqrt(math.log(1 + scenario.handle_cv ** 2))
        mu = math.log(aht) - sigma * sigma / 2
        lognorm = rng.lognormvariate

        def handle() -> float:
            return lognorm(mu, sigma)
    else:
        rate = 1.0 / aht

        def handle() -> float:
            return expo(rate)

    patience_rate = 1.0 / scenario.patience_seconds if scenario.patience_seconds else 0.0
    hold_share, hold_rate = scenario.hold_share, 1.0 / scenario.hold_seconds if scenario.hold_seconds else 0.0
    transfer_share = scenario.transfer_share
    transfer_rate = 1.0 / (scenario.transfer_aht_seconds or aht)
    difficult_share, difficult_factor = scenario.difficult_share, scenario.difficult_factor
    max_call = scenario.max_call_seconds

    events: list[tuple[float, int, int, int]] = []  # (time, kind, sequence, payload)
    push, pop = heapq.heappush, heapq.heappop
    seq = 0

    # Per call: arrival time, interval of arrival, state (0 waiting, 1 answered,
    # 2 abandoned), and for a transferred call the technician it comes from.
    arrival_time: list[float] = []
    arrival_interval: list[int] = []
    state: list[int] = []
    transfer_from: dict[int, int] = {}
    queue: deque[int] = deque()           # new calls, first come first served
    transfer_queue: deque[int] = deque()  # transferred calls go ahead of new ones (TR)

    free: deque[int] = deque()            # idle technicians, longest idle first
    off: list[int] = []                   # technicians off shift now, ready to come back
    handled: list[int] = []               # calls answered per technician (PO-3)
    busy_since: dict[int, float] = {}
    leaving = 0                           # busy technicians who leave when their call ends
    on_shift = 0
    last_change = 0.0

    def account(now: float) -> None:
        nonlocal last_change
        result.staffed_seconds += on_shift * (now - last_change)
        last_change = now

    for i in range(n_intervals):
        push(events, (i * interval, _SHIFT, seq, i))
        seq += 1

    def next_arrival(now: float) -> tuple[float, int] | None:
        # Piecewise-constant rate: draw in the current interval; past its end,
        # start again at the next boundary (exact for a Poisson process).
        i = int(now // interval)
        while i < n_intervals:
            mean = scenario.calls[i]
            if mean > 0:
                t = now + expo(mean / interval)
                if t < (i + 1) * interval:
                    return t, i
            i += 1
            now = i * interval
        return None

    def start_call(call: int, agent: int, now: float) -> None:
        nonlocal seq
        handled[agent] += 1
        busy_since[agent] = now
        if call in transfer_from:
            # The second part of a transferred call, with another technician.
            del transfer_from[call]
            push(events, (now + expo(transfer_rate), _END, seq, _encode(agent, call)))
            seq += 1
            return
        wait = now - arrival_time[call]
        state[call] = 1
        row = per_interval[arrival_interval[call]]
        row.answered += 1
        row.total_wait += wait
        if wait <= threshold:
            row.answered_within += 1
        if wait > max_wait:
            result.waits_over_max += 1
        if wait > result.max_wait:
            result.max_wait = wait
        b = int(wait // WAIT_BIN_SECONDS)
        hist[b if b < last_bin else last_bin] += 1
        talk = handle()
        if difficult_share and uniform() < difficult_share:
            result.difficult += 1
            talk *= difficult_factor
        if hold_share and uniform() < hold_share:
            result.holds += 1  # HO: the technician stays with the call while it is on hold
            talk += expo(hold_rate) if hold_rate else 0.0
        if talk > max_call:
            result.calls_over_max += 1
        ends = call
        if transfer_share and uniform() < transfer_share:
            result.transfers += 1
            ends = -call - 1  # negative: this part ends in a transfer
        push(events, (now + talk, _END, seq, _encode(agent, ends)))
        seq += 1

    def serve_waiting(now: float) -> None:
        while free:
            if transfer_queue:
                # PO-4/TR: a transferred call goes to a technician other than the one it comes from.
                found = next(((c, a) for a in free for c in transfer_queue if transfer_from[c] != a), None)
                if found is not None:
                    call, agent = found
                    transfer_queue.remove(call)
                    free.remove(agent)
                    start_call(call, agent, now)
                    continue
            while queue and state[queue[0]] != 0:
                queue.popleft()  # hung up while waiting
            if not queue:
                return
            start_call(queue.popleft(), free.popleft(), now)

    first = next_arrival(0.0)
    if first is not None:
        push(events, (first[0], _ARRIVAL, seq, first[1]))
        seq += 1
    report_every = max(1, int(sum(scenario.calls) // 200))
    next_report = report_every

    now = 0.0
    while events:
        now, kind, _seq, payload = pop(events)
        if kind == _ARRIVAL:
            call = len(arrival_time)
            arrival_time.append(now)
            arrival_interval.append(payload)
            state.append(0)
            per_interval[payload].offered += 1
            queue.append(call)
            if free:
                serve_waiting(now)
            if patience_rate and state[call] == 0:
                push(events, (now + expo(patience_rate), _ABANDON, seq, call))
                seq += 1
            following = next_arrival(now)
            if following is not None:
                push(events, (following[0], _ARRIVAL, seq, following[1]))
                seq += 1
            if progress is not None and call + 1 >= next_report:
                next_report += report_every
                progress(int(min(now, day_end)), int(day_end))
        elif kind == _END:
            agent, ends = _decode(payload)
            result.busy_seconds += now - busy_since.pop(agent)
            if ends < 0:
                call = -ends - 1
                transfer_from[call] = agent
                transfer_queue.append(call)
            if leaving:
                account(now)
                leaving -= 1
                on_shift -= 1
                off.append(agent)
            else:
                free.append(agent)
            serve_waiting(now)
        elif kind == _ABANDON:
            call = payload
            if state[call] == 0:
                state[call] = 2
                wait = now - arrival_time[call]
                row = per_interval[arrival_interval[call]]
                row.abandoned += 1
                if wait <= threshold:
                    row.abandoned_within += 1
                if wait > max_wait:
                    result.waits_over_max += 1
        else:  # _SHIFT: the number of technicians changes at the start of an interval
            account(now)
            change = scenario.agents[payload] - (on_shift - leaving)
            if change > 0:
                # Technicians about to leave stay instead; then others come on shift.
                stay = min(leaving, change)
                leaving -= stay
                for _ in range(change - stay):
                    if off:
                        agent = off.pop()
                    else:
                        agent = len(handled)
                        handled.append(0)
                    free.append(agent)
                    on_shift += 1
                serve_waiting(now)
            else:
                for _ in range(-change):
                    if free:
                        off.append(free.pop())  # the most recently idle leaves first
                        on_shift -= 1
                    else:
                        leaving += 1  # leaves after the call in progress
    # After the day, the last interval's technicians finish the calls still in the system.
    result.end_seconds = max(now, day_end)
    account(result.end_seconds)
    for row in per_interval:
        result.offered += row.offered
        result.answered += row.answered
        result.abandoned += row.abandoned
        result.answered_within += row.answered_within
        result.abandoned_within += row.abandoned_within
        result.total_wait += row.total_wait
    result.calls_per_technician = handled
    if progress is not None:
        progress(int(day_end), int(day_end))
    return result


# An end event carries the technician and the call in one int: the call part
# is negative when the call continues with another technician.
_SHIFT_BITS = 32


def _encode(agent: int, call: int) -> int:
    return (call << _SHIFT_BITS) | agent


def _decode(payload: int) -> tuple[int, int]:
    return payload & ((1 << _SHIFT_BITS) - 1), payload >> _SHIFT_BITS
