"""Set Django up for the subcommands that need the database."""

from __future__ import annotations

import os


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
    import django

    django.setup()
