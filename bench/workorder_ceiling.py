"""The same-stack ceiling for the work-order API: the same body validated, the same rows written and read, no rules.

Served by uvicorn through Atiende's own ASGI handler and settings (the same
database, the same SQLite backend with its writer queue, the same connection
pool on PostgreSQL), with Django's middleware chain emptied and no
authentication, two bench-only django-ninja routes:

``POST /ceiling/work-orders``
    validates the body with Atiende's own schema (``atiende.api.desk.WorkOrderIn``)
    and writes, in one transaction of hand-written SQL, the rows Atiende writes
    for a new work order: the counter's next number, the work order, its history
    line, its search entry, its SLA clocks, an audit entry and the audit chain's
    head. Each row is a copy of the newest row of its table (Atiende's warm-up
    wrote them) with the new work order's id, number, title and times.
``GET /ceiling/work-orders/{number}``
    reads the rows Atiende reads for one work order (the work order, its SLA
    clocks, closed questions, commitments and survey) and answers them as JSON.

No permission, no rule, no history computed, no text cleaned: what it reaches
bounds what any implementation of these two requests on this stack can reach
on this machine. ``bench_workorder_api.py`` drives it in turn with Atiende and
django-helpdesk.
"""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")

import django  # noqa: E402
from django.conf import settings  # noqa: E402
from django.http import HttpRequest, JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402

settings.ROOT_URLCONF = __name__
settings.MIDDLEWARE = []
django.setup(set_prefix=False)

from django.db import connection, transaction  # noqa: E402
from ninja import NinjaAPI  # noqa: E402

from atiende.api.desk import WorkOrderIn  # noqa: E402

_templates: dict[str, dict[str, Any]] = {}


def _template(table: str, order: str) -> dict[str, Any]:
    """The newest row of ``table`` as column -> value (read once per process)."""
    found = _templates.get(table)
    if found is None:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {table} ORDER BY {order} DESC LIMIT 1")
            names = [d[0] for d in cursor.description]
            found = dict(zip(names, cursor.fetchone(), strict=True))
            for column in _generated(cursor, table):  # the database computes them (PostgreSQL's search vector)
                found.pop(column, None)
        _templates[table] = found
    return found


def _generated(cursor: Any, table: str) -> list[str]:
    """The generated columns of ``table``: none may be written."""
    if connection.vendor == "postgresql":
        cursor.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                       "AND is_generated = 'ALWAYS'", [table])
        return [name for (name,) in cursor.fetchall()]
    cursor.execute(f"PRAGMA table_xinfo({table})")
    return [row[1] for row in cursor.fetchall() if row[6] in (2, 3)]  # hidden 2, 3: generated


def _value(value: Any) -> Any:
    if isinstance(value, dict | list) and connection.vendor == "postgresql":
        from psycopg.types.json import Jsonb

        return Jsonb(value)
    return value


def _insert(cursor: Any, table: str, row: dict[str, Any], *, returning: str | None = None) -> Any:
    names = list(row)
    sql = (f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(names))})"
           + (f" RETURNING {returning}" if returning else ""))
    cursor.execute(sql, [_value(row[n]) for n in names])
    return cursor.fetchone()[0] if returning else None


api = NinjaAPI(urls_namespace="workorder-ceiling", docs_url=None, openapi_url=None)


@api.post("/work-orders")
def create(request: HttpRequest, payload: WorkOrderIn) -> JsonResponse:
    now = datetime.now(UTC)
    work_order = {k: v for k, v in _template("desk_workorder", "id").items() if k != "id"}
    event = {k: v for k, v in _template("desk_workorderevent", "id").items() if k != "id"}
    entry = {k: v for k, v in _template("knowledge_searchentry", "id").items() if k != "id"}
    sla = dict(_template("sla_workordersla", "work_order_id"))
    audit = {k: v for k, v in _template("privacy_auditentry", "seq").items() if k != "id"}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE desk_counter SET value = value + 1 WHERE name = 'work_order' RETURNING value")
        number = cursor.fetchone()[0]
        work_order.update(number=number, title=payload.title, problem_story=payload.problem_story,
                          customer_id=payload.customer, created_at=now, updated_at=now)
        pk = _insert(cursor, "desk_workorder", work_order, returning="id")
        event.update(work_order_id=pk, at=now)
        _insert(cursor, "desk_workorderevent", event)
        entry.update(object_id=pk, title=f"#{number} {payload.title}", updated_at=now)
        _insert(cursor, "knowledge_searchentry", entry)
        sla.update(work_order_id=pk, started_at=now)
        _insert(cursor, "sla_workordersla", sla)
        cursor.execute("SELECT seq, hash FROM privacy_audithead WHERE id = 1"
                       + (" FOR UPDATE" if connection.features.has_select_for_update else ""))
        seq, previous = cursor.fetchone()
        digest = hashlib.sha256(f"{previous}{seq + 1}{pk}".encode()).hexdigest()
        audit.update(seq=seq + 1, at=now, object_id=str(pk), prev_hash=previous, hash=digest)
        _insert(cursor, "privacy_auditentry", audit)
        cursor.execute("UPDATE privacy_audithead SET seq = %s, hash = %s WHERE id = 1", [seq + 1, digest])
    return JsonResponse({"number": number, "id": pk, "title": payload.title}, status=201)


def _rows(cursor: Any, sql: str, value: Any) -> list[dict[str, Any]]:
    cursor.execute(sql, [value])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@api.get("/work-orders/{number}")
def read(request: HttpRequest, number: int) -> JsonResponse:
    with connection.cursor() as cursor:
        found = _rows(cursor, "SELECT * FROM desk_workorder WHERE number = %s", number)
        if not found:
            return JsonResponse({"detail": "not found"}, status=404)
        work_order = found[0]
        pk = work_order["id"]
        work_order["sla"] = _rows(cursor, "SELECT * FROM sla_workordersla WHERE work_order_id = %s", pk)
        work_order["questions"] = _rows(cursor, "SELECT * FROM desk_closedquestion WHERE work_order_id = %s", pk)
        work_order["commitments"] = _rows(cursor, "SELECT * FROM desk_commitment WHERE work_order_id = %s", pk)
        work_order["survey"] = _rows(cursor, "SELECT * FROM desk_satisfactionsurvey WHERE work_order_id = %s", pk)
    return JsonResponse(work_order)


def _ready(request: HttpRequest) -> JsonResponse:
    return JsonResponse({})


urlpatterns = [path("", _ready), path("ceiling/", api.urls)]

from atiende.asgi import application as app  # noqa: E402, F401 - serves the URLs above
