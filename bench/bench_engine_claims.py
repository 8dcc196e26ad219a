"""Claim race: 50 clients in several processes race to claim 5,000 waiting contacts.

Run on its own with ``.venv/bin/python bench/bench_engine_claims.py`` (PostgreSQL
from ``BENCH_POSTGRES_URL``; SQLite when unreachable).

``BENCH_CLAIM_CONTACTS`` waiting contacts (default 5,000) and
``BENCH_CLAIM_CLIENTS`` technicians (default 50), split over
``BENCH_CLAIM_PROCESSES`` processes (default 5) of threads, each thread with its
own database connection. Each client loops: ``claim_next_contact`` (FOR UPDATE
SKIP LOCKED on PostgreSQL), then the caller hangs up (the contact ends as
abandoned and the technician is free again; pushed routing may then ring them with the next waiting
contact at once, whoever hung up, which they take as their next), until nothing is left; then the
client pauses its technician and takes whatever was rung at it before the pause. Checked
afterwards: no contact claimed twice (by the clients' own records and by the
stored "offered" events), none left waiting or lost.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _benchlib import figure, table  # noqa: E402
from bench_engine import ROOT, _postgres_database  # noqa: E402

CONTACTS = int(os.environ.get("BENCH_CLAIM_CONTACTS", "5000"))
CLIENTS = int(os.environ.get("BENCH_CLAIM_CLIENTS", "50"))
PROCESSES = int(os.environ.get("BENCH_CLAIM_PROCESSES", "5"))

SETUP = r"""
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
import django; django.setup()
from django.core.management import call_command
from django.db import transaction
call_command("migrate", verbosity=0)
from atiende.contact.services import calls
from atiende.contact.services import locking
from atiende.contact.services import queues
from atiende.contact.services import routing as contact_routing
from atiende.people.models import User
queues.save_queue(name="soporte", tiers=[1])
contacts, clients = int(sys.argv[1]), int(sys.argv[2])
with transaction.atomic(), locking.without_savepoints():
    for i in range(contacts):
        contact_routing.create_contact(queue="soporte", caller=f"+34{i:09d}", route=False)
User.objects.bulk_create([User(username=f"claim{i:03d}", role="tecnico") for i in range(clients)])
# Available without pushed routing (make_available would ring them at once): here the clients pull.
from django.utils import timezone
from atiende.contact.models import TechnicianState
TechnicianState.objects.bulk_create([TechnicianState(user=u, status="disponible", idle_since=timezone.now())
                                     for u in User.objects.filter(username__startswith="claim")])
"""

CLIENT = r"""
import json, os, sys, threading
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
import django; django.setup()
from django.db import connection
from atiende.contact import selectors
from atiende.errors import InputError
from atiende.practices.refusal import Refusal
from atiende.contact.services import availability
from atiende.contact.services import calls
from atiende.contact.services import locking
from atiende.contact.services import queues
from atiende.contact.services import routing as contact_routing
from atiende.people.models import User
names = sys.argv[1].split(",")
claimed = {}
errors = []

def work(name):
    mine = claimed.setdefault(name, [])
    try:
        user = User.objects.get(username=name)
        refused = 0
        while True:
            # A hang-up frees a technician and pushed routing may ring any free one with the next waiting call
            # (this client's own hang-up, or another's, at any moment): that call is theirs, taken as their next
            # (a claim meanwhile is refused, not available, and the call rings at them until taken).
            row = selectors.offered_to(user=user)
            if row is None:
                try:
                    row = contact_routing.claim_next_contact(user=user)
                except InputError as exc:
                    refused += 1
                    if exc.code != "not_available" or refused > 100:  # not rung either: a real refusal
                        raise
                    continue
            refused = 0
            if row is None:
                # Nothing left to claim: the client steps away before it stops, so nothing is left ringing
                # at a technician nobody plays. A call rung at it since its claim refuses the pause (busy):
                # it takes that call and tries again.
                try:
                    availability.pause(user=user, reason="bench finished")
                except Refusal as exc:
                    if exc.code != "pause_while_busy":
                        raise
                    continue
                break
            mine.append(row.pk)
            calls.hang_up(contact_id=row.pk, cause="caller_hangup")
        late = selectors.offered_to(user=user)  # paused: routing must ring it no more
        if late is not None:
            errors.append(f"contact {late.pk} rung at {name} after its pause")
    except Exception as exc:
        errors.append(repr(exc))
    finally:
        connection.close()

threads = [threading.Thread(target=work, args=(n,)) for n in names]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps({"claimed": claimed, "errors": errors}))
"""

CHECK = r"""
import json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
import django; django.setup()
from collections import Counter
from atiende.contact.models import Contact, ContactEvent
offered = Counter(ContactEvent.objects.filter(kind="offered").values_list("contact_id", flat=True))
print(json.dumps({"contacts": Contact.objects.count(),
                  "states": dict(Counter(Contact.objects.values_list("state", flat=True))),
                  "offered_more_than_once": sum(1 for v in offered.values() if v > 1),
                  "never_offered": Contact.objects.count() - len(offered)}))
"""


def main() -> None:
    url = _postgres_database("atiende_bench_claims")
    engine = "PostgreSQL" if url else "SQLite"
    env = dict(os.environ, ATIENDE_HOME=tempfile.mkdtemp(prefix="atiende-bench-claims-"),
               DJANGO_SETTINGS_MODULE="atiende.settings", PYTHONPATH=str(ROOT))
    env.pop("ATIENDE_WEBHOOK_URL", None)
    if url:
        env["DATABASE_URL"] = url
    subprocess.run([sys.executable, "-c", SETUP, str(CONTACTS), str(CLIENTS)], cwd=ROOT, env=env, check=True)
    names = [f"claim{i:03d}" for i in range(CLIENTS)]
    groups = [names[i::PROCESSES] for i in range(PROCESSES)]
    started = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", CLIENT, ",".join(g)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, text=True) for g in groups if g]
    outputs = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
    elapsed = time.perf_counter() - started
    claimed = [pk for out in outputs for pks in out["claimed"].values() for pk in pks]
    errors = [e for out in outputs for e in out["errors"]]
    busiest = max((len(pks) for out in outputs for pks in out["claimed"].values()), default=0)
    check = json.loads(subprocess.run([sys.executable, "-c", CHECK], cwd=ROOT, env=env, check=True,
                                      capture_output=True, text=True).stdout.strip().splitlines()[-1])
    twice = len(claimed) - len(set(claimed))
    lost = CONTACTS - len(set(claimed))
    print(f"# Claim race ({engine}): {CLIENTS} clients in {PROCESSES} processes, {CONTACTS:,} contacts\n")
    print(table(["claimed", "claimed twice", "never claimed", "offered twice (stored)", "states", "errors",
                 "seconds", "claims/s", "most by one client"],
                [[len(claimed), twice, lost, check["offered_more_than_once"], json.dumps(check["states"]),
                  len(errors), f"{elapsed:.1f}", f"{len(claimed) / elapsed:.0f}", busiest]]))
    print()
    for error in errors[:5]:
        print(f"- error: {error}")
    ok = twice == 0 and lost == 0 and check["offered_more_than_once"] == 0 and not errors
    figure(f"Claim race, {engine}: contacts assigned twice or lost ({CLIENTS} clients, {CONTACTS:,} contacts, "
           f"{len(claimed) / elapsed:.0f} claims/s)", twice + lost + check["offered_more_than_once"], "contacts",
           target="0", met=ok)


if __name__ == "__main__":
    main()
