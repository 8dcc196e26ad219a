"""Exports of customers and work orders as CSV or JSON under /api/v1/exports (ET-4, ET-3, NT-3).

An export holds exactly what its user may see (the desk's visibility rules:
``visible_work_orders`` / ``visible_customers``), never a vault secret, and
free text passes through the redactor first, so a password someone typed into
a story comes out as ``[CONTRASEÑA]``. Every export is an entry in the audit
trail (who, what, how many rows). CSV cells that a spreadsheet would run as a
formula (starting with ``=``, ``+``, ``-``, ``@``) are prefixed with ``'``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router

from atiende.api.permissions import current_user
from atiende.desk import selectors
from atiende.language.redact import redact
from atiende.privacy import audit

PREFIX = "exports"
router = Router(tags=["exports"])
MAX_ROWS = 50_000

WORK_ORDER_FIELDS = [
    "number", "title", "customer", "requester", "decision_maker", "channel", "direction", "phase",
    "priority", "team", "assignee", "equipment_type", "os_name", "os_version", "problem_story",
    "paraphrase", "resolution", "created_at", "closed_at",
]
CUSTOMER_FIELDS = ["id", "name", "address_as", "organisation", "country", "preferred_language",
                   "knowledge_level", "notes", "contact_points", "created_at"]
FREE_TEXT = {"title", "problem_story", "paraphrase", "resolution", "notes"}


def _clean(field: str, value: Any) -> Any:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if field in FREE_TEXT and isinstance(value, str) and value:
        return redact(value).text  # ET-3 / NT-3: no credential leaves in an export
    return value


def _work_order_rows(user: Any) -> Iterable[dict[str, Any]]:
    qs = selectors.visible_work_orders(user).select_related(
        "customer", "requester", "decision_maker", "team", "assignee"
    ).order_by("number")[:MAX_ROWS]
    for wo in qs:
        yield {
            "number": wo.number, "title": _clean("title", wo.title),
            "customer": wo.customer.name,
            "requester": wo.requester.name if wo.requester is not None else "",
            "decision_maker": wo.decision_maker.name if wo.decision_maker is not None else "",
            "channel": wo.channel, "direction": wo.direction, "phase": wo.phase, "priority": wo.priority,
            "team": wo.team.name if wo.team is not None else "",
            "assignee": wo.assignee.username if wo.assignee is not None else "",
            "equipment_type": wo.equipment_type, "os_name": wo.os_name, "os_version": wo.os_version,
            "problem_story": _clean("problem_story", wo.problem_story),
            "paraphrase": _clean("paraphrase", wo.paraphrase),
            "resolution": _clean("resolution", wo.resolution),
            "created_at": _clean("created_at", wo.created_at), "closed_at": _clean("closed_at", wo.closed_at),
        }


def _customer_rows(user: Any) -> Iterable[dict[str, Any]]:
    qs = selectors.visible_customers(user).prefetch_related("contact_points").order_by("pk")[:MAX_ROWS]
    for c in qs:
        yield {
            "id": c.pk, "name": c.name, "address_as": c.address_as,
            "organisation": c.organisation.name if c.organisation is not None else "",
            "country": c.country, "preferred_language": c.preferred_language,
            "knowledge_level": c.knowledge_level, "notes": _clean("notes", c.notes),
            "contact_points": "; ".join(f"{p.kind}:{p.value}" for p in c.contact_points.all()),
            "created_at": _clean("created_at", c.created_at),
        }


def _safe_cell(value: Any) -> Any:
    # A cell starting like a formula would run in a spreadsheet (CSV injection).
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _respond(name: str, fields: list[str], rows: list[dict[str, Any]], fmt: str) -> HttpResponse:
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    if fmt == "json":
        body = json.dumps({"items": rows, "count": len(rows)}, ensure_ascii=False)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    else:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _safe_cell(v) for k, v in row.items()})
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="atiende-{name}-{stamp}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response


@router.get("/work-orders", summary="Export the work orders you can see (CSV or JSON, redacted)")
def export_work_orders(request: HttpRequest, format: Literal["csv", "json"] = Query("csv")) -> HttpResponse:
    user = current_user(request)
    rows = list(_work_order_rows(user))
    audit.record("export.work_orders", actor=user, object_type="desk.workorder",
                 details={"format": format, "rows": len(rows), "numbers": [r["number"] for r in rows][:1000]})
    return _respond("solicitudes", WORK_ORDER_FIELDS, rows, format)


@router.get("/customers", summary="Export the customers you can see (CSV or JSON, redacted)")
def export_customers(request: HttpRequest, format: Literal["csv", "json"] = Query("csv")) -> HttpResponse:
    user = current_user(request)
    rows = list(_customer_rows(user))
    audit.record("export.customers", actor=user, object_type="desk.customer",
                 details={"format": format, "rows": len(rows), "ids": [r["id"] for r in rows][:1000]})
    return _respond("clientes", CUSTOMER_FIELDS, rows, format)

