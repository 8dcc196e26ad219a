"""A throwaway installation for tests that run `atiende` as a person would: its own ATIENDE_HOME and database.

On SQLite the database is a file in the home; on PostgreSQL a scratch database of
its own on the suite's server (``scratch_database``), dropped afterwards.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]

# Every table's rows, sorted, as text: two databases hold the same data when these are equal.
DUMP = """
import json
from atiende.cli.django_setup import setup_django
setup_django()
from django.db import connection
tables = {}
with connection.cursor() as cursor:
    for table in sorted(connection.introspection.table_names(cursor)):
        cursor.execute("SELECT * FROM " + connection.ops.quote_name(table))
        rows = [[repr(bytes(v)) if isinstance(v, memoryview) else repr(v) for v in row] for row in cursor.fetchall()]
        tables[table] = sorted(rows)
print(json.dumps(tables))
"""


def environment(home: Path, database_url: str | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "ATIENDE_TEST_DATABASE", "ATIENDE_VAULT_KEYS")}
    env.update(ATIENDE_HOME=str(home), LANG="en_US.UTF-8", DJANGO_SETTINGS_MODULE="atiende.settings")
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(extra)
    return env


def atiende(env: dict[str, str], *args: str, python: str = sys.executable, cwd: Path = ROOT,
            timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([python, "-m", "atiende.cli", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def run_python(env: dict[str, str], code: str, *, python: str = sys.executable, cwd: Path = ROOT) -> str:
    """Run ``code`` with this version's package (``cwd`` outside the repository changes nothing: it is
    installed) and return what it printed."""
    done = subprocess.run([python, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def dump(env: dict[str, str]) -> dict[str, list[list[str]]]:
    return json.loads(run_python(env, DUMP).strip().splitlines()[-1])


def postgres_url() -> str:
    return os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")


@contextlib.contextmanager
def scratch_database(suffix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database on the suite's server; its URL. Dropped afterwards."""
    import psycopg

    base = urlsplit(postgres_url())
    name = f"{os.environ.get('ATIENDE_TEST_DB_NAME', 'test_atiende')}_{suffix}"

    def admin() -> psycopg.Connection:
        return psycopg.connect(urlunsplit(base._replace(path="/postgres")), autocommit=True)

    with admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(base._replace(path=f"/{name}"))
    finally:
        with admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
