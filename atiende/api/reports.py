"""Reports under /api/v1/reports: the figures of a period as JSON, or as a CSV, XLSX or PDF file.

Supervisors read their teams, administrators everything (docs/reports.md). The same
service as ``atiende report`` and the pages, so the same figures and the same errors:
an unknown report is a 404, a bad date, period, format or filter a 400 naming the fix.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language
from ninja import Field, Query, Router, Schema

from atiende.api.desk import answers
from atiende.api.permissions import require_role
from atiende.people.roles import MANAGERS
from atiende.reports import services
from atiende.reports.core.catalogue import REPORTS

PREFIX = "reports"
router = Router(tags=["reports"])


class ReportInfo(Schema):
    name: str
    description: str


class ColumnOut(Schema):
    key: str
    label: str
    kind: str


class SectionOut(Schema):
    key: str
    title: str
    columns: list[ColumnOut]
    rows: list[dict[str, Any]]


class ReportOut(Schema):
    report: str
    first: str = Field(..., alias="from", description="First day (local), included.")
    last: str = Field(..., alias="to", description="Last day (local), included.")
    time_zone: str
    filters: dict[str, str]
    sections: list[SectionOut]


def _language() -> str:
    return "en" if (get_language() or "es").startswith("en") else "es"


@router.get("", response=answers(list[ReportInfo]), summary="List the reports")
def list_reports(request: HttpRequest) -> list[dict[str, str]]:
    require_role(request, MANAGERS)
    return [{"name": d.name, "description": d.description(_language())} for d in REPORTS.values()]


@router.get("/{name}", response=answers(ReportOut), by_alias=True,
            summary="A report over a period (JSON, or a CSV/XLSX/PDF file)")
def read_report(
    request: HttpRequest, name: str,
    first: date = Query(..., alias="from", description="First day, YYYY-MM-DD (local), included."),  # noqa: B008
    last: date = Query(..., alias="to", description="Last day, YYYY-MM-DD (local), included."),  # noqa: B008
    format: str = Query("json", description="json, csv, xlsx or pdf."),  # noqa: A002  (the public parameter)
    team: str = Query("", max_length=100), queue: str = Query("", max_length=60),
    technician: str = Query("", max_length=150), channel: str = Query("", max_length=12),
    sla: str = Query("", max_length=12, description="Work orders in this SLA state: on_track, warning, breached "
                                                    "or paused (calls, scorecards and visits are left out)."),
) -> Any:
    user = require_role(request, MANAGERS)
    filters = {"team": team, "queue": queue, "technician": technician, "channel": channel, "sla": sla}
    output = services.run(name=name, first=first, last=last, fmt=format, filters=filters, user=user,
                          language=_language())
    if format == "json":
        return output.report.to_json(_language())
    response = HttpResponse(output.content, content_type=output.content_type)
    response["Content-Disposition"] = f'attachment; filename="{output.filename}"'
    return response
