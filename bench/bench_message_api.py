"""The reply request: p99 of ``POST /api/v1/work-orders/{number}/messages``, against a plain write, same run.

Run on its own with ``.venv/bin/python bench/bench_message_api.py``. For each database
engine (SQLite, and PostgreSQL when it can be reached) it starts ``atiende serve``
(uvicorn, one process) on a fresh database with a technician, a customer with an email
address and ``BENCH_WORK_ORDERS`` (default 200) open work orders, then measures:

1. **the reply**: a public reply of a few sentences from the technician (the whole
   request: visibility, validation, credentials check, the language assistant's check
   of the draft, the message row, the history line, the awaiting-customer state, the
   ``message_posted`` signal after commit); sending the email is the worker's, not the
   request's;
2. **the baseline**: a closed question added to a work order
   (``POST …/closed-questions``), the smallest write on the same work orders through
   the same stack (row lock, insert, history line).

Both at concurrency 1 (one person replying: the latency a technician feels) and 4,
for ``BENCH_SECONDS`` (default 8) seconds each. The target is p99 under 100 ms at
concurrency 1. The client runs on the same machine and takes its share of the CPUs; the
server's own CPU time per request (user + system, from /proc) is printed too, since it
does not depend on the machine's load the way latency does.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_workorder_api as api  # noqa: E402
from _benchlib import figure, table  # noqa: E402

ROOT = api.ROOT
OUT = api.OUT
SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
WORK_ORDERS = int(os.environ.get("BENCH_WORK_ORDERS", "200"))
TARGET_MS = 100.0
REPLY = ("Buenos días, Doña Carmen: revisamos la impresora de la segunda planta y el atasco venía de un rodillo "
         "gastado. Mañana a las 10 pasamos a cambiarlo; mientras tanto puede imprimir desde la impresora de la "
         "primera planta. Un saludo cordial.")

# After bench_workorder_api's own set-up (a team, the technician "bench", a customer, a token): the customer's
# address (a reply then goes out by email, as in real use) and the open work orders.
WORK_ORDERS_SETUP = """
import json, os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
django.setup()
from atiende.desk.models import Customer
from atiende.desk.services.customers import add_contact_point
from atiende.desk.services.work_orders import create_work_order
from atiende.people.models import User
user = User.objects.get(username="bench")
customer = Customer.objects.get(pk=int(sys.argv[1]))
add_contact_point(actor=user, customer=customer, kind="email", value="carmen@example.es")
numbers = [create_work_order(actor=user, customer=customer, title=f"Impresora {i}").number
           for i in range(int(os.environ["BENCH_WORK_ORDERS"]))]
print(json.dumps(numbers))
"""


def measure(engine: str, work: Path) -> dict[str, dict[str, Any]]:
    env = {**os.environ, "ATIENDE_HOME": str(work / "home"), "PYTHONPATH": str(ROOT),
           "ATIENDE_SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
           "ATIENDE_SSL_REDIRECT": "0", "BENCH_WORK_ORDERS": str(WORK_ORDERS)}
    env.pop("DATABASE_URL", None)
    db_name = "bench_atiende_messages"
    if engine == "postgresql":
        env["DATABASE_URL"] = api.fresh_postgres_database(db_name)
    log = work / "atiende.log"
    python = sys.executable
    try:
        api.run([python, "-m", "atiende.cli", "migrate"], env=env, cwd=ROOT, log=log)
        ids = json.loads(api.run([python, "-c", api.ATIENDE_SETUP], env=env, cwd=ROOT, log=log).strip().splitlines()[-1])
        numbers = json.loads(api.run([python, "-c", WORK_ORDERS_SETUP, str(ids["customer"])], env=env, cwd=ROOT,
                                     log=log).strip().splitlines()[-1])
        headers = {"Authorization": f"Bearer {ids['token']}", "Content-Type": "application/json",
                   "Accept": "application/json"}
        reply = json.dumps({"body": REPLY, "visibility": "public"}).encode()

        def post_reply(i: int) -> api.Request:
            return "POST", f"/api/v1/work-orders/{random.choice(numbers)}/messages", reply

        def add_question(i: int) -> api.Request:
            body = json.dumps({"question": f"¿La impresora muestra la luz roja? ({i})", "answer": "Sí"}).encode()
            return "POST", f"/api/v1/work-orders/{random.choice(numbers)}/closed-questions", body

        port = api.free_port()
        results: dict[str, dict[str, Any]] = {}
        with api.serving([python, "-m", "atiende.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                         env=env, cwd=ROOT, port=port, log=work / "atiende-server.log") as server:
            for clients in (1, 4):
                api.CONCURRENCY = clients
                api.run_load(port, headers, post_reply, total=api.WARMUP)
                api.run_load(port, headers, add_question, total=api.WARMUP)
                for name, make in (("reply", post_reply), ("baseline", add_question)):
                    cpu = api.cpu_seconds(server.pid)
                    stats = api.run_load(port, headers, make, seconds=SECONDS)
                    stats["server_cpu_ms"] = (api.cpu_seconds(server.pid) - cpu) * 1000 / max(stats["requests"], 1)
                    stats.pop("kept")
                    results[f"{name}-{clients}"] = stats
        return results
    finally:
        if engine == "postgresql":
            api.drop_postgres_database(db_name)


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("messages-*"):  # keep only this run's logs and databases
        shutil.rmtree(old, ignore_errors=True)
    print("# The reply request (POST /api/v1/work-orders/{number}/messages)\n")
    failed = False
    for engine, title in (("sqlite", "SQLite"), ("postgresql", "PostgreSQL")):
        print(f"## {title}\n")
        if engine == "postgresql":
            reason = api.postgres_available()
            if reason:
                print(f"Skipped: PostgreSQL cannot be reached at {api.POSTGRES_URL} ({reason}).\n")
                continue
        work = Path(tempfile.mkdtemp(prefix=f"messages-{engine}-", dir=OUT))
        try:
            found = measure(engine, work)
        except Exception as exc:  # noqa: BLE001 - report, do not hide, and go on with the next engine
            print(f"Atiende could not be measured: {exc}\n")
            failed = True
            continue
        rows = []
        for key, label in (("reply-1", "reply, 1 client"), ("baseline-1", "closed question, 1 client"),
                           ("reply-4", "reply, 4 clients"), ("baseline-4", "closed question, 4 clients")):
            rows.append([*api._row(label, found[key]), f"{found[key]['server_cpu_ms']:.1f} ms"])
        print(table(["operation", "requests", "time", "per second", "p50", "p99", "errors", "server CPU a request"],
                    rows))
        print()
        reply, baseline = found["reply-1"], found["baseline-1"]
        figure(f"Reply request p99, {title}, 1 client", round(reply["p99_ms"], 1), "ms",
               target=f"< {TARGET_MS:.0f} ms", met=reply["p99_ms"] < TARGET_MS and not reply["errors"],
               note=f"p50 {reply['p50_ms']:.1f} ms; {reply['errors']} errors")
        figure(f"Server CPU per reply, {title}, 1 client", round(reply["server_cpu_ms"], 1), "ms",
               note=f"closed question {baseline['server_cpu_ms']:.1f} ms; user + system time of the server process, "
                    "whatever the machine's load")
        figure(f"Reply request p99 vs adding a closed question, {title}, 1 client",
               f"{reply['p99_ms'] / baseline['p99_ms']:.2f}", "x the baseline's p99",
               note=f"baseline p99 {baseline['p99_ms']:.1f} ms")
        figure(f"Reply request p50 vs adding a closed question, {title}, 1 client",
               f"{reply['p50_ms'] / baseline['p50_ms']:.2f}", "x the baseline's p50",
               note=f"{reply['p50_ms']:.1f} vs {baseline['p50_ms']:.1f} ms")
        figure(f"Reply request p99, {title}, 4 clients", round(found["reply-4"]["p99_ms"], 1), "ms",
               note=f"{found['reply-4']['rps']:.0f} replies/s; closed question p99 "
                    f"{found['baseline-4']['p99_ms']:.1f} ms")
        failed = failed or bool(reply["errors"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
