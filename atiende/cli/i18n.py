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


def ngettext(singular: str, plural: str, n: int) -> str:
    return _catalogue(cli_language()).ngettext(singular, plural, n)


def gettext_noop(message: str) -> str:
    """Mark a string for the catalogue without translating it here."""
    return message


def translate_argparse() -> None:
    """Make argparse's own texts ("usage:", "options", its errors) come from our catalogue.

    argparse does ``from gettext import gettext as _, ngettext`` and looks both names
    up in its module at call time, so pointing them at our functions translates
    every message it builds, in the language :func:`cli_language` picks.
    """
    import argparse

    argparse._ = _  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]


def _argparse_messages() -> None:  # pragma: no cover - never called; read by makemessages
    """argparse's user-facing texts (Python 3.12), listed so makemessages puts them in the catalogue."""
    gettext_noop("usage: ")
    gettext_noop("positional arguments")
    gettext_noop("options")
    gettext_noop("subcommands")
    gettext_noop("show this help message and exit")
    gettext_noop("argument %(argument_name)s: %(message)s")
    gettext_noop("unknown parser %(parser_name)r (choices: %(choices)s)")
    gettext_noop("can't open '%(filename)s': %(error)s")
    gettext_noop("unrecognized arguments: %s")
    gettext_noop("not allowed with argument %s")
    gettext_noop("ignored explicit argument %r")
    gettext_noop("the following arguments are required: %s")
    gettext_noop("one of the arguments %s is required")
    gettext_noop("expected one argument")
    gettext_noop("expected at most one argument")
    gettext_noop("expected at least one argument")
    ngettext("expected %s argument", "expected %s arguments", 2)
    gettext_noop("ambiguous option: %(option)s could match %(matches)s")
    gettext_noop("unexpected option string: %s")
    gettext_noop("invalid %(type)s value: %(value)r")
    gettext_noop("invalid choice: %(value)r (choose from %(choices)s)")
    gettext_noop("%(prog)s: error: %(message)s\n")
