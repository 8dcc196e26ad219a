"""The cost of one chat line in process: the chat's own write path against the desk's full one, same run.

Issue 17 needs 33 chat lines a second stored by one server process (500 chats); on SQLite they are written
one at a time. This measures what a line costs where the load of the machine matters least: in one process,
no sockets, the same database, the same chats, alternating rounds of

- **chat**: ``services.customer_writes`` / ``technician_writes`` as the sockets call them (the message row,
  the history line only when the turn changes, the search entry left to the chat's end and the worker), with
  the database connection's clean-up Channels does around each socket call (``close_old_connections`` before
  and after: with ``ATIENDE_SQLITE_CONN_SECONDS=0`` it closes a SQLite connection every time, as before issue
  17's third pass);
- **full (baseline)**: the same lines through the desk's full ``post_message`` (a history line and its
  audit entry, the SLA refresh and the search entry of the work order at every line), as before issue 17's
  second pass.

Each round: every chat gets one customer line, then one line of its technician (two turns: the first line of
each turn moves the SLA clocks in both paths), then a second customer line (goes on with the turn). Printed:
milliseconds and statements per line (wall time and this process's CPU), and the ratio.

Set-up: a fresh SQLite database under a temporary ATIENDE_HOME (or ``--database-url``, an empty PostgreSQL
database), seeded as bench_chat.py seeds (``--chats`` chats accepted by their technicians).

Run: ``.venv/bin/python bench/bench_chat_line.py [--chats 20] [--rounds 6] [--database-url URL]``
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._benchlib import figure, table  # noqa: E402


def measure(rounds: int) -> dict[str, Any]:
    """Subprocess (the seeded database's settings): the rounds, alternating the two paths."""
    from atiende.cli.django_setup import setup_django

    setup_django()
    from django.conf import settings
    from django.db import close_old_connections, connection, reset_queries, transaction

    from atiende.chat import live, services
    from atiende.chat.models import ChatSession
    from atiende.desk.messages import post_message
    from atiende.desk.models import Channel, Visibility
    from atiende.people.models import User

    sessions = list(ChatSession.objects.filter(state="active")
                    .select_related("widget", "widget__queue", "contact", "work_order", "customer"))
    technicians = {u.pk: u for u in User.objects.filter(pk__in=[s.contact.assignee_id for s in sessions])}

    def as_a_socket(call: Any, **kwargs: Any) -> None:
        """As the sockets call it (Channels' database_sync_to_async): old connections closed before and after,
        which with CONN_MAX_AGE 0 closes the connection every time (ATIENDE_SQLITE_CONN_SECONDS=0: as before)."""
        close_old_connections()
        try:
            call(**kwargs)
        finally:
            close_old_connections()

    def chat_round(n: int) -> None:
        for s in sessions:
            as_a_socket(services.customer_writes, session=s, body=f"Sigue sin funcionar ({n})", client_id=f"c{n}a")
            as_a_socket(services.technician_writes, user=technicians[s.contact.assignee_id], chat_id=s.pk,
                        body=f"Lo reviso ahora mismo ({n}).", client_id=f"t{n}")
            as_a_socket(services.customer_writes, session=s, body=f"Gracias ({n})", client_id=f"c{n}b")

    def full_line(s: ChatSession, body: str, author: Any = None) -> None:
        with transaction.atomic():
            message = post_message(work_order=s.work_order, body=body, visibility=Visibility.PUBLIC,
                                   channel=Channel.CHAT, direction="out" if author else "in", author=author,
                                   author_name="" if author else s.customer_name)
            live.message_after_commit(s, message)

    def full_round(n: int) -> None:
        for s in sessions:
            full_line(s, f"Sigue sin funcionar ({n})")
            full_line(s, f"Lo reviso ahora mismo ({n}).", technicians[s.contact.assignee_id])
            full_line(s, f"Gracias ({n})")

    totals = {name: {"wall": 0.0, "cpu": 0.0, "queries": 0, "lines": 0} for name in ("chat", "full")}
    chat_round(0)
    full_round(0)  # warm both
    settings.DEBUG = True  # statements counted
    for n in range(1, rounds + 1):
        for name, run in (("chat", chat_round), ("full", full_round)) if n % 2 else (("full", full_round),
                                                                                   ("chat", chat_round)):
            reset_queries()
            wall, cpu = time.perf_counter(), time.process_time()
            run(n)
            totals[name]["wall"] += time.perf_counter() - wall
            totals[name]["cpu"] += time.process_time() - cpu
            totals[name]["queries"] += len(connection.queries)
            totals[name]["lines"] += 3 * len(sessions)
    return totals


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--database-url", default="", help="an empty PostgreSQL database (default: SQLite)")
    parser.add_argument("--measure", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return 0
    with tempfile.TemporaryDirectory(prefix="atiende-chat-line-") as tmp:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        env.update({"ATIENDE_HOME": tmp, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "atiende.settings",
                    "ATIENDE_SECRET_KEY": secrets.token_urlsafe(50)})
        if args.database_url:
            env["DATABASE_URL"] = args.database_url
        python = sys.executable
        subprocess.run([python, "-m", "atiende.cli", "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
        subprocess.run([python, str(ROOT / "bench" / "bench_chat.py"), "--seed", str(args.chats)], env=env, cwd=ROOT,
                       check=True, capture_output=True)
        done = subprocess.run([python, __file__, "--measure", str(args.rounds)], env=env, cwd=ROOT, check=True,
                              capture_output=True, text=True)
    totals = json.loads(done.stdout.strip().splitlines()[-1])
    database = "PostgreSQL" if args.database_url else "SQLite"
    load = os.getloadavg()
    rows = []
    per = {}
    for name, label in (("chat", "chat path (customer_writes / technician_writes)"),
                        ("full", "desk's full post_message (baseline)")):
        t = totals[name]
        per[name] = (1000 * t["wall"] / t["lines"], 1000 * t["cpu"] / t["lines"], t["queries"] / t["lines"])
        rows.append([label, t["lines"], f"{per[name][0]:.1f}", f"{per[name][1]:.1f}", f"{per[name][2]:.1f}"])
    print(f"## One chat line in process, {database}, {args.chats} chats, {args.rounds} rounds of 3 lines a chat\n")
    print(f"{os.cpu_count()} CPUs, load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}.\n")
    print(table(["path", "lines", "ms a line (wall)", "ms a line (CPU)", "statements a line"], rows))
    ratio = per["full"][1] / per["chat"][1]
    print(f"\nCPU a line: the full path costs {ratio:.1f}x the chat's; 33 lines a second (500 chats) take "
          f"{33 * per['chat'][1] / 10:.0f} % of a core on the chat path, {33 * per['full'][1] / 10:.0f} % on the full one.")
    figure(f"Chat line in process, CPU ({database})", round(per["chat"][1], 2), "ms",
           note=f"full post_message {per['full'][1]:.2f} ms ({ratio:.1f}x); statements {per['chat'][2]:.1f} vs "
                f"{per['full'][2]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
