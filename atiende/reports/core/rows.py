"""The rows a report reads, and the tables it gives back (pure: no Django)."""

from __future__ import annotations

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

    def week_of(self, moment: datetime) -> date:
        """The Monday of the local week of ``moment`` (trends are by week)."""
        day = self.local_date(moment)
        return day - timedelta(days=day.weekday())


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
class Rows:
    work_orders: list[WorkOrderRow] = field(default_factory=list)
    calls: list[CallRow] = field(default_factory=list)
    scores: list[ScoreRow] = field(default_factory=list)
    surveys: list[SurveyRow] = field(default_factory=list)
    commitments: list[CommitmentRow] = field(default_factory=list)


# Codes shown to people by their names (a column of kind "code"); files keep the codes.
LABELS: dict[str, tuple[str, str]] = {
    "presencial": ("Presencial", "In person"), "telefonico": ("Telefónico", "Phone"), "email": ("Correo", "Email"),
    "portal": ("Portal", "Web portal"), "chat": ("Chat", "Chat"),
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
