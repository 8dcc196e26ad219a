"""Running a report: checking what was asked, reading the rows, computing and writing the figures.

One entry point, :func:`run`, for the command line (``atiende report``), the pages,
the API and the scheduled emails, so every way in gives the same figures and the same
errors: an unknown report, a bad date, an empty or too long period, an unknown
format, team, queue, technician or channel is an :class:`~atiende.errors.InputError`
that names what to fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from atiende.errors import InputError
from atiende.people.models import User
from atiende.reports import selectors
from atiende.reports.core import catalogue, export
from atiende.reports.core.rows import Period, Report

LONGEST_PERIOD_DAYS = 3 * 366


@dataclass(frozen=True)
class Output:
    report: Report
    content: bytes
    content_type: str
    filename: str


def clean_name(name: Any) -> str:
    if name not in catalogue.REPORTS:
        raise InputError("unknown_report", _("No such report: %(name)s. Reports: %(names)s.")
                         % {"name": name, "names": ", ".join(catalogue.REPORTS)}, field="name", status=404)
    return str(name)


def clean_date(value: Any, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError("invalid_date", _("%(field)s must be a date as YYYY-MM-DD, e.g. 2026-12-01 (got %(value)r).")
                         % {"field": field, "value": str(value)[:40]}, field=field) from None


def clean_period(first: Any, last: Any) -> Period:
    start, end = clean_date(first, "from"), clean_date(last, "to")
    if end < start:
        raise InputError("invalid_period", _("The period ends (%(to)s) before it starts (%(from)s).")
                         % {"from": start.isoformat(), "to": end.isoformat()}, field="to")
    if (end - start).days >= LONGEST_PERIOD_DAYS:
        raise InputError("period_too_long", _("A report covers at most %(days)s days; split the period.")
                         % {"days": LONGEST_PERIOD_DAYS}, field="to")
    return Period(start, end, settings.TIME_ZONE)


def clean_format(fmt: Any) -> str:
    if fmt not in export.FORMATS:
        raise InputError("invalid_format", _("The format must be one of: %(formats)s.")
                         % {"formats": ", ".join(export.FORMATS)}, field="format")
    return str(fmt)


def build(*, name: str, first: Any, last: Any, filters: dict[str, Any] | None = None,
          user: User | None = None) -> Report:
    """The report's figures (``user`` None: everything, as the command line sees it)."""
    name = clean_name(name)
    period = clean_period(first, last)
    scope = selectors.Scope(user)
    chosen = selectors.clean_filters(filters or {}, scope)
    definition = catalogue.REPORTS[name]
    rows = selectors.load(definition.needs, period, chosen, scope)
    return catalogue.build(name, rows, period, chosen)


def run(*, name: str, first: Any, last: Any, fmt: str, filters: dict[str, Any] | None = None,
        user: User | None = None, language: str = "es") -> Output:
    fmt = clean_format(fmt)
    report = build(name=name, first=first, last=last, filters=filters, user=user)
    content = export.render(report, fmt, language)
    filename = f"atiende-{report.name}-{report.period.first.isoformat()}-{report.period.last.isoformat()}.{fmt}"
    return Output(report, content, export.CONTENT_TYPES[fmt], filename)
