"""Issue 22, item 8: ATIENDE_HOME and the SQLite file are the owner's alone (0700, 0600)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _migrate(home: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATIENDE_") and k != "DATABASE_URL"}
    env.update(ATIENDE_HOME=str(home), DJANGO_SETTINGS_MODULE="atiende.settings")
    done = subprocess.run([sys.executable, "-m", "atiende.cli", "migrate"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300, umask=0o022)
    assert done.returncode == 0, done.stderr[-2000:]


def test_a_new_home_and_its_database_are_readable_by_their_owner_only(tmp_path):
    home = tmp_path / "nueva" / "var"
    _migrate(home)
    assert _mode(home) == 0o700
    for name in ("atiende.sqlite3", "atiende.sqlite3-wal", "atiende.sqlite3-shm"):
        if (home / name).exists():
            assert _mode(home / name) & 0o077 == 0, (name, oct(_mode(home / name)))
    assert _mode(home / "atiende.sqlite3") == 0o600


def test_an_existing_database_file_readable_by_others_is_made_private(tmp_path):
    home = tmp_path / "var"
    home.mkdir()
    (home / "atiende.sqlite3").touch()
    (home / "atiende.sqlite3").chmod(0o644)
    _migrate(home)
    assert _mode(home / "atiende.sqlite3") == 0o600
