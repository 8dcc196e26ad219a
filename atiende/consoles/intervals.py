"""Today's intraday figures per half hour: pure arithmetic, no database (the selector feeds it).

Every inbound call counts in the half hour it arrived (local time of the desk):

* offered: it arrived; answered: a technician picked it up (whenever that was);
  abandoned: the caller hung up before an answer;
* service level (PO-2): the share of calls answered within their queue's (or
  organisation's) maximum wait. A call answered within the limit meets it; one
  answered later, abandoned after the limit, or still waiting past it misses it.
  A caller who hung up before the limit, or who is still waiting within it, is
  neither: nothing could have been met or missed yet. No such call: no figure;
* ASA: the mean wait of the answered calls (arrival to answer);
* AHT: the mean handle time of the calls whose wrap-up has ended (answer to the
  end of the wrap-up: talk, holds and wrap-up).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

INTERVAL = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class Call:
    """One inbound call of today, as the figures need it."""

    arrived_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None  # end of the wrap-up, or the moment the caller gave up
    abandoned: bool
    max_wait_seconds: float  # PO-2 for its queue and organisation


@dataclass(slots=True)
class Interval:
    start: datetime
    end: datetime
    label: str  # local "HH:MM" of the start
    current: bool = False
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    met: int = 0  # answered within the limit
    counted: int = 0  # met or missed (see the module's note)
    waits: list[float] = field(default_factory=list)  # of the answered calls
    handles: list[float] = field(default_factory=list)  # of the calls whose wrap-up ended

    def add(self, call: Call, moment: datetime) -> None:
        self.offered += 1
        if call.answered_at is not None:
            self.answered += 1
            waited = (call.answered_at - call.arrived_at).total_seconds()
            self.waits.append(max(0.0, waited))
            self.counted += 1
            if waited <= call.max_wait_seconds:
                self.met += 1
            if call.ended_at is not None:
                self.handles.append(max(0.0, (call.ended_at - call.answered_at).total_seconds()))
            return
        if call.abandoned:
            self.abandoned += 1
        end = call.ended_at if call.abandoned and call.ended_at is not None else moment
        if (end - call.arrived_at).total_seconds() > call.max_wait_seconds:
            self.counted += 1  # abandoned after the limit, or still waiting past it: missed

    @property
    def waiting(self) -> int:
        """Offered, neither answered nor abandoned yet (in the queue or ringing)."""
        return self.offered - self.answered - self.abandoned

    @property
    def service_level(self) -> float | None:
        return round(self.met / self.counted, 4) if self.counted else None

    @property
    def asa_seconds(self) -> float | None:
        return round(sum(self.waits) / len(self.waits), 1) if self.waits else None

    @property
    def aht_seconds(self) -> float | None:
        return round(sum(self.handles) / len(self.handles), 1) if self.handles else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start, "end": self.end, "label": self.label, "current": self.current,
            "offered": self.offered, "answered": self.answered, "abandoned": self.abandoned,
            "waiting": self.waiting, "met": self.met, "counted": self.counted,
            "service_level": self.service_level, "asa_seconds": self.asa_seconds, "aht_seconds": self.aht_seconds,
        }


def bucket(calls: Iterable[Call], *, day_start: datetime, moment: datetime, zone: tzinfo,
           step: timedelta = INTERVAL) -> tuple[list[Interval], Interval]:
    """Today's intervals from the first one with a call (or the current one) up to the current one, and the day.

    ``day_start`` is local midnight; intervals are steps of real time from it, labelled in ``zone``
    (on a daylight-saving day a label may be skipped or repeat, as the clocks did). A call that
    arrived before ``day_start`` or after ``moment`` is not counted.
    """
    day_start, moment = day_start.astimezone(UTC), moment.astimezone(UTC)  # real time, not wall-clock arithmetic
    current = max(0, int((moment - day_start) / step))
    first = current
    by_index: dict[int, list[Call]] = {}
    for call in calls:
        if call.arrived_at < day_start or call.arrived_at > moment:
            continue
        index = min(current, int((call.arrived_at - day_start) / step))
        by_index.setdefault(index, []).append(call)
        first = min(first, index)
    day = Interval(start=day_start, end=moment, label=day_start.astimezone(zone).strftime("%Y-%m-%d"))
    intervals = []
    for index in range(first, current + 1):
        start = day_start + index * step
        interval = Interval(start=start, end=start + step, label=start.astimezone(zone).strftime("%H:%M"),
                            current=index == current)
        for call in by_index.get(index, ()):
            interval.add(call, moment)
            day.add(call, moment)
        intervals.append(interval)
    return intervals, day
