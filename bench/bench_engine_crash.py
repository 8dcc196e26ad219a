"""Crash test: SIGKILL the server and the worker in the middle of a stream of CTI events, restart them,
and check that every acknowledged event is stored and every timer still fires.

Run on its own with ``.venv/bin/python bench/bench_engine_crash.py`` (PostgreSQL
from ``BENCH_POSTGRES_URL``, SQLite when unreachable).

1. A fresh database, a queue with short timers (wrap-up 1 s) and 200
   technicians; one server process (uvicorn) and one ``atiende worker``.
2. ``BENCH_CRASH_CLIENTS`` clients (default 8) send ``BENCH_CRASH_EVENTS``
   events in all (default 5,000): per call new_call, answered, hold (announced
   3 s) and, for four calls in five, resumed and hangup; every fifth call stays
   on hold, so its HO-5 reminder must fire.
3. Half-way, the server and the worker get SIGKILL. Clients keep retrying the
   same event (same idempotency id) until the restarted server answers.
4. At the end: every event that got an answer (2xx or 4xx) before or after the
   crash is stored with that very answer; every deadline due more than 5 s ago
   has fired; every call left on hold has its HO-5 alert.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _benchlib import figure, table  # noqa: E402
from bench_engine import ROOT, _free_port, _postgres_database  # noqa: E402

CLIENTS = int(os.environ.get("BENCH_CRASH_CLIENTS", "8"))
EVENTS = int(os.environ.get("BENCH_CRASH_EVENTS", "5000"))
CATCH_UP = int(os.environ.get("BENCH_CRASH_CATCH_UP_SECONDS", "120"))

SETUP = r"""
import json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
import django; django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from atiende.contact.services import availability
from atiende.contact.services import queues
from atiende.people.models import ApiToken, User
queues.save_queue(name="soporte", tiers=[1, 2], policy={"wrap_up_seconds": 1, "ring_timeout_seconds": 600})
admin = User.objects.create_user("centralita", role="administrador")
_t, raw = ApiToken.issue(admin, name="pbx", kind="cti")
User.objects.bulk_create([User(username=f"tec{i:03d}", role="tecnico", tier=1 + i % 2, extension=str(1000 + i))
                          for i in range(200)])
for user in User.objects.filter(role="tecnico"):
    availability.make_available(user=user)
print(json.dumps({"token": raw}))
"""

CHECK = r"""
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
import django; django.setup()
from datetime import timedelta
from django.utils import timezone
from atiende.contact.models import Alert, Contact, Deadline
from atiende.telephony.models import CtiEvent
acked = json.load(open(sys.argv[1]))
stored = {e.event_id: (e.status, e.response) for e in CtiEvent.objects.all()}
missing = [i for i in acked if i not in stored]
different = [i for i, (status, body) in acked.items() if i in stored and stored[i] != (status, body)]
overdue = Deadline.objects.filter(fired_at__isnull=True, due_at__lt=timezone.now() - timedelta(seconds=5)).count()
on_hold = Contact.objects.filter(state="on_hold")
without_reminder = [c.pk for c in on_hold if not Alert.objects.filter(contact=c, rule="HO-5").exists()]
print(json.dumps({"acknowledged": len(acked), "stored": len(stored), "missing": len(missing),
                  "different": len(different), "overdue_unfired": overdue, "left_on_hold": on_hold.count(),
                  "on_hold_without_ho5": len(without_reminder),
                  "fired": Deadline.objects.filter(fired_at__isnull=False).count()}))
"""


class Stack:
    """The server and the worker, started and killed together."""

    def __init__(self, env: dict[str, str], port: int) -> None:
        self.env = env
        self.port = port
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self) -> None:
        server_env = dict(self.env, DJANGO_SETTINGS_MODULE="bench.engine_settings")
        self.procs = [
            subprocess.Popen([sys.executable, "-m", "uvicorn", "atiende.asgi:application", "--host", "127.0.0.1",
                              "--port", str(self.port), "--log-level", "error", "--lifespan", "off",
                              "--no-access-log"], cwd=ROOT, env=server_env),
            subprocess.Popen([sys.executable, "-m", "atiende.cli", "worker", "--interval", "0.2"], cwd=ROOT,
                             env=self.env, stdout=subprocess.DEVNULL),
        ]

    def kill(self) -> None:
        for proc in self.procs:
            proc.send_signal(signal.SIGKILL)
        for proc in self.procs:
            proc.wait()

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(10)


def run_client(index: int, port: int, token: str, budget: int, acked: dict[str, Any], lock: threading.Lock,
               sent: list[int], crash: threading.Event, half: int) -> None:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    conn: http.client.HTTPConnection | None = None

    def post(event: dict[str, Any]) -> dict[str, Any]:
        nonlocal conn
        body = json.dumps(event)
        while True:  # retry the same id until some server answers
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("POST", "/api/v1/cti/events", body, headers)
                response = conn.getresponse()
                data = json.loads(response.read())
                with lock:
                    acked[event["id"]] = (response.status, data)
                    sent[0] += 1
                    if sent[0] >= half:
                        crash.set()
                return data
            except (OSError, http.client.HTTPException, json.JSONDecodeError):
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.2)

    call = 0
    count = 0
    while count < budget:
        call += 1
        cid = f"k{index}-{call}"
        answer = post({"id": f"{cid}-1", "type": "new_call", "call_id": cid, "queue": "soporte"})
        tech = (answer.get("technician") or {}).get("extension") or str(1000 + index)
        post({"id": f"{cid}-2", "type": "answered", "call_id": cid, "technician": tech})
        post({"id": f"{cid}-3", "type": "hold", "call_id": cid, "reason": "Consulto", "customer_consent": True,
              "expected_minutes": 0.05})
        count += 3
        if call % 5:
            post({"id": f"{cid}-4", "type": "resumed", "call_id": cid})
            post({"id": f"{cid}-5", "type": "hangup", "call_id": cid})
            count += 2
    if conn is not None:
        conn.close()


def main() -> None:
    url = _postgres_database("atiende_bench_crash")
    engine = "PostgreSQL" if url else "SQLite"
    home = tempfile.mkdtemp(prefix="atiende-bench-crash-")
    env = dict(os.environ, ATIENDE_HOME=home, DJANGO_SETTINGS_MODULE="atiende.settings", PYTHONPATH=str(ROOT))
    env.pop("ATIENDE_WEBHOOK_URL", None)
    if url:
        env["DATABASE_URL"] = url
    out = subprocess.run([sys.executable, "-c", SETUP], cwd=ROOT, env=env, check=True, capture_output=True,
                         text=True).stdout
    token = json.loads(out.strip().splitlines()[-1])["token"]
    port = _free_port()
    stack = Stack(env, port)
    stack.start()
    acked: dict[str, Any] = {}
    lock = threading.Lock()
    sent = [0]
    crash = threading.Event()
    per_client = EVENTS // CLIENTS
    threads = [threading.Thread(target=run_client, args=(i, port, token, per_client, acked, lock, sent, crash,
                                                         EVENTS // 2)) for i in range(CLIENTS)]
    started = time.monotonic()
    for t in threads:
        t.start()
    crash.wait()
    acked_before = len(acked)
    stack.kill()
    killed_at = time.monotonic()
    time.sleep(2)  # down for a while: timers fall due meanwhile
    stack.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(acked, f)

    def check() -> dict[str, Any]:
        out = subprocess.run([sys.executable, "-c", CHECK, f.name], cwd=ROOT, env=env, check=True,
                             capture_output=True, text=True).stdout
        return json.loads(out.strip().splitlines()[-1])

    # The restarted worker works through the backlog (what fell due while it was down, and during the
    # stream on a busy machine). Poll until nothing overdue is left, for at most CATCH_UP seconds:
    # a timer still unfired after that would be a forgotten timer, not a slow one.
    stream_end = time.monotonic()
    result = check()
    while (result["overdue_unfired"] or result["on_hold_without_ho5"]) and time.monotonic() - stream_end < CATCH_UP:
        time.sleep(3)
        result = check()
    caught_up = time.monotonic() - stream_end
    stack.stop()
    print(f"# Crash test ({engine}): SIGKILL of server and worker during {EVENTS:,} events\n")
    print(f"Killed after {acked_before:,} acknowledged events, {killed_at - started:.1f} s in; "
          f"restarted 2 s later; stream finished after {elapsed:.1f} s; the worker had fired every overdue "
          f"timer {caught_up:.0f} s after the stream ended (checked every 3 s, limit {CATCH_UP} s).\n")
    print(table(list(result), [list(result.values())]))
    print()
    ok = result["missing"] == 0 and result["different"] == 0
    figure(f"Crash test, {engine}: acknowledged events lost after SIGKILL ({result['acknowledged']:,} acknowledged)",
           result["missing"] + result["different"], "events", target="0", met=ok)
    timers_ok = result["overdue_unfired"] == 0 and result["on_hold_without_ho5"] == 0
    figure(f"Crash test, {engine}: timers overdue and unfired after restart ({result['fired']:,} fired; "
           f"backlog cleared {caught_up:.0f} s after the stream)",
           result["overdue_unfired"] + result["on_hold_without_ho5"], "timers", target="0", met=timers_ok)


if __name__ == "__main__":
    main()
