"""SQL statements per CTI event, by kind: what one event costs the database, counted, not timed.

Run on its own with ``.venv/bin/python bench/bench_cti_statements.py`` (``-v`` prints each statement).

In one process, on PostgreSQL (``BENCH_POSTGRES_URL``; SQLite when it is
unreachable) and then on SQLite, 50 technicians, whole calls go through the
native protocol's service (:func:`atiende.telephony.native.receive`, what
``POST /api/v1/cti/events`` calls after the token check): new_call, answered,
hold with consent, resumed, transfer to a technician, hangup. Each event's
statements are counted with Django's ``CaptureQueriesContext``; the mean per
kind is printed. Counting is exact and does not depend on the machine's load,
so it is the figure to compare before and after a change of the write path
(issue 15's functional core / imperative shell, issue 25's lean requests).

On PostgreSQL it also counts the round trips an event waits for (``atiende.db.sent_together`` sends the
writes nobody reads the answer of with the next statement or the COMMIT, and the BEGIN with the first
statement, in psycopg's pipeline mode): each statement sent alone, each pipeline, each BEGIN or COMMIT
sent alone. Counted by wrapping psycopg's calls in the child process, not timed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _benchlib import figure, table  # noqa: E402
from bench_engine import SETUP, _postgres_database  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TECHNICIANS = 50
CALLS = int(os.environ.get("BENCH_CTI_STATEMENT_CALLS", "20"))
KINDS = ("new_call", "answered", "hold", "resumed", "transfer", "hangup")
VERBOSE = "-v" in sys.argv[1:]


def _events(call_id: str, technician: str, receiver: str) -> dict[str, dict[str, object]]:
    return {
        "new_call": {"type": "new_call", "call_id": call_id, "from_": "+34600", "queue": "soporte"},
        "answered": {"type": "answered", "call_id": call_id, "technician": technician},
        "hold": {"type": "hold", "call_id": call_id, "reason": "Consulto", "customer_consent": True,
                 "expected_minutes": 2},
        "resumed": {"type": "resumed", "call_id": call_id},
        "transfer": {"type": "transfer", "call_id": call_id, "purpose": "Redes", "customer_consent": True,
                     "to_technician": receiver},
        "hangup": {"type": "hangup", "call_id": call_id},
    }


def measure(database: str) -> dict[str, float]:
    """Run in a child process per database (Django is set up once per process): statements per kind."""
    url = _postgres_database("atiende_bench_cti_statements") if database == "postgresql" else None
    if database == "postgresql" and url is None:
        return {}
    env = dict(os.environ, ATIENDE_HOME=tempfile.mkdtemp(prefix="atiende-bench-cti-statements-"),
               DJANGO_SETTINGS_MODULE="atiende.settings")
    env.pop("REDIS_URL", None)
    env.pop("DATABASE_URL", None)
    if url:
        env["DATABASE_URL"] = url
    subprocess.run([sys.executable, "-c", SETUP.replace("%d", str(TECHNICIANS))], cwd=ROOT, env=env, check=True,
                   capture_output=True, text=True)
    out = subprocess.run([sys.executable, __file__, "--child", *sys.argv[1:]], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True)
    if VERBOSE:
        print(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def child() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from atiende.contact import clock
    from atiende.contact.services import deadlines
    from atiende.people.models import User
    from atiende.telephony.native import NativeEvent, receive

    trips = _count_round_trips() if connection.vendor == "postgresql" else None
    round_trips: dict[str, list[int]] = defaultdict(list)
    sender = User.objects.get(username="centralita")
    counts: dict[str, list[int]] = defaultdict(list)
    shown: set[str] = set()
    for n in range(CALLS + 2):  # the first two calls warm the caches (policies, technicians' names)
        call_id = f"count-{n}"
        technician = receiver = ""
        for kind in KINDS:
            event = NativeEvent(id=f"{call_id}-{kind}", **_events(call_id, technician, receiver)[kind])
            trips_before = trips[0] if trips else 0
            with CaptureQueriesContext(connection) as queries:
                answer = receive(event, sender=sender)
            if answer.status != 200:
                raise RuntimeError(f"{kind}: {answer.status} {answer.body}")
            if kind == "new_call":
                technician = (answer.body.get("technician") or {}).get("extension") or "1000"
                receiver = "1001" if technician != "1001" else "1002"
            if n >= 2:
                counts[kind].append(len(queries.captured_queries))
                if trips:
                    round_trips[kind].append(trips[0] - trips_before)
                if VERBOSE and kind not in shown:
                    shown.add(kind)
                    print(f"--- {kind}: {len(queries)} statements", file=sys.stderr)
                    for q in queries.captured_queries:
                        print("   ", q["sql"][:220], file=sys.stderr)
        deadlines.run_due_deadlines(worker="bench", at=clock.now() + _seconds(3600), limit=1000)
    result = {kind: sum(v) / len(v) for kind, v in counts.items()}
    result["mean"] = sum(sum(v) for v in counts.values()) / sum(len(v) for v in counts.values())
    if round_trips:
        result.update({f"{kind} round trips": sum(v) / len(v) for kind, v in round_trips.items()})
        result["mean round trips"] = (sum(sum(v) for v in round_trips.values())
                                      / sum(len(v) for v in round_trips.values()))
    spread = {kind: dict(Counter(v)) for kind, v in counts.items()}
    print(json.dumps(spread), file=sys.stderr) if VERBOSE else None
    print(json.dumps(result))


def _count_round_trips() -> list[int]:
    """A counter of the round trips psycopg waits for on this process's connections (see the module's text)."""
    import psycopg
    from psycopg.pq import TransactionStatus

    count = [0]
    execute, commit, command = psycopg.Cursor.execute, psycopg.Connection.commit, psycopg.Connection._exec_command
    pipeline_exit = psycopg.Pipeline.__exit__

    def counted_execute(self: Any, *args: Any, **kwargs: Any) -> Any:
        if self._conn._pipeline is None:  # in a pipeline it is queued, and the pipeline's end waits once
            count[0] += 1
        return execute(self, *args, **kwargs)

    def counted_pipeline_exit(self: Any, *args: Any) -> Any:
        count[0] += 1
        return pipeline_exit(self, *args)

    def counted_commit(self: Any) -> Any:
        if self.pgconn.transaction_status != TransactionStatus.IDLE:  # idle: committed already, nothing sent
            count[0] += 1
        return commit(self)

    def counted_command(self: Any, sql: Any, *args: Any, **kwargs: Any) -> Any:
        if self._pipeline is None and sql != b"COMMIT":  # the BEGIN before a transaction's first statement
            count[0] += 1
        return command(self, sql, *args, **kwargs)

    psycopg.Cursor.execute = counted_execute  # type: ignore[method-assign]
    psycopg.Pipeline.__exit__ = counted_pipeline_exit  # type: ignore[method-assign]
    psycopg.Connection.commit = counted_commit  # type: ignore[method-assign]
    psycopg.Connection._exec_command = counted_command  # type: ignore[method-assign]
    return count


def _seconds(value: float) -> object:
    from datetime import timedelta

    return timedelta(seconds=value)


def main() -> None:
    print("# SQL statements per CTI event\n")
    results = {db: measure(db) for db in ("postgresql", "sqlite")}
    databases = [db for db in results if results[db]]
    rows = [[kind, *(f"{results[db][kind]:.1f}" for db in databases)] for kind in (*KINDS, "mean")]
    trips = results.get("postgresql", {})
    if "mean round trips" in trips:
        rows = [[*row, f"{trips[f'{kind} round trips']:.1f}"] for kind, row in zip((*KINDS, "mean"), rows, strict=True)]
        print(table(["event", *databases, "postgresql round trips"], rows))
    else:
        print(table(["event", *databases], rows))
    print(f"\n{CALLS} calls, {TECHNICIANS} technicians; each event through telephony.native.receive (the token "
          "check and the HTTP layer left out), counted with CaptureQueriesContext.\n")
    for db in databases:
        figure(f"SQL statements per CTI event, mean of the six kinds ({db})", round(results[db]["mean"], 1), "")
    if "mean round trips" in trips:
        figure("Round trips to PostgreSQL per CTI event, mean of the six kinds", round(trips["mean round trips"], 1), "")


if __name__ == "__main__":
    if "--child" in sys.argv:
        child()
    else:
        main()
