"""Email in: 1,000 messages taken in by Atiende and by django-helpdesk's own mail import, same run.

Run on its own with ``.venv/bin/python bench/bench_mail_ingest.py``. It generates a
realistic mix of ``BENCH_MAIL_MESSAGES`` (default 1000) messages, fixed by a seed: new
requests in plain text (some with a quoted history and a signature), replies to
earlier ones (In-Reply-To and References), HTML mail (alternative, and HTML only),
and mail with attachments (a PNG screenshot and a PDF). Then, ``BENCH_MAIL_ROUNDS``
times (default 3), interleaved A B, B A, A B so that neither side always runs on a
warmer or quieter machine:

- **Atiende**: ``atiende.mail.intake.receive_batch`` on the messages, ``imap.STORE_MESSAGES``
  (20) to a call, as ``atiende mail fetch`` calls it for the messages of one IMAP FETCH
  (one transaction a batch, each message in a savepoint of its own): parse, thread, find
  or create the customer, open the work order, store the message and its files through
  the upload checks, the raw bytes, the acknowledgement in the outbox, the search
  entries, the SLA clocks, the audit chain, the staff's notifications. (``atiende mail
  ingest``, one message from an MTA pipe, is ``intake.receive``: a transaction of its own.)
- **django-helpdesk** (installed from PyPI into bench/out/helpdesk-venv, as
  bench_workorder_api.py does; its set-up is reused): its ``get_email`` path,
  ``helpdesk.email.process_queue`` over a queue whose mailbox is a local directory
  holding the same messages: parse, create tickets and follow-ups, attachments, its
  notification to the submitter (built, sent to Django's dummy mail backend).

Each side runs in its own process on a fresh SQLite file (migrated once, copied per
round), or with ``BENCH_MAIL_DATABASE=postgresql`` on a fresh PostgreSQL database
(migrated once, created from it per round; ``BENCH_POSTGRES_URL`` names the server, as
for bench_workorder_api.py); only the loop over the messages is timed. The figure is the
ratio of the two times in each round: median, with the lowest and highest; the ratio of
CPU times (each process's own) is printed beside it. ``BENCH_MAIL_SETS=0`` stores each
message one by one inside its batch (``intake.WRITE_SETS``), the path before sets.
"""

from __future__ import annotations

import base64
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import textwrap
import unicodedata
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _benchlib import figure, table  # noqa: E402
from bench_workorder_api import (  # noqa: E402
    BENCH_ROLE,
    HELPDESK_SETTINGS,
    HELPDESK_URLS,
    OUT,
    POSTGRES_URL,
    ROOT,
    drop_postgres_database,
    fresh_postgres_database,
    helpdesk_environment,
    run,
)

MESSAGES = int(os.environ.get("BENCH_MAIL_MESSAGES", "1000"))
DATABASE = os.environ.get("BENCH_MAIL_DATABASE", "sqlite")
ROUNDS = int(os.environ.get("BENCH_MAIL_ROUNDS", "3"))
TARGET = 3.0

NAMES = ["Carmen Ruiz", "José Pérez", "María López", "Andrés Gómez", "Lucía Fernández", "Pablo Sánchez",
         "Ana Martín", "Diego Torres", "Elena Navarro", "Jorge Romero", "Sofía Castro", "Miguel Ortega"]
PROBLEMS = [("La impresora no imprime", "La impresora de la segunda planta no imprime desde esta mañana; el "
             "panel muestra papel atascado aunque la bandeja está vacía."),
            ("No puedo entrar al correo", "Desde ayer el programa de correo me pide la contraseña una y otra "
             "vez y no la acepta, aunque es la de siempre."),
            ("El portátil va muy lento", "El portátil tarda diez minutos en arrancar y se queda colgado al "
             "abrir la hoja de cálculo de facturación."),
            ("Sin conexión a la red", "En la sala de reuniones no hay conexión: el cable está conectado pero "
             "el equipo dice que no hay red.")]
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 80  # ~20 KB
PDF = b"%PDF-1.4\n" + b"1 0 obj << /Type /Catalog >> endobj\n" * 1200  # ~45 KB


def _headers(i: int, sender: tuple[str, str], subject: str, when: datetime, extra: str = "") -> str:
    name, address = sender
    return (f"From: {name} <{address}>\r\nTo: Soporte <soporte@example.com>\r\nSubject: {subject}\r\n"
            f"Date: {format_datetime(when)}\r\nMessage-ID: <bench-{i}@example.org>\r\n{extra}MIME-Version: 1.0\r\n")


def _text(body: str) -> str:
    return f"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n"


def generate(count: int, seed: int = 2026) -> list[bytes]:
    """The same realistic mix every run: new requests, replies, HTML, attachments."""
    rng = random.Random(seed)
    start = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    sent: list[tuple[int, str, tuple[str, str]]] = []  # earlier new requests: (index, subject, sender)
    messages = []
    for i in range(count):
        when = start + timedelta(minutes=3 * i)
        kind = rng.random()
        if sent and kind < 0.25:  # a reply to an earlier request of the same sender
            first, subject, sender = rng.choice(sent)
            body = (f"Hola,\r\n\r\nHe probado lo que me dijeron y sigue igual.\r\n\r\nUn saludo,\r\n{sender[0]}\r\n\r\n"
                    f"El lun, 1 dic 2026 a las 9:00, Soporte <soporte@example.com> escribió:\r\n"
                    f"> ¿Puede reiniciar el equipo y decirnos si sigue pasando?\r\n")
            extra = f"In-Reply-To: <bench-{first}@example.org>\r\nReferences: <bench-{first}@example.org>\r\n"
            messages.append((_headers(i, sender, f"Re: {subject}", when, extra) + _text(body)).encode())
            continue
        name = rng.choice(NAMES)
        local = unicodedata.normalize("NFKD", name.split()[0].lower()).encode("ascii", "ignore").decode()
        sender = (name, f"{local}.{i % 97}@cliente{i % 13}.example")
        title, story = rng.choice(PROBLEMS)
        subject = f"{title} ({i})"
        sent.append((i, subject, sender))
        if kind < 0.55:  # plain text, a signature
            raw = _headers(i, sender, subject, when) + _text(f"Buenos días:\r\n\r\n{story}\r\n\r\n--\r\n{name}\r\n")
        elif kind < 0.80:  # HTML: alternative, or HTML only
            html = f"<html><body><p>Buenos días:</p><p>{story}</p><p><b>{name}</b></p></body></html>"
            if kind < 0.70:
                raw = (_headers(i, sender, subject, when) + "Content-Type: multipart/alternative; boundary=ALT\r\n\r\n"
                       f"--ALT\r\n{_text(story)}--ALT\r\nContent-Type: text/html; charset=utf-8\r\n"
                       f"Content-Transfer-Encoding: 8bit\r\n\r\n{html}\r\n--ALT--\r\n")
            else:
                raw = (_headers(i, sender, subject, when) + "Content-Type: text/html; charset=utf-8\r\n"
                       f"Content-Transfer-Encoding: 8bit\r\n\r\n{html}\r\n")
        else:  # attachments: a screenshot and a PDF
            files = [("captura.png", "image/png", PNG), ("factura.pdf", "application/pdf", PDF)]
            parts = "".join(
                f"--MIX\r\nContent-Type: {kind_}; name=\"{fname}\"\r\nContent-Disposition: attachment; "
                f"filename=\"{fname}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                + "\r\n".join(textwrap.wrap(base64.b64encode(data).decode(), 76)) + "\r\n"
                for fname, kind_, data in files[: rng.choice((1, 2))])
            raw = (_headers(i, sender, subject, when) + "Content-Type: multipart/mixed; boundary=MIX\r\n\r\n"
                   f"--MIX\r\n{_text(story + ' Adjunto la captura.')}{parts}--MIX--\r\n")
        messages.append(raw.encode())
    return messages


ATIENDE_RUN = """
import json, os, sys, time
import django
django.setup()
from django.db import connection
from atiende.mail import imap, intake
from atiende.people.models import Team
intake.WRITE_SETS = os.environ.get("BENCH_MAIL_SETS", "1") != "0"
Team.objects.get_or_create(name="Soporte")
folder = sys.argv[1]
names = sorted(os.listdir(folder))
blobs = [open(os.path.join(folder, n), "rb").read() for n in names]
# As atiende mail fetch stores one FETCH's messages (imap.fetch_mailbox): STORE_MESSAGES to a transaction.
items = [intake.Incoming(raw, "imap-bench", 1, uid) for uid, raw in enumerate(blobs, start=1)]
step = imap.STORE_MESSAGES
statements = 0
def count(execute, sql, params, many, context):  # SQL statements sent, at the cost of a call
    global statements
    statements += 1
    return execute(sql, params, many, context)
start, cpu = time.perf_counter(), time.process_time()
with connection.execute_wrapper(count):
    outcomes = [received for i in range(0, len(items), step) for received in intake.receive_batch(items[i:i + step])]
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
from atiende.desk.models import Message, WorkOrder
print(json.dumps({"seconds": elapsed, "cpu": cpu, "stored": sum(o.mail.status == "stored" for o in outcomes),
                  "work_orders": WorkOrder.objects.count(), "messages": Message.objects.count(),
                  "statements": statements}))
"""

HELPDESK_RUN = """
import json, logging, os, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hdproject.settings")
django.setup()
from helpdesk.email import process_queue
from helpdesk.models import FollowUp, Queue, Ticket
queue, _ = Queue.objects.get_or_create(slug="soporte", defaults={
    "title": "Soporte", "email_address": "soporte@example.com", "allow_email_submission": True,
    "email_box_type": "local", "email_box_local_dir": sys.argv[1]})
logger = logging.getLogger("bench.helpdesk")
logger.setLevel(logging.ERROR)
count = len(os.listdir(sys.argv[1]))
start, cpu = time.perf_counter(), time.process_time()
process_queue(queue, logger=logger)
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
left = len(os.listdir(sys.argv[1]))
print(json.dumps({"seconds": elapsed, "cpu": cpu, "stored": count - left, "work_orders": Ticket.objects.count(),
                  "messages": FollowUp.objects.count()}))
"""


def _write(messages: list[bytes], folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for i, raw in enumerate(messages):
        (folder / f"{i:05d}.eml").write_bytes(raw)


def _copy_database(template: str, name: str) -> str:
    """A PostgreSQL database created from a migrated one (the template must have no connection)."""
    from urllib.parse import urlsplit

    import psycopg

    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" OWNER {BENCH_ROLE}')
    parts = urlsplit(POSTGRES_URL)
    return f"postgres://{BENCH_ROLE}@{parts.hostname}:{parts.port or 5432}/{name}"


def _atiende_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",) and not k.startswith("ATIENDE_")}
    env.update({"ATIENDE_HOME": str(home), "DJANGO_SETTINGS_MODULE": "atiende.settings",
                "ATIENDE_MAIL_FROM": "Soporte <soporte@example.com>", "PYTHONPATH": str(ROOT),
                "ATIENDE_MAIL_RATE_LIMIT": "100000"})
    return env


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="bench-mail-"))
    OUT.mkdir(exist_ok=True)
    log = work / "bench.log"
    messages = generate(MESSAGES)
    print(f"# Email in: {MESSAGES:,} messages, Atiende vs django-helpdesk's get_email (local mailbox)\n")
    print(f"Load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
    print(f"Mix: {sum(len(m) for m in messages) / 1e6:.1f} MB; {ROUNDS} rounds, interleaved; database: {DATABASE}; "
          f"Atiende {'as sets' if os.environ.get('BENCH_MAIL_SETS', '1') != '0' else 'one by one'}. Log: {log}\n")
    postgres = DATABASE == "postgresql"
    tag = f"{os.getpid()}"
    databases: list[str] = []
    try:
        # Atiende: migrate once, copy the file (or the database) per round.
        template = work / "atiende-template"
        template.mkdir()
        atiende_template_env = _atiende_env(template)
        if postgres:
            databases.append(f"bench_mail_atiende_{tag}")
            atiende_template_env["DATABASE_URL"] = fresh_postgres_database(databases[-1])
        run([sys.executable, "-m", "django", "migrate", "--noinput"], env=atiende_template_env, cwd=ROOT, log=log)
        # django-helpdesk: its project as bench_workorder_api.py writes it, migrated once.
        python, version = helpdesk_environment(log)
        project = work / "helpdesk-project"
        (project / "hdproject").mkdir(parents=True)
        (project / "hdproject" / "__init__.py").write_text("")
        (project / "hdproject" / "settings.py").write_text(textwrap.dedent(HELPDESK_SETTINGS))
        (project / "hdproject" / "urls.py").write_text(textwrap.dedent(HELPDESK_URLS))
        hd_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DATABASE_URL")}
        hd_env.update({"DJANGO_SETTINGS_MODULE": "hdproject.settings", "PYTHONPATH": str(project)})
        hd_template_env = dict(hd_env)
        if postgres:
            databases.append(f"bench_mail_helpdesk_{tag}")
            hd_template_env["DATABASE_URL"] = fresh_postgres_database(databases[-1])
        run([str(python), "-m", "django", "migrate", "--noinput"], env=hd_template_env, cwd=project, log=log)
        hd_template = project / "helpdesk.sqlite3.template"
        if not postgres:
            shutil.copy(project / "hdproject" / "helpdesk.sqlite3", hd_template)

        def atiende_round(r: int) -> dict[str, float]:
            home = work / f"atiende-{r}"
            home.mkdir()
            env = _atiende_env(home)
            if postgres:
                databases.append(f"bench_mail_atiende_{tag}_{r}")
                env["DATABASE_URL"] = _copy_database(databases[0], databases[-1])
            else:
                shutil.copy(template / "atiende.sqlite3", home / "atiende.sqlite3")
            _write(messages, work / "in")
            out = run([sys.executable, "-c", ATIENDE_RUN, str(work / "in")], env=env, cwd=ROOT, log=log)
            return json.loads(out.strip().splitlines()[-1])

        def helpdesk_round(r: int) -> dict[str, float]:
            env = dict(hd_env)
            if postgres:
                databases.append(f"bench_mail_helpdesk_{tag}_{r}")
                env["DATABASE_URL"] = _copy_database(databases[1], databases[-1])
            else:
                shutil.copy(hd_template, project / "hdproject" / "helpdesk.sqlite3")
            _write(messages, work / "in")
            out = run([str(python), "-c", HELPDESK_RUN, str(work / "in")], env=env, cwd=project, log=log)
            return json.loads(out.strip().splitlines()[-1])

        rows, ratios, cpu_ratios = [], [], []
        for r in range(ROUNDS):
            order = (("Atiende", atiende_round), ("django-helpdesk", helpdesk_round))
            results = {}
            for name, side in order if r % 2 == 0 else reversed(order):
                results[name] = side(r)
            ours, theirs = results["Atiende"], results["django-helpdesk"]
            ratio = theirs["seconds"] / ours["seconds"]
            ratios.append(ratio)
            cpu_ratios.append(theirs["cpu"] / ours["cpu"])
            for name, res in results.items():
                rows.append([r + 1, name, f"{res['seconds']:.2f}", f"{res['cpu']:.2f}",
                             f"{res['cpu'] / MESSAGES * 1000:.1f}", f"{MESSAGES / res['seconds']:.0f}",
                             f"{res['statements'] / MESSAGES:.1f}" if "statements" in res else "",
                             int(res["stored"]), int(res["work_orders"]), int(res["messages"])])
        print(table(["round", "side", "seconds", "CPU seconds", "CPU ms a message", "messages/s",
                     "SQL statements a message", "taken in", "work orders / tickets", "messages / follow-ups"], rows))
        median = statistics.median(ratios)
        print(f"\nPeer: {version}. Ratio (django-helpdesk time / Atiende time) per round: "
              + ", ".join(f"{x:.2f}" for x in ratios) + "; of CPU time (the process's own, whatever the "
              "machine's load): " + ", ".join(f"{x:.2f}" for x in cpu_ratios) + "\n")
        label = "PostgreSQL" if postgres else "SQLite"
        figure(f"Email in, {MESSAGES:,} messages ({label}), vs django-helpdesk get_email", f"{median:.2f}",
               "x django-helpdesk", target=f">= {TARGET:g}x", met=median >= TARGET,
               note=f"min {min(ratios):.2f}, max {max(ratios):.2f}; {ROUNDS} rounds interleaved")
        print(f"Load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    except Exception:
        print(f"The benchmark failed; its log and files stay in {work}")
        raise
    finally:
        for name in reversed(databases):
            drop_postgres_database(name)
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
