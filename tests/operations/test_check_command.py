"""`atiende check`: the readiness report for a person, exit 1 until a worker has run, 0 after."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.migrated import migrated_home

ROOT = Path(__file__).resolve().parents[2]


def _atiende(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "ATIENDE_TEST_DATABASE")}
    env.update(ATIENDE_HOME=str(home), LANG="en_US.UTF-8")
    return subprocess.run([sys.executable, "-m", "atiende.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_check_says_what_is_missing_then_that_all_is_ready(tmp_path):
    migrated_home(tmp_path)
    assert _atiende(tmp_path, "migrate").returncode == 0  # nothing left to apply: says so and goes on
    before = _atiende(tmp_path, "check")
    assert before.returncode == 1
    assert "Not ready: worker." in before.stdout
    assert "start `atiende worker`" in before.stdout
    assert _atiende(tmp_path, "worker", "--once").returncode == 0
    after = _atiende(tmp_path, "check", "--format", "json")
    assert after.returncode == 0, after.stdout
    assert json.loads(after.stdout)["status"] == "ready"


def test_a_limit_that_is_not_a_number_is_named(tmp_path):
    migrated_home(tmp_path)
    env_run = subprocess.run([sys.executable, "-m", "atiende.cli", "check"], cwd=ROOT, capture_output=True, text=True,
                             env={**{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)},
                                  "ATIENDE_HOME": str(tmp_path), "LANG": "en_US.UTF-8",
                                  "ATIENDE_READY_MAX_BACKLOG": "lots"}, timeout=120)
    assert env_run.returncode == 2
    assert "ATIENDE_READY_MAX_BACKLOG" in env_run.stdout
