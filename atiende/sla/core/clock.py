"""Service-level clocks of a work order: first response and resolution (pure: no Django).

Two clocks start when the work order is opened, and count only the team's open
hours (:class:`~atiende.sla.core.calendar.BusinessCalendar`):

- **first response**: stops at the help desk's first public reply to the customer.
  It never pauses: the help desk owes the first word.
- **resolution**: stops when the work order is closed. It pauses while the help
  desk waits for the customer (a public reply asked them something; their answer
  resumes it) and while the work order is closed (a reopened work order goes on
  from where it stopped, the days it stayed closed do not count).

Each clock ends up ``met`` (stopped within its target), ``breached`` (its target
passed, stopped or not), or while it runs ``running``, ``warning`` (at least
:data:`WARNING_FRACTION` of the target used) or ``paused``. ``due_at`` is the
instant the target is reached if nothing pauses it again: known for a running
clock, the past instant of the breach for a breached one, unknown (``None``)
while paused (it depends on when the customer answers).

Everything is computed from the facts (:class:`Facts`) and ``now``, so the same
facts always give the same answer; the Django side stores the facts and the
instants to act on (``warn_at``, ``due_at``), nothing derived twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from atiende.sla.core.calendar import BusinessCalendar

# SLA warning: a clock that has used 80 % of its target warns its people before the breach.
WARNING_FRACTION = 0.8


class ClockState(StrEnum):
    NONE = "none"  # no target for this clock
    RUNNING = "running"
    WARNING = "warning"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"


@dataclass(frozen=True)
class Targets:
    """Targets in business minutes; ``None``: no target for that clock."""

    first_response_minutes: int | None = None
    resolution_minutes: int | None = None


Pause = tuple[datetime, datetime | None]


@dataclass(frozen=True)
class Facts:
    """What happened to a work order, as the clocks need it. ``pauses``: (start, end or None if open)."""

    started_at: datetime
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    pauses: tuple[Pause, ...] = ()


@dataclass(frozen=True)
class Clock:
    state: ClockState
    target_seconds: float | None
    elapsed_seconds: float  # business seconds counted so far (or until it stopped)
    due_at: datetime | None  # when the target is reached (None: no target, or paused)
    warn_at: datetime | None  # when WARNING_FRACTION of it is used (None: no target, or paused)
    stopped_at: datetime | None

    @property
    def breached(self) -> bool:
        return self.state == ClockState.BREACHED

    @property
    def remaining_seconds(self) -> float | None:
        return None if self.target_seconds is None else self.target_seconds - self.elapsed_seconds

    @property
    def used_fraction(self) -> float | None:
        if not self.target_seconds:
            return None
        return self.elapsed_seconds / self.target_seconds

    def to_json(self) -> dict[str, object]:
        return {
            "state": self.state.value, "target_seconds": self.target_seconds,
            "elapsed_seconds": round(self.elapsed_seconds, 3),
            "due_at": _iso(self.due_at), "warn_at": _iso(self.warn_at), "stopped_at": _iso(self.stopped_at),
        }


@dataclass(frozen=True)
class Status:
    first_response: Clock
    resolution: Clock

    @property
    def paused(self) -> bool:
        return self.resolution.state == ClockState.PAUSED

    @property
    def breached(self) -> bool:
        return self.first_response.breached or self.resolution.breached

    @property
    def warning(self) -> bool:
        return ClockState.WARNING in (self.first_response.state, self.resolution.state)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def merge_pauses(pauses: Iterable[Pause], *, after: datetime) -> list[Pause]:
    """Pauses in order, overlapping ones joined, clipped to start no earlier than ``after``."""
    far = datetime.max.replace(tzinfo=UTC)
    spans = sorted(((max(start, after), end) for start, end in pauses), key=lambda p: p[0])
    merged: list[Pause] = []
    for start, end in spans:
        if end is not None and end <= start:
            continue
        if merged and start <= (merged[-1][1] or far):
            last_end = merged[-1][1]
            new_end = None if end is None or last_end is None else max(last_end, end)
            merged[-1] = (merged[-1][0], new_end)
        else:
            merged.append((start, end))
    return merged


def active_intervals(calendar: BusinessCalendar, started_at: datetime,
                     pauses: Sequence[Pause] = ()) -> Iterator[tuple[datetime, datetime]]:
    """The instants the clock runs, from ``started_at`` on: open hours minus the pauses."""
    merged = merge_pauses(pauses, after=started_at)
    index = 0
    for low, high in calendar.intervals_from(started_at):
        while low < high:
            while index < len(merged) and merged[index][1] is not None and merged[index][1] <= low:  # type: ignore[operator]
                index += 1
            if index == len(merged):
                yield low, high
                break
            pause_start, pause_end = merged[index]
            if pause_start >= high:
                yield low, high
                break
            if pause_start > low:
                yield low, pause_start
            if pause_end is None:
                return  # paused for good (until the facts change)
            low = max(low, pause_end)


def elapsed(calendar: BusinessCalendar, started_at: datetime, until: datetime,
            pauses: Sequence[Pause] = ()) -> float:
    """Business seconds the clock ran between ``started_at`` and ``until``."""
    total = 0.0
    for low, high in active_intervals(calendar, started_at, pauses):
        if low >= until:
            break
        total += (min(high, until) - low).total_seconds()
    return total


def moment_reaching(calendar: BusinessCalendar, started_at: datetime, seconds: float,
                    pauses: Sequence[Pause] = ()) -> datetime | None:
    """When the clock has run ``seconds``; ``None`` if a pause still open stops it before."""
    left = seconds
    for low, high in active_intervals(calendar, started_at, pauses):
        span = (high - low).total_seconds()
        if left <= span:
            return low + timedelta(seconds=left)
        left -= span
    return None


def _clock(calendar: BusinessCalendar, started_at: datetime, target_minutes: int | None,
           stopped_at: datetime | None, pauses: Sequence[Pause], now: datetime) -> Clock:
    until = now if stopped_at is None or stopped_at > now else stopped_at
    used = elapsed(calendar, started_at, until, pauses)
    if target_minutes is None:
        return Clock(ClockState.NONE, None, used, None, None, stopped_at)
    target = float(target_minutes) * 60
    due_at = moment_reaching(calendar, started_at, target, pauses)
    warn_at = moment_reaching(calendar, started_at, target * WARNING_FRACTION, pauses)
    if stopped_at is not None and stopped_at <= now:
        state = ClockState.MET if used <= target else ClockState.BREACHED
        return Clock(state, target, used, due_at, warn_at, stopped_at)
    if used >= target:
        state = ClockState.BREACHED
    elif _paused_at(pauses, now):
        state = ClockState.PAUSED
    elif used >= target * WARNING_FRACTION:
        state = ClockState.WARNING
    else:
        state = ClockState.RUNNING
    return Clock(state, target, used, due_at, warn_at, None)


def _paused_at(pauses: Sequence[Pause], now: datetime) -> bool:
    return any(start <= now and (end is None or end > now) for start, end in pauses)


def evaluate(targets: Targets, calendar: BusinessCalendar, facts: Facts, now: datetime) -> Status:
    """Both clocks of a work order at ``now``."""
    first = _clock(calendar, facts.started_at, targets.first_response_minutes, facts.first_response_at, (), now)
    resolution = _clock(calendar, facts.started_at, targets.resolution_minutes, facts.resolved_at,
                        facts.pauses, now)
    return Status(first, resolution)
