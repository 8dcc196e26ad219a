"""Issue 22, item 27: the suite never reports a half as passed when it ran nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

FAKE_PYTEST = """#!/bin/sh
# Stands for "python -m pytest": the PostgreSQL half skips everything, the SQLite half passes.
if [ "$ATIENDE_TEST_DATABASE" = postgres ]; then echo "120 skipped in 1.0s"; else echo "300 passed in 9.0s"; fi
exit 0
"""


def test_the_summary_does_not_call_a_half_of_skips_passed(tmp_path):
    fake = tmp_path / "python"
    fake.write_text(FAKE_PYTEST)
    fake.chmod(0o755)
    done = subprocess.run(["sh", str(ROOT / "scripts/test-both.sh"), str(fake), "postgres://nowhere/x"],
                          capture_output=True, text=True, timeout=60)
    summary = done.stdout.strip().splitlines()[-1]
    assert "SQLite half: passed" in summary
    assert "PostgreSQL half: NOT RUN" in summary and "PostgreSQL half: passed" not in summary


def test_under_ci_an_unreachable_postgresql_fails_the_half(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("ATIENDE_TEST_DB_NAME",)}
    env.update(CI="1", ATIENDE_TEST_DATABASE="postgres", DATABASE_URL="postgres://postgres@127.0.0.1:1/none")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "tests/privacy/test_consent.py"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0, done.stdout[-2000:]
    assert "PostgreSQL half cannot run" in done.stdout + done.stderr


def test_the_postgresql_half_runs_every_test_that_serves_a_center():
    """A browser test serves a copy of the run's database (the ``center_template`` fixture, PostgreSQL on that
    half) whether it is marked for the database or not: the PostgreSQL half selects it."""
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update(ATIENDE_TEST_DATABASE="postgres", DATABASE_URL="postgres://postgres@127.0.0.1:1/none")
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only",
                           "tests/consoles/test_browser_consoles.py"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert "test_browser_consoles.py::test_call_answered_held_overrun_transferred_escalated_and_ended" in done.stdout, \
        done.stdout[-2000:]
