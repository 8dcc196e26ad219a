"""Set Django up for the subcommands that need the database."""

from __future__ import annotations

import os

from atiende.cli.i18n import _


def setup_django() -> None:
    """Django set up, speaking the command line's language (LANG...), so the services' messages match it."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
    import django
    from django.utils import translation

    from atiende.cli.i18n import cli_language

    django.setup()
    translation.activate(cli_language())


# SQLSTATEs of PostgreSQL for a schema that is missing or older than the code: undefined table / column.
_MISSING_SCHEMA_STATES = {"42P01", "42703"}
_MISSING_SCHEMA_WORDS = ("no such table", "no such column")


def database_problem(error: BaseException) -> str | None:
    """What a person should do about a database error a command met, or None when it is not one of those.

    Every command that reads the database may meet a database nobody migrated yet (a fresh ATIENDE_HOME,
    a new DATABASE_URL) or an older schema after an upgrade; they all answer with the fix, not a traceback."""
    import sys

    if "django.db" not in sys.modules:
        return None
    from django.db import DatabaseError

    if not isinstance(error, DatabaseError):
        return None
    cause = error.__cause__
    state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    text = str(error).lower()
    if state in _MISSING_SCHEMA_STATES or any(words in text for words in _MISSING_SCHEMA_WORDS):
        return _("the database %(where)s is not ready (%(detail)s): run `atiende migrate` first, then run "
                 "this command again") % {"where": _where(), "detail": str(error).splitlines()[0]}
    if state is None and ("could not connect" in text or "connection" in text or "unable to open" in text):
        return _("cannot reach the database %(where)s (%(detail)s): start it, or correct DATABASE_URL / "
                 "ATIENDE_HOME") % {"where": _where(), "detail": str(error).splitlines()[0]}
    return None


def _where() -> str:
    from django.conf import settings

    database = settings.DATABASES["default"]
    if "sqlite" in database["ENGINE"]:
        return str(database["NAME"])
    return f"{database.get('NAME')} @ {database.get('HOST') or 'localhost'}:{database.get('PORT') or 5432}"
