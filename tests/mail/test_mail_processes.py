"""The commands as an MTA and cron run them, in their own processes, on a SQLite file.

``atiende mail ingest`` prints the work-order number alone and exits 0 once stored, 75 when the
database cannot take it (the MTA retries). ``atiende mail fetch`` killed in the middle of a pass
(SIGKILL, between storing a message and marking it) loses nothing and stores nothing twice.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.mail.conftest import append, mail, unmarked
from tests.migrated import migrated_home


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "ATIENDE_TEST_DATABASE") and not k.startswith("ATIENDE_MAIL")}
    env.update({"ATIENDE_HOME": str(home), "DJANGO_SETTINGS_MODULE": "atiende.settings", "LANG": "en_US.UTF-8",
                "ATIENDE_MAIL_FROM": "Soporte <soporte@example.com>", **extra})
    env.pop("ATIENDE_SMTP_URL", None)
    return env


@pytest.fixture
def home(tmp_path) -> Path:
    """A home with a migrated SQLite file: a copy of the run's one (tests/migrated.py)."""
    return migrated_home(tmp_path)


def _count(home: Path, sql: str) -> int:
    with sqlite3.connect(home / "atiende.sqlite3", timeout=10) as db:
        return int(db.execute(sql).fetchone()[0])


def _atiende(*args: str, env: dict[str, str], stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "atiende.cli", *args], env=env, input=stdin,
                          capture_output=True, timeout=120)


def test_ingest_prints_the_number_and_exits_75_when_the_database_cannot_store(home):
    done = _atiende("mail", "ingest", "-", env=_env(home), stdin=mail())
    assert (done.returncode, done.stdout) == (0, b"1\n")
    down = _atiende("mail", "ingest", "-", stdin=mail(message_id="third@example.org"),
                    env={**_env(home), "DATABASE_URL": "postgres://nobody@127.0.0.1:9/none"})
    assert (down.returncode, down.stdout) == (75, b"")
    assert b"deliver it again later" in down.stderr
    unreadable = _atiende("mail", "ingest", "-", env=_env(home), stdin=b"Subject: nobody\n\nno sender\n")
    assert (unreadable.returncode, unreadable.stdout) == (0, b"")  # kept as failed, not lost
    assert b"kept as failed email" in unreadable.stderr


def test_a_fetch_killed_mid_pass_loses_nothing_and_stores_nothing_twice(home, imap_url):
    from atiende.mail.imap import STORE_MESSAGES

    # Five of fetch's transactions: the count jumps by STORE_MESSAGES, so with two of them a loaded machine could
    # commit the second before the kill landed (seen: "assert 40 < 40").
    total = 5 * STORE_MESSAGES
    append(imap_url, *(mail(sender=f"cliente{i}@example.org", message_id=f"crash-{i}@example.org")
                       for i in range(total)))
    env = _env(home, ATIENDE_IMAP_URL=imap_url)
    fetch = subprocess.Popen([sys.executable, "-m", "atiende.cli", "mail", "fetch"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _count(home, "select count(*) from mail_inboundmail") < 3:
            time.sleep(0.01)
        fetch.send_signal(signal.SIGKILL)
        fetch.wait(10)
    finally:
        if fetch.poll() is None:
            fetch.kill()
    stored_at_kill = _count(home, "select count(*) from mail_inboundmail")
    assert 3 <= stored_at_kill < total  # killed in the middle of the pass
    done = _atiende("mail", "fetch", env=env)
    assert done.returncode == 0, done.stderr
    assert _count(home, "select count(*) from mail_inboundmail") == total
    assert _count(home, "select count(distinct dedup_key) from mail_inboundmail") == total
    assert _count(home, "select count(*) from desk_message") == total
    assert _count(home, "select count(*) from desk_workorder") == total
    assert unmarked(imap_url) == []
