"""Business hours and holidays of a team, in its own time zone (pure: no Django).

A :class:`BusinessCalendar` says when a team's service-level clock runs: the open
hours of each weekday as local wall-clock minutes (``(540, 1080)`` is 09:00 to
18:00; ``1440`` is the end of the day), the holidays (local dates, closed all day)
and an IANA time zone read with :mod:`zoneinfo`. Daylight-saving changes are the
time zone's business: an open interval is turned into UTC instants day by day, so
the day the clocks go forward has one hour less of 02:00-03:00 and the day they
go back has one more, exactly as a person at the desk lives them.

Every instant given or returned is timezone-aware; naive datetimes are refused
(a naive time has no single meaning once time zones differ).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY_MINUTES = 24 * 60
# How far add_business_seconds looks before deciding the calendar never opens.
SEARCH_DAYS = 3 * 366

Hours = tuple[tuple[int, int], ...]


class CalendarError(ValueError):
    """A calendar that cannot be used: an unknown time zone, hours out of range, never open."""


def _aware(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise CalendarError(f"{name} must be timezone-aware, got {moment!r}")
    return moment


def zone(name: str) -> ZoneInfo:
    """The IANA time zone called ``name``; :class:`CalendarError` when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CalendarError(f"unknown time zone: {name!r}") from exc


def _clean_hours(hours: Iterable[tuple[int, int]]) -> Hours:
    cleaned: list[tuple[int, int]] = []
    for start, end in hours:
        if not (isinstance(start, int) and isinstance(end, int)) or not 0 <= start < end <= DAY_MINUTES:
            raise CalendarError(f"open hours must be minutes with 0 <= start < end <= 1440, got {(start, end)!r}")
        cleaned.append((start, end))
    cleaned.sort()
    merged: list[tuple[int, int]] = []
    for start, end in cleaned:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


@dataclass(frozen=True)
class BusinessCalendar:
    """When the clock runs. ``hours[weekday]`` (Monday is 0) lists the open intervals of that day."""

    time_zone: str = "UTC"
    hours: Mapping[int, Hours] = field(default_factory=lambda: {d: ((0, DAY_MINUTES),) for d in range(7)})
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        zone(self.time_zone)
        cleaned = {}
        for weekday, intervals in self.hours.items():
            if weekday not in range(7):
                raise CalendarError(f"weekday must be 0 (Monday) to 6 (Sunday), got {weekday!r}")
            cleaned[weekday] = _clean_hours(intervals)
        object.__setattr__(self, "hours", cleaned)
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        if not any(cleaned.values()):
            raise CalendarError("the calendar is never open: give at least one weekday some open hours")

    @classmethod
    def always_open(cls, time_zone: str = "UTC") -> BusinessCalendar:
        """24 hours a day, 7 days a week, no holidays: business time is wall-clock time."""
        return cls(time_zone=time_zone)

    @classmethod
    def weekdays(cls, start: int = 9 * 60, end: int = 18 * 60, *, time_zone: str = "UTC",
                 holidays: Iterable[date] = ()) -> BusinessCalendar:
        """Monday to Friday, the same hours each day."""
        return cls(time_zone=time_zone, hours={d: ((start, end),) for d in range(5)}, holidays=frozenset(holidays))

    # ---- the open intervals as instants ---------------------------------------
    def _day_intervals(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        if day in self.holidays:
            return
        tz = zone(self.time_zone)
        for start, end in self.hours.get(day.weekday(), ()):
            opens = _local(day, start, tz)
            closes = _local(day, end, tz)
            if closes > opens:
                yield opens, closes

    def open_intervals(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The open intervals between ``start`` and ``end``, clipped to them, in order, in UTC."""
        start = _aware(start, "start").astimezone(UTC)
        end = _aware(end, "end").astimezone(UTC)
        if end <= start:
            return
        tz = zone(self.time_zone)
        day = start.astimezone(tz).date() - timedelta(days=1)  # a late interval of the day before may reach in
        last = end.astimezone(tz).date()
        while day <= last:
            for opens, closes in self._day_intervals(day):
                low, high = max(opens, start), min(closes, end)
                if high > low:
                    yield low, high
            day += timedelta(days=1)

    def business_seconds(self, start: datetime, end: datetime) -> float:
        """Seconds the calendar is open between two instants (0 when ``end`` is not after ``start``)."""
        return sum((high - low).total_seconds() for low, high in self.open_intervals(start, end))

    def intervals_from(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The open intervals from ``start`` on, without end (stops after :data:`SEARCH_DAYS` days)."""
        start = _aware(start, "start").astimezone(UTC)
        tz = zone(self.time_zone)
        day = start.astimezone(tz).date() - timedelta(days=1)
        for _ in range(SEARCH_DAYS):
            for opens, closes in self._day_intervals(day):
                if closes > start:
                    yield max(opens, start), closes
            day += timedelta(days=1)

    def add_business_seconds(self, start: datetime, seconds: float) -> datetime:
        """The instant when ``seconds`` of open time have passed since ``start``."""
        if seconds < 0:
            raise CalendarError("seconds must not be negative")
        left = seconds
        for low, high in self.intervals_from(start):
            span = (high - low).total_seconds()
            if left <= span:
                return low + timedelta(seconds=left)
            left -= span
        raise CalendarError(f"the calendar does not open enough in {SEARCH_DAYS} days (holidays everywhere?)")


def _local(day: date, minute: int, tz: ZoneInfo) -> datetime:
    """Local ``minute`` of ``day`` as a UTC instant; 1440 is the next midnight.

    A wall time that does not exist (inside a spring-forward gap) is read as zoneinfo
    does, with ``fold=0`` (the offset before the change): 02:30 on the day clocks jump
    from 02:00 to 03:00 becomes 03:30, so no open time is invented.
    """
    if minute >= DAY_MINUTES:
        day, minute = day + timedelta(days=1), minute - DAY_MINUTES
    wall = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz)
    return wall.astimezone(UTC)


def parse_hours(text: str) -> Hours:
    """``"09:00-14:00, 15:00-18:00"`` as minutes; ``""`` is closed. ``24:00`` ends the day."""
    intervals: list[tuple[int, int]] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            low, high = (piece.strip() for piece in part.split("-"))
            intervals.append((_minute(low), _minute(high)))
        except ValueError as exc:
            raise CalendarError(f"open hours look like 09:00-18:00, got {part!r}") from exc
    return _clean_hours(intervals)


def _minute(text: str) -> int:
    hours, minutes = text.split(":")
    value = int(hours) * 60 + int(minutes)
    if not (0 <= int(minutes) < 60 and 0 <= value <= DAY_MINUTES):
        raise ValueError(text)
    return value


def format_hours(hours: Hours) -> str:
    return ", ".join(f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}" for s, e in hours)
