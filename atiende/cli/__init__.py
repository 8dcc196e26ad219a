"""The ``atiende`` command. Each subcommand lives in its own module of this package.

A module in ``COMMANDS`` exposes ``register(subparsers)``, which adds its parser
and sets ``handler`` (a function taking the parsed arguments and returning an
exit status). Help texts go through :func:`atiende.cli.i18n._`, so ``--help`` is
in Spanish or English by the locale.

Subcommand handlers import Django and the apps inside the handler, after
``setup_django()``: ``atiende --help`` and the pure commands (staffing, score,
analyze...) start without Django. That is the one reason for the function-level
imports of this package (tests/test_import_cycles.py exempts it for it).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from atiende import __version__
from atiende.cli.i18n import _, translate_argparse

# Subcommand modules, in the order ``--help`` lists them.
COMMANDS: list[str] = [
    "atiende.cli.server",
    "atiende.cli.users",
    "atiende.cli.commitments",
    "atiende.cli.worker",
    "atiende.cli.simulate",
    "atiende.cli.vault",
    "atiende.cli.audit",
    "atiende.cli.staffing",
    "atiende.cli.score",
    "atiende.cli.analyze",
    "atiende.cli.train",
    "atiende.cli.telephony",
    "atiende.cli.webhooks",
    "atiende.cli.mail",
    "atiende.cli.search",
    "atiende.cli.check",
    "atiende.cli.report",
    "atiende.cli.backup",
]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, _("%(prog)s: error: %(message)s\n") % {"prog": self.prog, "message": message})


def build_parser() -> argparse.ArgumentParser:
    translate_argparse()  # argparse's own texts (usage:, options, errors) in the user's language
    parser = _Parser(
        prog="atiende",
        description=_("Atiende: help desk and contact center for technical-support teams."),
        add_help=False,
    )
    parser.add_argument("-h", "--help", action="help", help=_("show this help and exit"))
    parser.add_argument("--version", action="version", version=f"atiende {__version__}",
                        help=_("show the version and exit"))
    sub = parser.add_subparsers(dest="command", metavar=_("COMMAND"), parser_class=_Parser)
    for module_name in COMMANDS:
        importlib.import_module(module_name).register(sub)
    return parser


def add_help_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-h", "--help", action="help", help=_("show this help and exit"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return int(handler(args) or 0)
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        from atiende.cli.django_setup import database_problem

        problem = database_problem(error)
        if problem is None:
            raise
        print(_("error: %(message)s") % {"message": problem}, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
