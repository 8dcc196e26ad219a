"""The files shipped in deploy/ work as they are: systemd accepts the units, Caddy the Caddyfile, and every
setting of the example environment file is documented in docs/deploy.md."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
INSTALLED = "/opt/atiende/.venv/bin/atiende"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here")
def test_systemd_accepts_every_unit(tmp_path):
    # The units name the installed command; here it is this environment's (systemd checks it exists).
    here = str(Path(sys.executable).with_name("atiende"))
    units = []
    for unit in sorted((DEPLOY / "systemd").iterdir()):
        text = unit.read_text().replace(INSTALLED, here)
        name = unit.name.replace("@.", "@1.")  # a template is checked through an instance
        (tmp_path / name).write_text(text)
        units.append(str(tmp_path / name))
    assert len(units) >= 4
    done = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    # Warnings (an unknown key, a bad value) are printed without failing: none allowed.
    assert [line for line in done.stderr.splitlines() if str(tmp_path) in line] == []


@pytest.mark.skipif(shutil.which("caddy") is None, reason="caddy is not installed here (scripts/ensure-caddy.sh)")
def test_caddy_accepts_the_caddyfile():
    done = subprocess.run(["caddy", "validate", "--adapter", "caddyfile", "--config", str(DEPLOY / "Caddyfile")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]


def test_every_setting_of_the_example_environment_is_documented():
    names = re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (DEPLOY / "atiende.env.example").read_text(), re.M)
    guide = (ROOT / "docs" / "deploy.md").read_text()
    assert names and [name for name in names if f"`{name}`" not in guide] == []


def test_every_setting_the_code_reads_is_documented():
    """A setting read from the environment anywhere in atiende/ is named in docs/deploy.md, the administrator's
    one list of settings and secrets (the guide of its area may say more)."""
    read = set()
    for path in (ROOT / "atiende").rglob("*.py"):
        read |= set(re.findall(r"[\"'](ATIENDE_[A-Z0-9_]+|DATABASE_URL|REDIS_URL)[\"']", path.read_text()))
    read -= {"ATIENDE_TEST_DB_NAME"}  # the suite's own
    documented = (ROOT / "docs" / "deploy.md").read_text()
    assert sorted(name for name in read if f"`{name}`" not in documented) == []


def test_the_example_environment_sets_every_key_that_would_otherwise_be_a_file_of_one_machine():
    """A secret whose default is a key file made in ATIENDE_HOME on first use (the vault keys, the audit key) is
    set in the example environment: with several machines each would make its own, and a credential stored or an
    audit head sealed through one would not open or verify on another."""
    rows = [line.split("|")[1:4] for line in (ROOT / "docs" / "deploy.md").read_text().splitlines()
            if line.startswith("| `")]
    per_machine = sorted({name for names, meaning, default in rows
                          if "**secret**" in meaning and default.strip().startswith("file `ATIENDE_HOME/")
                          for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", names)})
    example = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", (DEPLOY / "atiende.env.example").read_text(), re.M))
    assert per_machine == ["ATIENDE_AUDIT_KEY", "ATIENDE_VAULT_KEYS"]
    assert [name for name in per_machine if name not in example] == []
