"""On a real SQLite file, as `atiende serve` uses it: several processes append to the audit
chain at once, and a stored password never reaches the file's bytes (ET-3, ET-4)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.migrated import migrated_home

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Zorro-Azul-7731-secreto"
LABEL = "Cuenta-de-correo-etiqueta-visible"

APPEND = """
import sys
from atiende.cli.django_setup import setup_django
setup_django()
from atiende.privacy import audit
for i in range(int(sys.argv[2])):
    audit.record("test.concurrent", object_type="process", object_id=sys.argv[1], details={"i": i})
"""

STORE = f"""
from atiende.cli.django_setup import setup_django
setup_django()
from atiende.desk.models import Customer, WorkOrder
from atiende.people.models import User
from atiende.privacy.services import give_consent, reveal_secret, store_secret
tech = User.objects.create_user("lucia", password="x-very-long-pass", role="tecnico")
customer = Customer.objects.create(name="Carmen Ruiz")
order = WorkOrder.objects.create(number=1, title="Correo", customer=customer, assignee=tech)
secret = store_secret(work_order=order, kind="password", label={LABEL!r}, value={PASSWORD!r}, created_by=tech)
give_consent(customer=customer, scope="account_access", method="written", recorded_by=tech, work_order=order)
assert reveal_secret(actor=tech, secret=secret) == {PASSWORD!r}
"""


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ATIENDE_TEST_DATABASE")}
    env.update(ATIENDE_HOME=str(home), DJANGO_SETTINGS_MODULE="atiende.settings", ATIENDE_LOG_LEVEL="DEBUG")
    env.pop("ATIENDE_VAULT_KEYS", None)  # the per-installation key file is used
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture(scope="module")
def sqlite_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("atiende_home")
    return migrated_home(home)


def test_processes_appending_at_once_keep_one_unbroken_chain(sqlite_home: Path):
    env = _env(sqlite_home)
    processes, per_process = 4, 15
    running = [
        subprocess.Popen([sys.executable, "-c", APPEND, str(n), str(per_process)], cwd=ROOT, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for n in range(processes)
    ]
    for proc in running:
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-2000:]
    verify = _run(["-m", "atiende.cli", "audit", "verify"], env)
    assert verify.returncode == 0, verify.stderr
    assert str(processes * per_process) in verify.stdout


def test_stored_password_never_reaches_the_database_file(sqlite_home: Path):
    env = _env(sqlite_home)
    done = _run(["-c", STORE], env)
    assert done.returncode == 0, done.stderr[-2000:]
    files = [p for p in sqlite_home.iterdir() if p.name.startswith("atiende.sqlite3")]
    blob = b"".join(p.read_bytes() for p in files)
    assert LABEL.encode() in blob  # the grep works: the label is there
    assert PASSWORD.encode() not in blob
    assert PASSWORD not in done.stdout + done.stderr
    key_file = sqlite_home / "vault.keys"
    assert key_file.exists() and (key_file.stat().st_mode & 0o077) == 0
