"""A campaign of 10,000 people imported from a CSV and ready to call (issue 18: under 10 s).

Run: ``.venv/bin/python bench/bench_campaign_import.py [--people 10000]`` (both databases in one run;
``BENCH_CAMPAIGN_DB=sqlite`` or ``postgres`` for one of them; PostgreSQL is skipped if unreachable).

Set-up, per database: a fresh database (SQLite under a temporary ATIENDE_HOME, or a new PostgreSQL
database), migrated; 2,000 customers with a phone (a fifth of the list are customers already, found by
their number) and 200 numbers on the do-not-call list; a CSV of ``--people`` rows as a supervisor's
spreadsheet has them (``;``-separated, national and international forms, forms of address, a few time
zones, 1 % bad rows: no phone, a fragment, an unknown zone).

Timed (wall clock and CPU of the process, plus the PostgreSQL backend's CPU read from /proc):
``lists.import_csv``, the service behind ``POST /api/v1/campaigns/{id}/import``: the file read and
validated row by row (every phone normalised by libphonenumber), customers matched by number, zones
resolved, the do-not-call list applied, the people and the rejected lines stored; then «ready»: the
first technician's ``next_person`` answering with a person to call.

Baselines in the same run: (a) the CSV parse and validation alone (the pure core, no database), the
floor the import cannot go below; (b) the naive import, one ``Target.objects.create`` per row after a
per-row customer lookup, on 1,000 rows, scaled to the list's size.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench._benchlib import figure, table  # noqa: E402

TARGET_S = 10.0
OUT = ROOT / "bench" / "out"
NAIVE_ROWS = 1000


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def make_csv(people: int, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    forms = ["", "Sr.", "Sra.", "Don", "Doña", "dr", "señora"]
    zones = ["", "", "", "Europe/Madrid", "Atlantic/Canary", "America/Mexico_City"]
    lines = ["nombre;telefono;tratamiento;zona horaria;nota"]
    for n in range(people):
        if n % 100 == 99:  # 1 % bad rows
            lines.append(rng.choice([f"Persona {n};;;;", f"Persona {n};12;;;", f"Persona {n};600{n:06d};;Marte/X;"]))
            continue
        number = 600_000_000 + n
        phone = f"{number}" if n % 3 else f"+34 {str(number)[:3]} {str(number)[3:6]} {str(number)[6:]}"
        lines.append(f"Persona {n};{phone};{rng.choice(forms)};{rng.choice(zones)};fila {n}")
    return ("\n".join(lines) + "\n").encode()


def child(people: int) -> dict[str, float]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
    django.setup()
    from bench_reports import _backend_cpu
    from django.conf import settings
    from django.db import connection

    from atiende.campaigns.core import read_csv
    from atiende.campaigns.models import Campaign, DoNotCall, Target
    from atiende.campaigns.services import campaigns, lists, preview
    from atiende.contact.services import queues
    from atiende.desk.models import ContactPoint, Customer
    from atiende.people.models import User
    from atiende.telephony.numbers import normalise_number

    queues.save_queue(name="soporte", tiers=[1])
    boss = User.objects.create_user("supervisora", role="supervisor")
    technician = User.objects.create_user("tecnico", role="tecnico")
    customers = Customer.objects.bulk_create([Customer(name=f"Cliente {n}") for n in range(people // 5)])
    ContactPoint.objects.bulk_create([ContactPoint(customer=c, kind="telefono", value=f"+34{600_000_000 + n * 5}",
                                                   number=f"+34{600_000_000 + n * 5}")
                                      for n, c in enumerate(customers)])
    DoNotCall.objects.bulk_create([DoNotCall(number=f"+34{600_000_000 + n * 50 + 1}") for n in range(people // 50)])
    data = make_csv(people)

    started, cpu, db_cpu = time.perf_counter(), _cpu(), _backend_cpu()
    parsed = read_csv(data.decode(), region=settings.ATIENDE_DEFAULT_REGION, normalise=normalise_number)
    parse_s, parse_cpu = time.perf_counter() - started, _cpu() - cpu

    campaign = campaigns.create_campaign(actor=boss, name="Carga", queue="soporte", calling_days=list(range(7)),
                                         calling_from="00:00", calling_until="23:59")
    campaigns.update_campaign(actor=boss, campaign_id=campaign.pk, status="active")
    started, cpu, db_cpu = time.perf_counter(), _cpu(), _backend_cpu()
    result = lists.import_csv(actor=boss, campaign_id=campaign.pk, data=data, file_name="carga.csv")
    imported_s = time.perf_counter() - started
    first = preview.next_person(user=technician, campaign_id=campaign.pk)
    ready_s, ready_cpu, ready_db = time.perf_counter() - started, _cpu() - cpu, _backend_cpu() - db_cpu
    assert first is not None and result.added + len(result.rejected) == people, (result.added, len(result.rejected))

    # The naive import: per row a customer lookup and an INSERT, in one transaction (as a first version would).
    from django.db import transaction

    naive = Campaign.objects.create(name="Ingenua", queue=campaign.queue)
    rows = parsed.rows[:NAIVE_ROWS]
    started, cpu, db_start = time.perf_counter(), _cpu(), _backend_cpu()
    with transaction.atomic():
        for row in rows:
            owner = ContactPoint.objects.filter(number=row.number).values_list("customer_id", flat=True).first()
            stop = DoNotCall.objects.filter(number=row.number).exists()
            Target.objects.create(campaign=naive, name=row.name, phone=row.phone, number=row.number,
                                  customer_id=owner, zones="Europe/Madrid", zone_source="center",
                                  status="do_not_call" if stop else "pending")
    scale = len(parsed.rows) / max(1, len(rows))
    naive_s = (time.perf_counter() - started) * scale
    naive_cpu = (_cpu() - cpu + _backend_cpu() - db_start) * scale
    return {"vendor": connection.vendor, "people": people, "added": result.added, "rejected": len(result.rejected),
            "do_not_call": result.do_not_call, "parse_s": parse_s, "parse_cpu": parse_cpu, "import_s": imported_s,
            "ready_s": ready_s, "ready_cpu": ready_cpu + ready_db, "ready_db_cpu": ready_db, "naive_s": naive_s,
            "naive_cpu": naive_cpu}


def run(database: str, people: int) -> dict[str, float] | None:
    from bench_workorder_api import (
        drop_postgres_database,
        fresh_postgres_database,
        postgres_available,
    )

    if database == "postgres" and postgres_available():
        print(f"PostgreSQL skipped: {postgres_available()}")
        return None
    OUT.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="campaign-import-", dir=OUT))
    name = "bench_atiende_campaigns"
    env = {**os.environ, "ATIENDE_HOME": str(work / "home"), "PYTHONPATH": str(ROOT),
           "ATIENDE_SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789"}
    env.pop("DATABASE_URL", None)
    if database == "postgres":
        env["DATABASE_URL"] = fresh_postgres_database(name)
    try:
        subprocess.run([sys.executable, "-m", "atiende.cli", "migrate"], env=env, cwd=ROOT, check=True,
                       capture_output=True, timeout=900)
        done = subprocess.run([sys.executable, __file__, "--child", "--people", str(people)], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=1800)
        if done.returncode:
            print(done.stderr[-3000:])
            return None
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        if database == "postgres":
            drop_postgres_database(name)
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.people)))
        return 0
    print(f"# Campaign import: {args.people:,} people from a CSV, ready to call\n")
    print(f"Load average before: {os.getloadavg()[0]:.1f} (1 min), {os.cpu_count()} cores.\n")
    wanted = os.environ.get("BENCH_CAMPAIGN_DB", "")
    results = [r for r in (run(db, args.people) for db in ("sqlite", "postgres") if wanted in ("", db)) if r]
    rows = []
    for r in results:
        rows.append([r["vendor"], f"{r['added']:,} + {r['rejected']} rejected ({r['do_not_call']} do not call)",
                     f"{r['import_s']:.2f} s", f"{r['ready_s']:.2f} s", f"{r['ready_cpu']:.2f} s",
                     f"{r['parse_s']:.2f} s", f"{r['naive_s']:.1f} s", f"{r['naive_s'] / r['ready_s']:.1f}x"])
    print(table(["database", "people", "import", "import + ready", "CPU (process + database)",
                 "baseline: parse only", f"baseline: per-row insert (from {NAIVE_ROWS:,})", "ratio naive / ours"],
                rows))
    print(f"\nLoad average after: {os.getloadavg()[0]:.1f} (1 min).")
    for r in results:
        figure(f"Campaign of {r['people']:,} imported and ready, {r['vendor']}", round(r["ready_s"], 2), "s",
               target=f"< {TARGET_S:.0f} s", met=r["ready_s"] < TARGET_S,
               note=f"parse alone {r['parse_s']:.2f} s; per-row insert {r['naive_s']:.1f} s "
                    f"({r['naive_s'] / r['ready_s']:.1f}x ours)")
    return 0 if results and all(r["ready_s"] < TARGET_S for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
