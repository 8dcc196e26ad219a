"""`atiende backup` and `atiende restore`: a demo installation goes round trip with every row of every table
and every uploaded file, on SQLite and on PostgreSQL; the vault keys stay out and the command says where."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_RUN
from tests.migrated import migrated_home
from tests.operations.installation import (
    DUMP,
    atiende,
    dump,
    environment,
    files,
    run_python,
    scratch_database,
)

# The demo's data, a file upload and a name with accents; then every table's rows (one process: it is slow).
DEMO = """
from atiende.cli.django_setup import setup_django
setup_django()
from django.core.management import call_command
from atiende.demo import load_demo
call_command("migrate", interactive=False, verbosity=0)
load_demo()
from pathlib import Path
from django.conf import settings
from django.db import connection
folder = Path(settings.MEDIA_ROOT) / "attachments" / "2026"
folder.mkdir(parents=True, exist_ok=True)
(folder / "captura.png").write_bytes(bytes(range(256)) * 10)
with connection.cursor() as cursor:
    cursor.execute("UPDATE people_user SET first_name = 'Ñandú' WHERE id = (SELECT MIN(id) FROM people_user)")
""" + DUMP


def _round_trip(tmp_path: Path, first_url: str | None, second_url: str | None) -> None:
    home = tmp_path / "home"
    if first_url is None:
        migrated_home(home)  # a copy of the run's migrated SQLite file (tests/migrated.py): DEMO's migrate is done
    env = environment(home, first_url)
    before = json.loads(run_python(env, DEMO).strip().splitlines()[-1])
    uploads = files(home / "media")
    assert sum(len(rows) for rows in before.values()) > 300 and uploads

    archive = tmp_path / "atiende.tar.gz"
    made = atiende(env, "backup", str(archive))
    assert made.returncode == 0, made.stderr
    assert "vault keys are NOT in this backup" in made.stdout
    assert "vault.keys" in made.stdout or "ATIENDE_VAULT_KEYS" in made.stdout
    assert "audit key is not in it" in made.stdout  # nor the audit seal's key, and it says where that is
    assert "audit.key" in made.stdout or "ATIENDE_AUDIT_KEY" in made.stdout
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert not [n for n in names if "vault" in n or n.endswith((".keys", "audit.key"))]
    assert archive.stat().st_mode & 0o077 == 0

    # Onto a new machine: an empty home (and an empty database).
    new_home = tmp_path / "new-home"
    new_env = environment(new_home, second_url)
    restored = atiende(new_env, "restore", str(archive))
    assert restored.returncode == 0, restored.stderr
    assert dump(new_env) == before
    assert files(new_home / "media") == uploads

    # Onto the same installation after a bad day: refused without --replace, then everything is back.
    (home / "media" / "stray.txt").write_text("after the backup")
    refused = atiende(env, "restore", str(archive))
    assert refused.returncode == 2 and "--replace" in refused.stderr
    run_python(env, "from atiende.cli.django_setup import setup_django\nsetup_django()\n"
                    "from atiende.desk.models import WorkOrder\nWorkOrder.objects.all().delete()")
    replaced = atiende(env, "restore", str(archive), "--replace")
    assert replaced.returncode == 0, replaced.stderr
    assert dump(env) == before
    assert files(home / "media") == uploads
    assert "kept in" in replaced.stdout  # the uploads that were there are moved aside, not deleted


@pytest.mark.skipif(POSTGRES_RUN, reason="the SQLite round trip runs in the SQLite half")
def test_sqlite_round_trip_keeps_every_row_and_upload(tmp_path):
    _round_trip(tmp_path, None, None)


@pytest.mark.django_db
@pytest.mark.skipif(not POSTGRES_RUN, reason="the PostgreSQL round trip runs in the PostgreSQL half")
def test_postgres_round_trip_keeps_every_row_and_upload(tmp_path):
    with scratch_database("backup_a") as first, scratch_database("backup_b") as second:
        _round_trip(tmp_path, first, second)


def test_a_file_that_is_not_a_backup_is_refused_clearly(tmp_path):
    (tmp_path / "notes.tar.gz").write_text("hello")
    done = atiende(environment(tmp_path), "restore", str(tmp_path / "notes.tar.gz"))
    assert done.returncode == 2
    assert "Cannot read" in done.stderr or "not a backup" in done.stderr
