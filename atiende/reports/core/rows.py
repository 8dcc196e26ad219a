"""The rows a report reads, and the tables it gives back (pure: no Django)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Period:
    """From the start of ``first`` to the end of ``last``, both local dates of ``time_zone``, inclusive.

    ``start`` and ``end`` are UTC instants (subtracting them gives the real length: 25 hours on the
    day the clocks go back).
    """

    first: date
    last: date
    time_zone: str = "Europe/Madrid"

    @cached_property
    def start(self) -> datetime:
        return datetime.combine(self.first, datetime.min.time(), tzinfo=ZoneInfo(self.time_zone)).astimezone(UTC)

    @cached_property
    def end(self) -> datetime:
        """The first instant after the period (midnight after ``last``, local: 23 or 25 hours on DST days)."""
        local = datetime.combine(self.last + timedelta(days=1), datetime.min.time(), tzinfo=ZoneInfo(self.time_zone))
        return local.astimezone(UTC)

    def contains(self, moment: datetime | None) -> bool:
        return moment is not None and self.start <= moment < self.end

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def offsets(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime, int]]:
        """The spans of [start, end) with one UTC offset (seconds) in this time zone, in order: a local
        date is then ``(epoch seconds + offset) // 86400`` days after 1970-01-01 inside each span."""
        def offset(moment: datetime) -> int:
            delta = moment.astimezone(self.zone).utcoffset()
            return int(delta.total_seconds()) if delta is not None else 0

        spans: list[tuple[datetime, datetime, int]] = []
        begin, current, moment = start, offset(start), start
        while moment < end:
            step = min(moment + timedelta(days=1), end)
            if offset(step) != current or step == end:
                high = step
                if offset(step) != current:  # the change lies in (moment, step]: find its whole second
                    low, top = math.floor(moment.timestamp()), math.ceil(step.timestamp())
                    while top - low > 1:
                        middle = (low + top) // 2
                        instant = datetime.fromtimestamp(middle, UTC)
                        low, top = (middle, top) if offset(instant) == current else (low, middle)
                    high = datetime.fromtimestamp(top, UTC)
                spans.append((begin, high, current))
                begin, current = high, offset(high)
            moment = step
        return [span for span in spans if span[0] < span[1]]

    def week_of(self, moment: datetime) -> date:
        """The Monday of the local week of ``moment`` (trends are by week)."""
        day = self.local_date(moment)
        return day - timedelta(days=day.weekday())


def display_name(first: str | None, last: str | None, username: str | None) -> str:
    """How a person is named in reports: their full name, else their user name."""
    full = f"{first or ''} {last or ''}".strip()
    return full or username or ""


@dataclass(frozen=True)
class WorkOrderRow:
    number: int
    created_at: datetime
    channel: str
    team: str = ""
    technician: str = ""
    priority: str = "normal"
    closed_at: datetime | None = None
    reopened: bool = False
    # Public messages of the customer after the help desk's first public reply: more contacts were needed.
    follow_ups: int = 0
    first_response_state: str = "none"  # none, running, warning, paused, met, breached (atiende/sla)
    resolution_state: str = "none"
    first_response_seconds: float | None = None  # business seconds to the first response
    resolution_seconds: float | None = None


@dataclass(frozen=True)
class CallRow:
    arrived_at: datetime
    answered_at: datetime | None = None
    ended_at: datetime | None = None  # end of the wrap-up, or when the caller gave up
    abandoned: bool = False
    inbound: bool = True
    technician: str = ""
    queue: str = ""
    max_wait_seconds: float = 180.0  # PO-2
    max_call_seconds: float = 900.0  # PO-1
    calls_per_day: int = 30  # PO-3
    holds: int = 0
    hold_seconds: float = 0.0
    hold_overruns: int = 0  # HO-5
    transfers: int = 0  # TR-1


@dataclass(frozen=True)
class VisitRow:
    """A visitor at the walk-in desk (CH-PRE): checked in, called, served or not, against the queue's PO-2."""

    arrived_at: datetime
    service: str
    called_at: datetime | None = None
    answered_at: datetime | None = None
    no_show: bool = False  # called, and did not come to the desk
    left: bool = False  # gave up before being called
    booked: bool = False
    calls: int = 0  # times called (more than one: called again)
    max_wait_seconds: float = 900.0  # PO-2 of the service's queue


@dataclass(frozen=True)
class BookingRow:
    """A booked visit (CH-PRE, the portal's /citas/ or staff) whose slot is in the period, not cancelled."""

    starts_at: datetime
    service: str
    came: bool = False  # checked in for it (then called and served, or a no-show when called: a VisitRow)
    missed: bool = False  # nobody checked in by the end of its slot: a no-show of the booked visit


@dataclass(frozen=True)
class CallbackRow:
    """A call-back (CH-PRO, PO-2, PT-2), or an offer of one on the phone that the caller did not take."""

    at: datetime  # offered (on the phone) or asked for (portal, chat, staff)
    origin: str  # telefono, portal, chat, personal
    queue: str = ""
    accepted: bool = True  # False: offered on the phone, and the caller stayed on the line
    status: str = ""  # pendiente, marcando, conectada, fallida, cancelada
    attempts: int = 0  # dials made
    kept: bool = False  # PT-2: first dialled within the customer's window
    window_over: bool = False  # the window has ended (or it ended otherwise): kept or not is settled
    failure: str = ""  # no_answer, window_closed, cancelled


@dataclass(frozen=True)
class CampaignTally:
    """Tries of an outbound campaign (CH-PRO) by one technician with one outcome, added up in SQL."""

    campaign: str
    technician: str
    outcome: str  # reached, no_answer, call_back, refused, wrong_number; "" while the call is on
    tries: int


@dataclass(frozen=True)
class ScoreRow:
    scored_at: datetime
    technician: str
    score: int
    items: tuple[tuple[str, str], ...] = ()  # (rule, "met" | "missed" | "n/a")
    channel: str = ""


@dataclass(frozen=True)
class SurveyRow:
    answered_at: datetime
    rating: int
    resolved: bool | None = None
    comment: str = ""
    technician: str = ""
    number: int = 0
    team: str = ""


@dataclass(frozen=True)
class CommitmentRow:
    due_at: datetime
    status: str  # pendiente, cumplido, incumplido, cancelado
    owner: str = ""
    resolved_at: datetime | None = None


@dataclass
class CallTally:
    """Figures of a set of inbound calls that add up: counts and sums (durations in whole microseconds,
    so a sum is exact and the same whether Python or the database adds). Every field but ``offered``,
    ``abandoned`` and ``po2_counted`` counts answered calls only."""

    offered: int = 0
    answered: int = 0
    abandoned: int = 0  # gave up before an answer
    wait_us: int = 0  # arrival to answer, of the answered
    handled: int = 0  # answered and ended (with a handle time)
    handle_us: int = 0  # answer to end of the wrap-up
    po1: int = 0  # handle time over the maximum call time
    po2_met: int = 0  # answered within the maximum wait
    po2_counted: int = 0  # answered, or given up after the maximum wait
    transferred: int = 0
    transfers: int = 0
    with_hold: int = 0
    holds: int = 0
    hold_seconds: float = 0.0
    hold_overruns: int = 0

    def add(self, other: CallTally) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class CallFacts:
    """What the call reports are computed from: inbound calls by technician (a name; "—" none), the
    outbound count, and PO-3's answered calls per (technician, local day) with that day's target."""

    by_technician: dict[str, CallTally] = field(default_factory=dict)
    outbound: int = 0
    outbound_answered: int = 0  # someone picked up
    outbound_not_reached: int = 0  # the dial ended before anyone answered (never an inbound abandon)
    days: dict[tuple[str, date], tuple[int, int]] = field(default_factory=dict)  # -> (answered, target)

    def total(self) -> CallTally:
        total = CallTally()
        for tally in self.by_technician.values():
            total.add(tally)
        return total

    def answering(self) -> list[tuple[str, CallTally]]:
        return [(t, tally) for t, tally in sorted(self.by_technician.items()) if tally.answered]


@dataclass
class WorkOrderFacts:
    """What the work-order reports are computed from, added up: created in the period by (channel, local
    day); closed in the period by channel as (closed, at first contact, reopened); created in the period by
    (team, priority, first-response state, resolution state); and the (count, sum) of the business seconds
    to the first response and to the resolution of those created in the period."""

    created: dict[tuple[str, date], int] = field(default_factory=dict)
    closed: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    clocks: dict[tuple[str, str, str, str], int] = field(default_factory=dict)
    first_response: tuple[int, float] = (0, 0.0)
    resolution: tuple[int, float] = (0, 0.0)


@dataclass
class Rows:
    work_orders: list[WorkOrderRow] = field(default_factory=list)
    calls: list[CallRow] = field(default_factory=list)
    call_facts: CallFacts | None = None  # the calls already added up (in SQL); None: add up ``calls``
    work_order_facts: WorkOrderFacts | None = None  # likewise for ``work_orders``
    inbound_calls: int | None = None  # the inbound calls counted (in SQL); None: count ``call_facts`` or ``calls``
    scores: list[ScoreRow] = field(default_factory=list)
    surveys: list[SurveyRow] = field(default_factory=list)
    commitments: list[CommitmentRow] = field(default_factory=list)
    visits: list[VisitRow] = field(default_factory=list)
    bookings: list[BookingRow] = field(default_factory=list)
    callbacks: list[CallbackRow] = field(default_factory=list)
    campaign_tries: list[CampaignTally] = field(default_factory=list)


# Codes shown to people by their names (a column of kind "code"); files keep the codes.
LABELS: dict[str, tuple[str, str]] = {
    "presencial": ("Presencial", "In person"), "telefonico": ("Telefónico", "Phone"), "email": ("Correo", "Email"),
    "portal": ("Portal", "Web portal"), "chat": ("Chat", "Chat"),
    "telefono": ("Teléfono (ofrecida en espera)", "Phone (offered while waiting)"), "personal": ("Personal", "Staff"),
    "first_response": ("Primera respuesta", "First response"), "resolution": ("Resolución", "Resolution"),
    "baja": ("Baja", "Low"), "normal": ("Normal", "Normal"), "alta": ("Alta", "High"), "urgente": ("Urgente", "Urgent"),
}


@dataclass(frozen=True)
class Column:
    key: str
    es: str
    en: str
    kind: str = "text"  # text, i18n (row[key + "_en"] in English), code (LABELS), int, share, seconds, number, date

    def label(self, language: str) -> str:
        return self.en if language.startswith("en") else self.es


@dataclass
class Section:
    key: str
    es: str
    en: str
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)
    chart: tuple[str, str] | None = None  # (label column, value column) for a bar chart

    def title(self, language: str) -> str:
        return self.en if language.startswith("en") else self.es


@dataclass
class Report:
    name: str
    period: Period
    filters: dict[str, str]
    sections: list[Section]

    def to_json(self, language: str = "es") -> dict[str, Any]:
        return {
            "report": self.name, "from": self.period.first.isoformat(), "to": self.period.last.isoformat(),
            "time_zone": self.period.time_zone, "filters": self.filters,
            "sections": [{"key": s.key, "title": s.title(language),
                          "columns": [{"key": c.key, "label": c.label(language), "kind": c.kind} for c in s.columns],
                          "rows": [{c.key: _jsonable(localized(row, c, language)) for c in s.columns}
                                   for row in s.rows]}
                         for s in self.sections],
        }


def localized(row: dict[str, Any], column: Column, language: str) -> Any:
    """The row's value of a column in a language: an i18n column has its English beside it."""
    if column.kind == "i18n" and language.startswith("en"):
        return row.get(f"{column.key}_en", row.get(column.key))
    return row.get(column.key)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 4)
    return value
