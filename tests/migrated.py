"""A migrated SQLite database for the tests that run Atiende in processes of their own (servers, workers, the
command line) on an ATIENDE_HOME of their own.

Migrating an empty database costs about 9 s of CPU (Django renders the model states of every migration),
and a dozen test modules each did it for their home. The first of them makes one, with ``atiende migrate`` as
a person would, and every home gets a copy of that file: what those tests look at starts after the
migrations. Migrating from nothing is still tested: the suite's own test database, ``atiende demo`` and
``tests/operations/test_upgrade.py`` (an older release's database) do it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "atiende.sqlite3"  # the file settings.py keeps under ATIENDE_HOME when no DATABASE_URL is set

_template: Path | None = None


def _make_template() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="atiende-migrated-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATIENDE_") and k != "DATABASE_URL"}
    env.update(ATIENDE_HOME=str(folder), LANG="en_US.UTF-8", DJANGO_SETTINGS_MODULE="atiende.settings")
    done = subprocess.run([sys.executable, "-m", "atiende.cli", "migrate"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"atiende migrate failed for the tests' migrated database:\n{done.stderr[-3000:]}")
    return folder / DATABASE


def migrated_home(home: Path) -> Path:
    """``home`` (created if missing, private as Atiende makes it) holds a copy of the migrated database."""
    global _template
    if _template is None or not _template.exists():
        _template = _make_template()
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(0o700)
    target = home / DATABASE
    shutil.copyfile(_template, target)
    target.chmod(0o600)
    return home
