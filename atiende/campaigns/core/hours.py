"""Calling hours in the customer's time zone (CH-PRO), and where that time zone comes from.

A campaign calls between ``start`` and ``end`` local time on the allowed weekdays *of the
person called*, never of the contact center: a customer in Canarias is an hour behind
Madrid, one in Mexico City seven or eight, depending on the season. Local times are
read through :mod:`zoneinfo`, so daylight-saving changes move the window with the
clock on the wall (09:00 in Madrid is 08:00 UTC in winter, 07:00 UTC in summer).

Where the zone comes from, first found wins (:func:`zones_for`):

1. the customer's own time zone (their record);
2. their organisation's time zone;
3. the zones of the phone number's country or area, by libphonenumber's metadata
   (``+34 922`` is Canarias, ``+34 91`` Madrid; a mobile ``+34 6..`` may be either);
4. the contact center's own zone.

A number that may be in several zones (a Spanish mobile: Madrid or Canarias; a US
number of an unknown area) is called only when it is within hours **in every one of
them**: nobody is woken up because their mobile does not say which island they are on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import phonenumbers
from phonenumbers import timezone as number_zones

WEEKDAYS = frozenset(range(5))  # Monday (0) to Friday (4)
SOURCES = ("customer", "organisation", "number", "center")
_LOOK_AHEAD_DAYS = 15  # two weeks and a day: any window with at least one weekday opens within it


@dataclass(frozen=True)
class CallingHours:
    """The local window a campaign may call in: ``start``..``end`` (end excluded) on ``days`` (0 = Monday)."""

    start: time = time(9, 0)
    end: time = time(20, 0)
    days: frozenset[int] = field(default=WEEKDAYS)

    def __post_init__(self) -> None:
        if self.start >= self.end:
            raise ValueError("calling hours must start before they end")
        if not self.days or not self.days <= frozenset(range(7)):
            raise ValueError("calling days are weekdays 0 (Monday) to 6 (Sunday), at least one")

    def open_in(self, moment: datetime, zone: str) -> bool:
        """Whether ``moment`` (aware) falls within the window on the wall clock of ``zone``."""
        local = moment.astimezone(ZoneInfo(zone))
        return local.weekday() in self.days and self.start <= local.time().replace(tzinfo=None) < self.end

    def allows(self, moment: datetime, zones: Iterable[str]) -> bool:
        """Within hours in every zone the person may be in (see the module)."""
        return all(self.open_in(moment, zone) for zone in zones)

    def next_opening(self, moment: datetime, zones: Iterable[str]) -> datetime | None:
        """The first instant at or after ``moment`` that :meth:`allows`; None if none within two weeks.

        Where windows of several zones overlap, the overlap starts when the last of them opens,
        so the candidates are ``moment`` itself and each zone's local openings (DST included).
        """
        zone_list = tuple(zones)
        if self.allows(moment, zone_list):
            return moment
        candidates: list[datetime] = []
        for zone in zone_list:
            tz = ZoneInfo(zone)
            first_day = moment.astimezone(tz).date()
            for offset in range(_LOOK_AHEAD_DAYS):
                day = first_day + timedelta(days=offset)
                if day.weekday() in self.days:
                    candidates.append(_wall_clock(day, self.start, tz))
        for candidate in sorted(c for c in candidates if c > moment):
            if self.allows(candidate, zone_list):
                return candidate
        return None


    def closing(self, moment: datetime, zones: Iterable[str]) -> datetime | None:
        """When the window open at ``moment`` closes: the earliest end among the zones (None: not open now).

        A dial must not start after it (the PBX's ``not_after``).
        """
        zone_list = tuple(zones)
        if not zone_list or not self.allows(moment, zone_list):
            return None
        return min(_wall_clock(moment.astimezone(ZoneInfo(z)).date(), self.end, ZoneInfo(z)) for z in zone_list)


def _wall_clock(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The instant the wall clock of ``tz`` shows ``at`` on ``day``; a time skipped by a DST change
    (02:30 on the spring-forward night) is the first instant after the gap."""
    naive = datetime.combine(day, at)
    aware = naive.replace(tzinfo=tz)
    round_trip = aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    if round_trip != naive:  # in the gap: clocks jumped over it
        aware = aware.astimezone(UTC).astimezone(tz)
    return aware.astimezone(UTC)


def known_zone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone (``Europe/Madrid``, ``America/Mexico_City``)."""
    if not name or name not in _zone_names():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


_ZONES: set[str] = set()


def _zone_names() -> set[str]:
    if not _ZONES:
        _ZONES.update(available_timezones())
    return _ZONES


def number_zones_of(number: str) -> tuple[str, ...]:
    """The IANA zones libphonenumber gives for an E.164 number (its area, else its country); () if unknown."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return ()
    zones = tuple(z for z in number_zones.time_zones_for_number(parsed) if known_zone(z))
    return zones


def zones_for(*, customer_zone: str = "", organisation_zone: str = "", number: str = "",
              center_zone: str) -> tuple[tuple[str, ...], str]:
    """The zones a person is called by, and which source gave them (see the module for the order)."""
    if known_zone(customer_zone):
        return (customer_zone,), "customer"
    if known_zone(organisation_zone):
        return (organisation_zone,), "organisation"
    from_number = number_zones_of(number) if number.startswith("+") else ()
    if from_number:
        return from_number, "number"
    return (center_zone,), "center"


def local_hour(moment: datetime, zone: str) -> int:
    return moment.astimezone(ZoneInfo(zone)).hour
