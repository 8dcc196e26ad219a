"""`atiende --version` names the installed release, and the CHANGELOG has a section for it."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _pyproject_version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def test_version_comes_from_the_package_metadata():
    out = subprocess.run([sys.executable, "-m", "atiende.cli", "--version"], capture_output=True, text=True,
                         check=True, timeout=60).stdout.strip()
    assert out == f"atiende {_pyproject_version()}"


def test_the_changelog_describes_the_current_version():
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert f"## {_pyproject_version()} " in changelog
