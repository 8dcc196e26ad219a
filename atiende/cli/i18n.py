"""Translations for the command line, chosen by the locale (LANGUAGE, LC_ALL, LC_MESSAGES, LANG).

The command line runs before Django is set up, so it reads the same catalogue
(``atiende/locale/<lang>/LC_MESSAGES/django.mo``) with Python's gettext.
English locales get English; anything else gets Spanish, the product's default.
"""

from __future__ import annotations

import gettext
import os
from functools import cache
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def cli_language() -> str:
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value and value not in ("C", "POSIX") and not value.startswith("C."):
            return "en" if value.lower().startswith("en") else "es"
    return "es"


@cache
def _catalogue(language: str) -> gettext.NullTranslations:
    return gettext.translation("django", localedir=LOCALE_DIR, languages=[language], fallback=True)


def _(message: str) -> str:
    return _catalogue(cli_language()).gettext(message)
