"""backup, restore: the database and the uploaded files in one archive (atiende/operations/backup.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from atiende.cli.django_setup import setup_django
from atiende.cli.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    from atiende.cli import add_help_flag

    backup = sub.add_parser("backup", add_help=False, help=_("write the database and the uploads to one archive"),
                            description=_("Write the database (SQLite online backup or pg_dump) and the uploaded "
                                          "files to FILE, while Atiende keeps serving. The vault keys are not in "
                                          "it: keep them apart."))
    add_help_flag(backup)
    backup.add_argument("file", metavar=_("FILE"), help=_("the archive to write (.tar.gz)"))
    backup.set_defaults(handler=run_backup)

    restore = sub.add_parser("restore", add_help=False, help=_("put a backup back (database and uploads)"),
                             description=_("Put the database and the uploaded files of FILE back. Stop the app "
                                           "and the workers first. The vault keys must be the ones of the "
                                           "backup's time."))
    add_help_flag(restore)
    restore.add_argument("file", metavar=_("FILE"), help=_("an archive written by `atiende backup`"))
    restore.add_argument("--replace", action="store_true",
                         help=_("overwrite a database that already has data"))
    restore.set_defaults(handler=run_restore)


def run_backup(args: argparse.Namespace) -> int:
    setup_django()
    from atiende.errors import InputError
    from atiende.operations import backup

    try:
        manifest = backup.backup(Path(args.file))
    except InputError as exc:
        print(_("error: %(message)s") % {"message": exc.message}, file=sys.stderr)
        return 2
    print(_("Backup written to %(file)s: %(tables)s tables, %(rows)s rows, %(files)s uploaded files.")
          % {"file": args.file, "tables": len(manifest.tables), "rows": sum(manifest.tables.values()),
             "files": manifest.data["media_files"]})
    print(_("The vault keys are NOT in this backup: they are %(where)s. Keep a copy of them apart from the "
            "backups (a password manager, a sealed envelope): without them the stored credentials cannot be "
            "read after a restore, and with them anyone holding the backup could read them.")
          % {"where": backup.vault_keys_location()})
    print(_("The audit key is not in it either: it is %(where)s. Keep it with the vault keys: a restored "
            "database's audit chain verifies only with the key that sealed it.")
          % {"where": backup.audit_key_location()})
    return 0


def run_restore(args: argparse.Namespace) -> int:
    setup_django()
    from atiende.errors import InputError
    from atiende.operations import backup

    try:
        manifest, moved = backup.restore(Path(args.file), replace=args.replace)
    except InputError as exc:
        print(_("error: %(message)s") % {"message": exc.message}, file=sys.stderr)
        return 2
    print(_("Restored the backup of %(when)s (Atiende %(version)s): %(tables)s tables, %(files)s uploaded files.")
          % {"when": manifest.data["created_at"], "version": manifest.data["atiende_version"],
             "tables": len(manifest.tables), "files": manifest.data["media_files"]})
    if moved is not None:
        print(_("The uploads that were here are kept in %(path)s.") % {"path": moved})
    if backup.pending_migrations():
        print(_("This version of Atiende has newer tables: run `atiende migrate` before starting it."))
    print(_("The vault keys must be the ones of the backup's time, %(where)s.")
          % {"where": backup.vault_keys_location()})
    print(_("So must the audit key, %(where)s. The audit anchor may be ahead of a restored older database: "
            "`atiende audit verify` then names the entries made since the backup (docs/security.md).")
          % {"where": backup.audit_key_location()})
    return 0
