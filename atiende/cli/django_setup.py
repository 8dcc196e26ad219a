"""Set Django up for the subcommands that need the database."""

from __future__ import annotations

import os


def setup_django() -> None:
    """Django set up, speaking the command line's language (LANG...), so the services' messages match it."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
    import django
    from django.utils import translation

    from atiende.cli.i18n import cli_language

    django.setup()
    translation.activate(cli_language())
