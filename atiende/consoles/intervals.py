"""Today's intraday figures per half hour: pure arithmetic, no database (the selector feeds it).

Every inbound call counts in the half hour it arrived (local time of the desk),
except its handle time, which counts in the half hour it ended:

* offered: it arrived; answered: a technician picked it up (whenever that was);
  abandoned: the caller hung up before an answer;
* service level (PO-2): the share of calls answered within their queue's (or
  organisation's) maximum wait. A call answered within the limit meets it; one
  answered later, abandoned after the limit, or still waiting past it misses it.
  A caller who hung up before the limit, or who is still waiting within it, is
  neither: nothing could have been met or missed yet. No such call: no figure;
* target: the service-level target of those same counted calls (their policy's
  ``service_level_target``), weighted by how many each queue counted: if every
  queue met exactly its own target, the service level would be exactly this;
* ASA: the mean wait of the answered calls (arrival to answer);
* AHT: the mean handle time (answer to the end of the wrap-up: talk, holds and
  wrap-up) of the calls whose wrap-up **ended** in the half hour, as contact
  centers usually report it: a call answered at 09:55 and finished at 10:07
  adds its 12 minutes to 10:00, where the work was done and over, not to 09:30.

Outbound calls never wait in a queue: they are counted apart (``outbound``) and
in none of the figures above.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

INTERVAL = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class Call:
    """One call of today (or one of yesterday that ended today), as the figures need it."""

    arrived_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None  # end of the wrap-up, or the moment the caller gave up
    abandoned: bool
    max_wait_seconds: float  # PO-2 for its queue and organisation
    target: float  # the service-level target of its queue and organisation (a share, PO-2)
    inbound: bool = True


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
    target_sum: float = 0.0  # the targets of the counted calls
    outbound: int = 0  # outbound calls placed (not offered: they never wait in a queue)
    outbound_answered: int = 0  # of those, the ones the other end picked up
    waits: list[float] = field(default_factory=list)  # of the answered calls
    handles: list[float] = field(default_factory=list)  # of the calls whose wrap-up ended

    def add(self, call: Call, moment: datetime) -> None:
        """The call arrived in this interval: everything but its handle time (see ``add_handle``)."""
        if not call.inbound:
            self.outbound += 1
            self.outbound_answered += call.answered_at is not None
            return
        self.offered += 1
        if call.answered_at is not None:
            self.answered += 1
            waited = (call.answered_at - call.arrived_at).total_seconds()
            self.waits.append(max(0.0, waited))
            self._count(call, met=waited <= call.max_wait_seconds)
            return
        if call.abandoned:
            self.abandoned += 1
        end = call.ended_at if call.abandoned and call.ended_at is not None else moment
        if (end - call.arrived_at).total_seconds() > call.max_wait_seconds:
            self._count(call, met=False)  # abandoned after the limit, or still waiting past it: missed

    def _count(self, call: Call, *, met: bool) -> None:
        self.counted += 1
        self.met += met
        self.target_sum += call.target

    def add_handle(self, call: Call) -> None:
        """The call's wrap-up ended in this interval: its handle time counts here."""
        if call.inbound and call.answered_at is not None and call.ended_at is not None:
            self.handles.append(max(0.0, (call.ended_at - call.answered_at).total_seconds()))

    @property
    def waiting(self) -> int:
        """Offered, neither answered nor abandoned yet (in the queue or ringing)."""
        return self.offered - self.answered - self.abandoned

    @property
    def service_level(self) -> float | None:
        return round(self.met / self.counted, 4) if self.counted else None

    @property
    def target(self) -> float | None:
        return round(self.target_sum / self.counted, 4) if self.counted else None

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
            "service_level": self.service_level, "target": self.target,
            "asa_seconds": self.asa_seconds, "aht_seconds": self.aht_seconds, "handled": len(self.handles),
            "outbound": self.outbound, "outbound_answered": self.outbound_answered,
        }


def bucket(calls: Iterable[Call], *, day_start: datetime, moment: datetime, zone: tzinfo,
           step: timedelta = INTERVAL) -> tuple[list[Interval], Interval]:
    """Today's intervals from the first one with a call (or the current one) up to the current one, and the day.

    ``day_start`` is local midnight; intervals are steps of real time from it, labelled in ``zone``
    (on a daylight-saving day a label may be skipped or repeat, as the clocks did). A call counts in the
    interval it arrived in, and its handle time in the interval its wrap-up ended in; an arrival, or an
    end, before ``day_start`` or after ``moment`` is not counted (a call of yesterday that ended today
    adds its handle time to today, and nothing else).
    """
    day_start, moment = day_start.astimezone(UTC), moment.astimezone(UTC)  # real time, not wall-clock arithmetic
    current = max(0, int((moment - day_start) / step))
    first = current

    def index_of(when: datetime | None) -> int | None:
        if when is None or when < day_start or when > moment:
            return None
        return min(current, int((when - day_start) / step))

    arrivals: dict[int, list[Call]] = {}
    ends: dict[int, list[Call]] = {}
    for call in calls:
        arrived = index_of(call.arrived_at)
        if arrived is not None:
            arrivals.setdefault(arrived, []).append(call)
            first = min(first, arrived)
        ended = index_of(call.ended_at) if call.inbound and call.answered_at is not None else None
        if ended is not None:
            ends.setdefault(ended, []).append(call)
            first = min(first, ended)
    day = Interval(start=day_start, end=moment, label=day_start.astimezone(zone).strftime("%Y-%m-%d"))
    intervals = []
    for index in range(first, current + 1):
        start = day_start + index * step
        interval = Interval(start=start, end=start + step, label=start.astimezone(zone).strftime("%H:%M"),
                            current=index == current)
        for call in arrivals.get(index, ()):
            interval.add(call, moment)
            day.add(call, moment)
        for call in ends.get(index, ()):
            interval.add_handle(call)
            day.add_handle(call)
        intervals.append(interval)
    return intervals, day
