"""Backups of a whole installation: the database and the uploaded files, in one archive; never the vault keys.

An archive (``atiende backup FILE``) is a gzip'd tar with:

- ``manifest.json``: the format, Atiende's version, when, the database's kind,
  each table's row count, the uploaded files' count, the migrations applied;
- ``database.sqlite3`` (SQLite: copied with SQLite's online backup API, so the
  app may keep serving meanwhile) or ``database.pgdump`` (PostgreSQL:
  ``pg_dump --format=custom``, a consistent snapshot while the app serves);
- ``media/``: the uploaded files (``MEDIA_ROOT``: attachments, mail kept raw).

The vault keys (``ATIENDE_VAULT_KEYS`` or ``$ATIENDE_HOME/vault.keys``) are
never in it: a backup with its keys would hand every stored credential to
whoever holds the file (ET-3). The command says where they are, to be kept
apart. ``atiende restore FILE`` puts an archive back into the configured
database and ``MEDIA_ROOT``, refuses to overwrite a database with data unless
told ``--replace``, and checks every table's row count against the manifest.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, connections
from django.utils.translation import gettext as _

from atiende import __version__
from atiende.errors import InputError
from atiende.privacy import audit_seal, vault

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
POSTGRES_MEMBER = "database.pgdump"
MEDIA_PREFIX = "media"


@dataclass(frozen=True)
class Manifest:
    data: dict[str, Any]

    @property
    def tables(self) -> dict[str, int]:
        return dict(self.data["tables"])


def table_counts() -> dict[str, int]:
    """Every table of the database and its rows."""
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = int(cursor.fetchone()[0])
    return counts


def _migrations() -> dict[str, list[str]]:
    from django.db.migrations.recorder import MigrationRecorder

    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def vault_keys_location() -> str:
    """Where this installation's vault keys are, in words for the person making the backup."""
    if os.environ.get(vault.ENV_VAR, "").strip():
        return _("in the environment variable %(name)s") % {"name": vault.ENV_VAR}
    return _("in the file %(path)s") % {"path": Path(settings.HOME) / vault.KEY_FILE_NAME}


def audit_key_location() -> str:
    """Where this installation's audit key is (the seal of the audit chain, docs/security.md), in words."""
    if str(getattr(settings, "ATIENDE_AUDIT_KEY", "") or "").strip():
        return _("in the environment variable %(name)s") % {"name": "ATIENDE_AUDIT_KEY"}
    return _("in the file %(path)s") % {"path": Path(settings.HOME) / audit_seal.KEY_FILE_NAME}


# ---------------------------------------------------------------------------- the database, each kind

def _vendor() -> str:
    if connection.vendor not in ("sqlite", "postgresql"):
        raise InputError("unsupported_database", _("Backups cover SQLite and PostgreSQL, not %(vendor)s.")
                         % {"vendor": connection.vendor})
    return connection.vendor


def _sqlite_path() -> Path:
    name = str(settings.DATABASES["default"]["NAME"])
    if name == ":memory:" or name.startswith("file:"):
        raise InputError("unsupported_database", _("An in-memory SQLite database cannot be backed up."))
    return Path(name)


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy page by page, while others may read and write."""
    with contextlib.closing(sqlite3.connect(source, timeout=30)) as src, \
            contextlib.closing(sqlite3.connect(target, timeout=30)) as dst:
        src.backup(dst)


def _postgres_environment() -> dict[str, str]:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"),
                          ("PGPASSWORD", "PASSWORD"), ("PGDATABASE", "NAME")):
        if db.get(key):
            env[variable] = str(db[key])
    return env


def _postgres_tool(tool: str) -> str:
    """``pg_dump`` or ``pg_restore``, at least as new as the server (an older one refuses or loses things)."""
    path = shutil.which(tool)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        server_major = int(cursor.fetchone()[0]) // 10000
    hint = _("install the PostgreSQL client tools of version %(major)s or newer (Debian: apt-get install "
             "postgresql-client-%(major)s)") % {"major": server_major}
    if path is None:
        raise InputError("missing_tool", _("%(tool)s is not installed: %(hint)s.") % {"tool": tool, "hint": hint})
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout
    found = re.search(r"(\d+)(?:\.\d+)?", out)
    if found is None or int(found.group(1)) < server_major:
        raise InputError("old_tool", _("%(tool)s is older than the server (%(version)s): %(hint)s.")
                         % {"tool": tool, "version": out.strip(), "hint": hint})
    return path


def _run(args: list[str]) -> None:
    done = subprocess.run(args, env=_postgres_environment(), capture_output=True, text=True)
    if done.returncode != 0:
        raise InputError("tool_failed", _("%(tool)s failed: %(error)s")
                         % {"tool": Path(args[0]).name, "error": done.stderr.strip()[-2000:]})


def _has_data() -> bool:
    """Whether the database holds an installation already (anyone can sign in): a fresh, migrated one does not."""
    user = get_user_model()
    return user._meta.db_table in connection.introspection.table_names() and user.objects.exists()


# ---------------------------------------------------------------------------- backup

def _media_files() -> Iterator[Path]:
    root = Path(settings.MEDIA_ROOT)
    if root.is_dir():
        yield from sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def backup(target: Path) -> Manifest:
    """Write the archive to ``target`` (through a temporary file beside it: never half a backup)."""
    vendor = _vendor()
    target = Path(target)
    with tempfile.TemporaryDirectory(prefix="atiende-backup-") as work:
        dump = Path(work) / (SQLITE_MEMBER if vendor == "sqlite" else POSTGRES_MEMBER)
        if vendor == "sqlite":
            _sqlite_copy(_sqlite_path(), dump)
        else:
            _run([_postgres_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                  f"--file={dump}"])
        files = list(_media_files())
        manifest = Manifest({
            "format": FORMAT, "atiende_version": __version__,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"), "database": vendor,
            "tables": table_counts(), "media_files": len(files), "migrations": _migrations(),
        })
        partial = target.with_name(target.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            body = json.dumps(manifest.data, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(body), int(datetime.now(UTC).timestamp())
            archive.addfile(info, io.BytesIO(body))
            archive.add(dump, arcname=dump.name)
            root = Path(settings.MEDIA_ROOT)
            for path in files:
                archive.add(path, arcname=f"{MEDIA_PREFIX}/{path.relative_to(root).as_posix()}")
        os.chmod(partial, 0o600)  # the customers' data: not for every user of the machine
        os.replace(partial, target)
    return manifest


# ---------------------------------------------------------------------------- restore

def read_manifest(archive: tarfile.TarFile) -> Manifest:
    try:
        member = archive.extractfile(MANIFEST)
        data = json.loads(member.read()) if member else None
    except (KeyError, ValueError):
        data = None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError("not_a_backup", _("This file is not a backup made by `atiende backup`."))
    return Manifest(data)


def restore(source: Path, *, replace: bool = False) -> tuple[Manifest, Path | None]:
    """Put the archive back; returns its manifest and where the uploads it replaced were moved (if any)."""
    vendor = _vendor()
    try:
        archive = tarfile.open(source, "r:gz")  # noqa: SIM115 - closed by the with below
    except (OSError, tarfile.TarError) as exc:
        raise InputError("not_a_backup", _("Cannot read %(file)s: %(error)s") % {"file": source, "error": exc}) \
            from exc
    with archive, tempfile.TemporaryDirectory(prefix="atiende-restore-") as work:
        manifest = read_manifest(archive)
        if manifest.data["database"] != vendor:
            raise InputError("wrong_database", _("This backup is of a %(backup)s database; this installation uses "
                                                 "%(here)s.") % {"backup": manifest.data["database"],
                                                                 "here": vendor})
        if _has_data() and not replace:
            raise InputError("database_not_empty", _("The database already has data. Stop the app and the "
                                                     "workers, then run again with --replace to overwrite it."))
        archive.extractall(work, filter="data")
        connections.close_all()
        if vendor == "sqlite":
            _sqlite_copy(Path(work) / SQLITE_MEMBER, _sqlite_path())
        else:
            _run([_postgres_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
                  "--single-transaction", f"--dbname={settings.DATABASES['default']['NAME']}",
                  str(Path(work) / POSTGRES_MEMBER)])
        moved = _restore_media(Path(work) / MEDIA_PREFIX)
    connections.close_all()
    found = table_counts()
    wrong = {table: (rows, found.get(table)) for table, rows in manifest.tables.items() if found.get(table) != rows}
    if wrong:
        raise InputError("restore_mismatch", _("The restored tables do not match the backup: %(tables)s")
                         % {"tables": ", ".join(f"{t} {want} != {got}" for t, (want, got) in wrong.items())})
    return manifest, moved


def _restore_media(extracted: Path) -> Path | None:
    root = Path(settings.MEDIA_ROOT)
    moved = None
    if root.is_dir() and any(root.iterdir()):
        moved = root.with_name(f"{root.name}.before-restore-{datetime.now(UTC):%Y%m%d%H%M%S}")
        root.rename(moved)  # kept, not deleted: the person restoring decides
    root.parent.mkdir(parents=True, exist_ok=True)
    if extracted.is_dir():
        shutil.copytree(extracted, root, dirs_exist_ok=True)
    return moved


def pending_migrations() -> bool:
    """Whether this version has migrations the restored database lacks (``atiende migrate`` then)."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))
