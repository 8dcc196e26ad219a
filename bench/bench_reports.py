"""Reports over many rows on PostgreSQL or SQLite, and an XLSX of 100,000 rows (issue 20's numbers).

Run with ``.venv/bin/python bench/bench_reports.py`` (``BENCH_REPORT_DB=sqlite`` for SQLite).
The issue asks for a report over 1,000,000 contacts and 200,000 work orders in under 2 s on
PostgreSQL, and an XLSX of 100,000 rows in under 10 s. The default is a twentieth of it
(``BENCH_REPORT_CONTACTS``, default 50,000; ``BENCH_REPORT_WORK_ORDERS``, default 10,000;
``BENCH_REPORT_REPEAT``, default 1). The rows are written with one ``INSERT ... SELECT`` each
over ``generate_series`` (PostgreSQL) or a recursive series (SQLite), copied from a template
row that Django saved, spread over 30 days, all inside the period asked.

Then the worker's step that adds up the calls by hour (``rollup.roll_up_calls``, timed on its own):
the hours that ended more than a day and an hour ago, so the last day of the period is read from the
calls, as a report that includes today would be.

Timed: ``atiende.reports.services.build`` (the figures added up in SQL, then the sections) for
the calls, volume, SLA, first-contact, transfers and holds reports, with the wall clock, the
CPU of this process and, on PostgreSQL, the CPU of the database backend that ran the queries
(read from /proc; parallel workers are turned off so one backend does all of it). Baselines in
the same run: the calls report the way it was computed before (every call read into Python,
``figures.tally_calls``), and openpyxl's write-only mode beside ``export.to_xlsx``'s streaming
writer on one section of 100,000 rows by 6 columns.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _benchlib import figure, table  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
CONTACTS = int(os.environ.get("BENCH_REPORT_CONTACTS", "50000"))
WORK_ORDERS = int(os.environ.get("BENCH_REPORT_WORK_ORDERS", "10000"))
XLSX_ROWS = int(os.environ.get("BENCH_REPORT_XLSX_ROWS", "100000"))
REPEAT = int(os.environ.get("BENCH_REPORT_REPEAT", "1"))
DATABASE = os.environ.get("BENCH_REPORT_DB", "postgres")  # or sqlite


def _copy_rows(model, template_pk: int, count: int, overrides: dict[str, str]) -> None:
    """``count`` copies of a saved row, with SQL expressions of ``n`` (1..count) for some columns."""
    from django.db import connection

    table_name = model._meta.db_table
    columns = [f.column for f in model._meta.concrete_fields if not f.primary_key or f.column in overrides]
    chosen = [overrides.get(c, f'"{c}"') for c in columns]
    names = ", ".join(chr(34) + c + chr(34) for c in columns)
    where = f'WHERE "{table_name}"."{model._meta.pk.column}" = {template_pk}'
    if connection.vendor == "postgresql":
        sql = (f'INSERT INTO "{table_name}" ({names}) SELECT {", ".join(chosen)} FROM "{table_name}", '
               f"generate_series(1::bigint, {count}::bigint) AS n {where}")
    else:
        sql = (f"WITH RECURSIVE series(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM series WHERE n < {count}) "
               f'INSERT INTO "{table_name}" ({names}) SELECT {", ".join(chosen)} FROM "{table_name}", series {where}')
    with connection.cursor() as cursor:
        cursor.execute(sql)


class _Dialect:
    """The few SQL expressions the generated rows need, per database."""

    def __init__(self, vendor: str, start, ids: list[int]) -> None:
        self.pg = vendor == "postgresql"
        self.start, self.epoch, self.ids = start, int(start.timestamp()), ids

    def moment(self, seconds: str) -> str:
        if self.pg:
            return f"'{self.start.isoformat()}'::timestamptz + make_interval(secs => {seconds})"
        return f"strftime('%Y-%m-%d %H:%M:%S', {self.epoch} + {seconds}, 'unixepoch')"

    def pick(self, values: list, index: str) -> str:
        if self.pg:
            inner = ",".join(repr(v) if isinstance(v, str) else str(v) for v in values)
            return f"(ARRAY[{inner}])[1 + {index}]"
        return f"json_extract('{json.dumps(values)}', '$[' || ({index}) || ']')"

    def data(self) -> str:
        build = "jsonb_build_object" if self.pg else "json_object"
        return (f"{build}('hold_count', n % 3, 'hold_seconds', (n % 3) * 45.0, 'hold_overruns', "
                "CASE WHEN n % 17 = 0 THEN 1 ELSE 0 END, 'transfer_count', CASE WHEN n % 13 = 0 THEN 1 ELSE 0 END)")


def _backend_cpu() -> float:
    """CPU seconds of this connection's PostgreSQL backend so far (it runs on this machine); 0 for SQLite,
    which runs inside the process and is in its CPU time."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _child() -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
    django.setup()
    from datetime import date, timedelta

    from django.db import connection
    from django.utils import timezone

    from atiende.contact.models import Contact, Queue
    from atiende.desk.models import Customer, WorkOrder
    from atiende.people.models import Team, User
    from atiende.reports import services
    from atiende.reports.core import export
    from atiende.reports.core.rows import Column, Period, Report, Section
    from atiende.sla.models import WorkOrderSla

    team = Team.objects.create(name="Soporte")
    queue = Queue.objects.create(name="soporte", tiers=[1], team=team)
    technicians = [User.objects.create(username=f"tec{i}", role="tecnico") for i in range(40)]
    customer = Customer.objects.create(name="Carmen")
    start = timezone.now().replace(microsecond=0) - timedelta(days=30)
    loaded = time.perf_counter()
    call = Contact.objects.create(queue=queue, state="ended", created_at=start, answered_at=start, ended_at=start,
                                  assignee=technicians[0], data={"hold_count": 1, "hold_seconds": 40.0,
                                                                 "hold_overruns": 0, "transfer_count": 0})
    sql = _Dialect(connection.vendor, start, [t.pk for t in technicians])
    seconds = 30 * 24 * 3600
    arrival = f"(n * 7919) % {seconds}"
    _copy_rows(Contact, call.pk, CONTACTS, {
        "created_at": sql.moment(arrival),
        "answered_at": f"CASE WHEN n % 10 = 0 THEN NULL ELSE {sql.moment(f'{arrival} + n % 240')} END",
        "ended_at": sql.moment(f"{arrival} + n % 240 + 60 + n % 900"),
        "state": "CASE WHEN n % 10 = 0 THEN 'abandoned' ELSE 'ended' END",
        "assignee_id": f"CASE WHEN n % 10 = 0 THEN NULL ELSE {sql.pick(sql.ids, 'n % 40')} END",
        "data": sql.data(),
        # The figure columns Contact.save copies from data (an INSERT ... SELECT does not call save).
        "hold_count": "n % 3", "hold_seconds": "(n % 3) * 45.0",
        "hold_overruns": "CASE WHEN n % 17 = 0 THEN 1 ELSE 0 END",
        "transfer_count": "CASE WHEN n % 13 = 0 THEN 1 ELSE 0 END",
    })
    order = WorkOrder.objects.create(number=10_000_000, title="La impresora no imprime", customer=customer,
                                     team=team, assignee=technicians[0], created_at=start)
    _copy_rows(WorkOrder, order.pk, WORK_ORDERS, {
        "number": "n", "created_at": sql.moment(f"(n * 104729) % {seconds}"),
        "channel": sql.pick(["presencial", "telefonico", "email", "portal", "chat"], "n % 5"),
        "assignee_id": sql.pick(sql.ids, "n % 40"),
    })
    first_at = ("created_at + interval '1 hour'" if sql.pg else "strftime('%Y-%m-%d %H:%M:%S', created_at, '+1 hour')")
    now = "now()" if sql.pg else "datetime('now')"
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{WorkOrderSla._meta.db_table}" (work_order_id, started_at, pauses, paused, '
            "first_response_state, resolution_state, first_response_breached, resolution_breached, updated_at, "
            "first_response_at, first_response_seconds) "
            f"SELECT id, created_at, '[]', false, {sql.pick(['met', 'breached', 'running'], 'number % 3')}, "
            f"{sql.pick(['met', 'breached', 'running', 'paused'], 'number % 4')}, number % 3 = 1, number % 4 = 1, "
            f"{now}, CASE WHEN number % 2 = 0 THEN {first_at} END, CASE WHEN number % 2 = 0 THEN 1800.5 END "
            f'FROM "{WorkOrder._meta.db_table}"')
        cursor.execute("ANALYZE")
        if sql.pg:  # one backend does the work, so its CPU time below is all of it
            cursor.execute("SET max_parallel_workers_per_gather = 0")
    loaded = time.perf_counter() - loaded
    # What the worker does once the calls are a day old: their hours added up (reports/rollup.py).
    from atiende.reports import rollup

    began, began_cpu, began_db = time.perf_counter(), time.process_time(), _backend_cpu()
    hours = rollup.roll_up_calls(most=10**6)
    rolled = (time.perf_counter() - began, time.process_time() - began_cpu, _backend_cpu() - began_db)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    today = timezone.localdate()
    first = today - timedelta(days=31)
    timings: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    db_cpu: dict[str, list[float]] = {}
    for name in ("calls", "volume", "sla", "first-contact", "transfers", "holds"):
        for _ in range(REPEAT):
            began, began_cpu, began_db = time.perf_counter(), time.process_time(), _backend_cpu()
            services.build(name=name, first=first, last=today)
            timings.setdefault(name, []).append(time.perf_counter() - began)
            cpu.setdefault(name, []).append(time.process_time() - began_cpu)
            db_cpu.setdefault(name, []).append(_backend_cpu() - began_db)
    from atiende.reports import selectors
    from atiende.reports.core import catalogue
    from atiende.reports.core.rows import Rows

    period = services.clean_period(first, today)
    began, began_cpu, began_db = time.perf_counter(), time.process_time(), _backend_cpu()
    rows = Rows(calls=selectors.call_rows(period, {}, selectors.Scope(None)))
    catalogue.build("calls", rows, period)
    rows_s, rows_cpu, rows_db = (time.perf_counter() - began, time.process_time() - began_cpu,
                                 _backend_cpu() - began_db)
    del rows
    columns = [Column("number", "n", "n", "int"), Column("channel", "c", "c", "code"),
               Column("technician", "t", "t"), Column("share", "s", "s", "share"),
               Column("seconds", "x", "x", "seconds"), Column("comment", "m", "m")]
    section = Section("rows", "Filas", "Rows", columns, [
        {"number": i, "channel": "email", "technician": f"tec{i % 40}", "share": (i % 100) / 100,
         "seconds": i * 1.5, "comment": "Muy amables, gracias"} for i in range(XLSX_ROWS)])
    report = Report("bench", Period(date(2026, 1, 1), date(2026, 1, 31)), {}, [section])
    began, began_cpu = time.perf_counter(), time.process_time()
    content = export.to_xlsx(report)
    xlsx, xlsx_cpu = time.perf_counter() - began, time.process_time() - began_cpu
    began, began_cpu = time.perf_counter(), time.process_time()
    _openpyxl_write_only(report)
    base, base_cpu = time.perf_counter() - began, time.process_time() - began_cpu
    return {"loaded_s": loaded, "rollup": [hours, *rolled], "timings": timings, "cpu": cpu, "db_cpu": db_cpu, "vendor": connection.vendor,
            "rows_s": rows_s, "rows_cpu_s": rows_cpu, "rows_db_cpu_s": rows_db, "xlsx_s": xlsx, "xlsx_cpu_s": xlsx_cpu,
            "xlsx_bytes": len(content), "openpyxl_s": base, "openpyxl_cpu_s": base_cpu}


def _openpyxl_write_only(report) -> bytes:
    """The baseline: the same sheet through openpyxl's write-only mode (how exports were written before)."""
    import io

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    formats = {"share": "0.0%", "seconds": "0.0", "number": "0.00"}
    for section in report.sections:
        sheet = book.create_sheet(section.es[:28])
        sheet.append([section.es])
        sheet.append([c.es for c in section.columns])
        for row in section.rows:
            cells = []
            for column in section.columns:
                value = row.get(column.key)
                if isinstance(value, float) and column.kind in formats:
                    value = WriteOnlyCell(sheet, value=value)
                    value.number_format = formats[column.kind]
                cells.append(value)
            sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> int:
    from bench_workorder_api import (
        drop_postgres_database,
        fresh_postgres_database,
        postgres_available,
    )

    OUT.mkdir(parents=True, exist_ok=True)
    label = "PostgreSQL" if DATABASE == "postgres" else "SQLite"
    print(f"# Reports over {CONTACTS:,} calls and {WORK_ORDERS:,} work orders ({label})\n")
    print(f"Load average before: {os.getloadavg()[0]:.1f} (1 min), {os.cpu_count()} cores.\n")
    reason = postgres_available() if DATABASE == "postgres" else ""
    if reason:
        print(f"Skipped: PostgreSQL cannot be reached ({reason}).")
        return 0
    work = Path(tempfile.mkdtemp(prefix="reports-", dir=OUT))
    name = "bench_atiende_reports"
    env = {**os.environ, "ATIENDE_HOME": str(work / "home"), "PYTHONPATH": str(ROOT),
           "ATIENDE_SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789"}
    env.pop("DATABASE_URL", None)
    if DATABASE == "postgres":
        env["DATABASE_URL"] = fresh_postgres_database(name)
    try:
        subprocess.run([sys.executable, "-m", "atiende.cli", "migrate"], env=env, cwd=ROOT, check=True,
                       capture_output=True, timeout=600)
        done = subprocess.run([sys.executable, __file__, "--child"], env=env, cwd=ROOT, capture_output=True,
                              text=True, timeout=1800)
        if done.returncode:
            print(done.stderr[-3000:])
            return 1
        found = json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        if DATABASE == "postgres":
            drop_postgres_database(name)
        shutil.rmtree(work, ignore_errors=True)
    print(f"Rows generated in {found['loaded_s']:.1f} s.\n")
    database_cpu = "CPU of the PostgreSQL backend" if DATABASE == "postgres" else "(SQLite runs in the process)"
    rows = [[name, f"{statistics.median(v):.2f} s", f"{statistics.median(found['cpu'][name]):.2f} s",
             f"{statistics.median(found['db_cpu'][name]):.2f} s"] for name, v in found["timings"].items()]
    hours, *rolled = found["rollup"]
    rows.append([f"the worker adding up the calls' settled hours ({hours} hours, once; not part of a report)",
                 f"{rolled[0]:.2f} s", f"{rolled[1]:.2f} s", f"{rolled[2]:.2f} s"])
    rows.append(["calls, baseline: every call read into Python, computed by the pure core",
                 f"{found['rows_s']:.2f} s", f"{found['rows_cpu_s']:.2f} s", f"{found['rows_db_cpu_s']:.2f} s"])
    rows.append([f"XLSX, {XLSX_ROWS:,} rows", f"{found['xlsx_s']:.2f} s", f"{found['xlsx_cpu_s']:.2f} s", ""])
    rows.append([f"XLSX, {XLSX_ROWS:,} rows, baseline: openpyxl write-only", f"{found['openpyxl_s']:.2f} s",
                 f"{found['openpyxl_cpu_s']:.2f} s", ""])
    print(table(["", "wall clock (median)", "CPU of the process", database_cpu], rows))
    calls = statistics.median(found["timings"]["calls"])
    calls_cpu = statistics.median(found["cpu"]["calls"]) + statistics.median(found["db_cpu"]["calls"])
    figure(f"Calls report over {CONTACTS:,} calls, {label}", round(calls, 2), "s",
           target="< 2 s at 1,000,000 calls (PostgreSQL)", met=None,
           note=f"CPU {calls_cpu:.2f} s (process + database); aggregates in SQL; baseline in the same run "
                f"(rows into Python) {found['rows_s']:.2f} s wall, "
                f"{found['rows_cpu_s'] + found['rows_db_cpu_s']:.2f} s CPU (ratio "
                f"{found['rows_s'] / max(calls, 1e-9):.1f}x wall)")
    for report in ("volume", "sla"):
        took = statistics.median(found["timings"][report])
        figure(f"{report} report over {WORK_ORDERS:,} work orders, {label}", round(took, 2), "s",
               target="< 2 s at 200,000 work orders (PostgreSQL)", met=None,
               note=f"CPU {statistics.median(found['cpu'][report]) + statistics.median(found['db_cpu'][report]):.2f}"
                    " s (process + database)")
    figure(f"XLSX of {XLSX_ROWS:,} rows x 6 columns", round(found["xlsx_s"], 2), "s", target="< 10 s",
           met=found["xlsx_s"] < 10,
           note=f"CPU {found['xlsx_cpu_s']:.2f} s, {found['xlsx_bytes'] / 1e6:.1f} MB, export.to_xlsx; "
                f"openpyxl write-only in the same process {found['openpyxl_s']:.2f} s wall, "
                f"{found['openpyxl_cpu_s']:.2f} s CPU (CPU ratio "
                f"{found['openpyxl_cpu_s'] / max(found['xlsx_cpu_s'], 1e-9):.1f}x)")
    print(f"\nLoad average after: {os.getloadavg()[0]:.1f} (1 min).")
    return 0


if __name__ == "__main__":
    if "--child" in sys.argv:
        print(json.dumps(_child()))
        sys.exit(0)
    sys.exit(main())
