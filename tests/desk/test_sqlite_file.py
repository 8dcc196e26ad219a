"""On a real SQLite file, as `atiende serve` uses it: several processes create and edit work
orders at once; numbers never repeat and no edit of a stale version gets through."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.migrated import migrated_home

ROOT = Path(__file__).resolve().parents[2]

SETUP = """
from atiende.cli.django_setup import setup_django
setup_django()
from atiende.desk.services.customers import create_customer
from atiende.desk.services.work_orders import create_work_order, update_work_order
from atiende.people.models import Team, User
team = Team.objects.create(name="Soporte")
tech = User.objects.create_user("lucia", password="x-very-long-pass", role="tecnico")
tech.teams.add(team)
customer = create_customer(actor=tech, name="Carmen Ruiz")
wo = create_work_order(actor=tech, customer=customer, title="Primera")
print(wo.number)
"""

CREATE = """
import sys, time
from atiende.cli.django_setup import setup_django
setup_django()
from atiende.desk.models import Customer
from atiende.desk.services.work_orders import create_work_order
from atiende.people.models import User
tech = User.objects.get(username="lucia")
customer = Customer.objects.get()
time.sleep(max(0.0, float(sys.argv[1]) - time.time()))
for i in range(int(sys.argv[2])):
    print(create_work_order(actor=tech, customer=customer, title=f"Solicitud {i}").number)
"""

EDIT = """
import json, sys, time
from atiende.cli.django_setup import setup_django
setup_django()
from atiende.desk.models import WorkOrder
from atiende.desk.services.work_orders import update_work_order
from atiende.errors import InputError
from atiende.people.models import User
tech = User.objects.get(username="lucia")
wo = WorkOrder.objects.get(number=1)
time.sleep(max(0.0, float(sys.argv[1]) - time.time()))
try:
    update_work_order(actor=tech, work_order=wo, version=1, title=sys.argv[2])
    print(json.dumps("ok"))
except InputError as exc:
    print(json.dumps(exc.code))
"""


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ATIENDE_TEST_DATABASE")}
    env.update(ATIENDE_HOME=str(home), DJANGO_SETTINGS_MODULE="atiende.settings")
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)


def _together(script: str, args: list[list[str]], env: dict[str, str]) -> list[str]:
    start = str(time.time() + 4)  # every process is set up by then, then all go at once
    running = [subprocess.Popen([sys.executable, "-c", script, start, *a], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for a in args]
    outputs = []
    for proc in running:
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err[-2000:]
        outputs.append(out)
    return outputs


@pytest.fixture(scope="module")
def sqlite_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("desk_home")
    env = _env(home)
    migrated_home(home)
    done = _run(["-c", SETUP], env)
    assert done.returncode == 0 and done.stdout.strip() == "1", done.stderr[-2000:]
    return home


def test_processes_creating_at_once_get_distinct_consecutive_numbers(sqlite_home: Path):
    outputs = _together(CREATE, [["6"]] * 3, _env(sqlite_home))
    numbers = sorted(int(n) for out in outputs for n in out.split())
    assert numbers == list(range(2, 2 + 18))


def test_processes_editing_the_same_version_one_wins_the_others_get_409(sqlite_home: Path):
    outputs = _together(EDIT, [["Uno"], ["Dos"], ["Tres"]], _env(sqlite_home))
    results = sorted(json.loads(out) for out in outputs)
    assert results == ["ok", "stale_version", "stale_version"]
