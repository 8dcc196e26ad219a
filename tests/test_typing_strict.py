"""The pure cores type-check under mypy's strict checks (issue 15's guards).

pyproject.toml turns the strict checks on for the cores' modules (the list in
``[[tool.mypy.overrides]]``, the same cores tests/test_pure_cores.py keeps free
of Django); this runs mypy on them, so a loose annotation fails the suite, not
only ``make lint``. It takes about 15 s (mypy keeps a cache in .mypy_cache).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.test_pure_cores import PURE_CORES

ROOT = Path(__file__).resolve().parent.parent


def _paths() -> list[str]:
    paths = []
    for core in PURE_CORES:
        base = ROOT / core.replace(".", "/")
        paths.append(str(base if base.is_dir() else base.with_suffix(".py")))
    return paths


def test_the_pure_cores_pass_mypy_strict() -> None:
    done = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", *_paths()],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_pyproject_makes_the_same_cores_strict() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for core in PURE_CORES:
        assert f'"{core}"' in text, f"{core} is missing from the strict modules of [[tool.mypy.overrides]]"
