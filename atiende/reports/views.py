"""Report pages under /informes/ for supervisors (their teams) and administrators (everything).

Thin: the query string names the period and the filters, :func:`atiende.reports.services.build`
computes, the page shows each section as an accessible SVG chart and its table; ``?format=``
downloads the same figures as CSV, XLSX, PDF or JSON. Bad input is a 400 page naming the
fix, never a 500.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from atiende.desk.models import Channel
from atiende.errors import InputError
from atiende.people.models import User
from atiende.people.roles import MANAGERS, STAFF, role_filter
from atiende.reports import selectors, services
from atiende.reports.core import catalogue, charts, export
from atiende.web.access import role_required

managers_required = role_required(MANAGERS)


def _language() -> str:
    return "en" if (get_language() or "es").startswith("en") else "es"


def _choices(user: User) -> dict[str, Any]:
    scope = selectors.Scope(user)  # ET-4: the choices name nothing outside the reader's teams
    return {"teams": list(scope.known_teams().order_by("name").values_list("name", flat=True)),
            "queues": list(scope.known_queues().order_by("name").values_list("name", flat=True)),
            "technicians": list(scope.known_people().filter(role_filter(STAFF), is_active=True).order_by("username")
                                .values_list("username", flat=True)),
            "channels": Channel.choices,
            "sla_states": [("on_track", _("SLA on track")), ("warning", _("SLA at risk")),
                           ("breached", _("SLA breached")), ("paused", _("SLA paused"))]}


def _asked(request: HttpRequest) -> dict[str, str]:
    today = timezone.localdate()
    return {"from": request.GET.get("from") or (today - timedelta(days=6)).isoformat(),
            "to": request.GET.get("to") or today.isoformat(),
            **{key: request.GET.get(key, "") for key in ("team", "queue", "technician", "channel", "sla")}}


@managers_required
def index(request: HttpRequest) -> HttpResponse:
    language = _language()
    reports = [{"name": d.name, "description": d.description(language)} for d in catalogue.REPORTS.values()]
    return render(request, "reports/index.html", {"nav": "reports", "reports": reports, "asked": _asked(request),
                                                  **_choices(cast(User, request.user))})


@managers_required
def report(request: HttpRequest, name: str) -> HttpResponse:
    asked = _asked(request)
    filters = {key: asked[key] for key in ("team", "queue", "technician", "channel", "sla")}
    language = _language()
    fmt = request.GET.get("format", "")
    user = cast(User, request.user)
    context: dict[str, Any] = {"nav": "reports", "asked": asked, "name": name, **_choices(user)}
    try:
        if fmt:
            output = services.run(name=name, first=asked["from"], last=asked["to"], fmt=fmt, filters=filters,
                                  user=user, language=language)
            response = HttpResponse(output.content, content_type=output.content_type)
            response["Content-Disposition"] = f'attachment; filename="{output.filename}"'
            return response
        built = services.build(name=name, first=asked["from"], last=asked["to"], filters=filters, user=user)
    except InputError as exc:
        context["error"] = exc
        return render(request, "reports/report.html", context, status=exc.status)
    definition = catalogue.REPORTS[name]
    sections = []
    for index_, section in enumerate(built.sections):
        sections.append({
            "key": section.key, "title": section.title(language),
            "chart": mark_safe(charts.bar_chart(section, language, chart_id=f"chart-{index_}")),  # noqa: S308  (escaped)
            "columns": [c.label(language) for c in section.columns],
            "rows": [[format_html("{}", export.cell(row, c, language)) for c in section.columns]
                     for row in section.rows],
        })
    query = request.GET.copy()
    downloads = []
    for fmt in export.FORMATS:
        query["format"] = fmt
        downloads.append((fmt.upper(), f"?{query.urlencode()}"))
    context.update(report=built, description=definition.description(language), sections=sections,
                   downloads=downloads)
    return render(request, "reports/report.html", context)
