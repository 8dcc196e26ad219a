"""report: the figures of a period as CSV, XLSX, PDF or JSON (docs/reports.md).

``atiende report NAME --from YYYY-MM-DD --to YYYY-MM-DD --format csv|xlsx|pdf|json [--output FILE]``;
``atiende report --list`` prints one report a line, its name first, then its description.
Dates are local dates of ``ATIENDE_TIME_ZONE``, both included. The command line reads every
team (as an administrator would). Exit 0 written, 2 bad input (the reason on stderr).
"""

from __future__ import annotations

import argparse
import os
import sys

from atiende.cli.django_setup import setup_django
from atiende.cli.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    from atiende.cli import add_help_flag

    report = sub.add_parser("report", add_help=False, help=_("reports of a period as CSV, XLSX, PDF or JSON"),
                            description=_("The figures of a period (both dates included) written as CSV, XLSX, "
                                          "PDF or JSON. atiende report --list names the reports."))
    add_help_flag(report)
    report.add_argument("name", nargs="?", metavar=_("NAME"), help=_("the report (see --list)"))
    report.add_argument("--list", action="store_true", help=_("list the reports and exit"))
    report.add_argument("--from", dest="first", metavar="YYYY-MM-DD", help=_("first day of the period"))
    report.add_argument("--to", dest="last", metavar="YYYY-MM-DD", help=_("last day of the period"))
    report.add_argument("--format", dest="fmt", default="csv", help=_("csv, xlsx, pdf or json (default csv)"))
    report.add_argument("--output", metavar=_("FILE"), help=_("write to this file instead of standard output"))
    report.add_argument("--team", help=_("only this team (its name)"))
    report.add_argument("--queue", help=_("only this queue (its name)"))
    report.add_argument("--technician", help=_("only this technician (user name)"))
    report.add_argument("--channel", help=_("only this channel (presencial, telefonico, email, portal, chat)"))
    report.add_argument("--sla", help=_("only work orders in this SLA state (on_track, warning, breached, paused)"))
    report.add_argument("--language", choices=("es", "en"), default=None,
                        help=_("language of titles and columns (default: the locale's)"))
    report.set_defaults(handler=run_report)


def _language(chosen: str | None) -> str:
    if chosen:
        return chosen
    locale = os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG") or ""
    return "en" if locale.startswith("en") else "es"


def _error(message: str) -> int:
    print(_("error: %(message)s") % {"message": message}, file=sys.stderr)
    return 2


def run_report(args: argparse.Namespace) -> int:
    language = _language(args.language)
    if args.list:
        from atiende.reports.core.catalogue import REPORTS

        for definition in REPORTS.values():
            print(f"{definition.name}\t{definition.description(language)}")
        return 0
    if not args.name:
        return _error(_("name a report (atiende report --list shows them)"))
    if not args.first or not args.last:
        return _error(_("give the period with --from YYYY-MM-DD --to YYYY-MM-DD"))
    setup_django()
    from django.utils import translation

    from atiende.errors import InputError
    from atiende.reports import services

    filters = {key: getattr(args, key) for key in ("team", "queue", "technician", "channel", "sla")}
    try:
        with translation.override(language):
            output = services.run(name=args.name, first=args.first, last=args.last, fmt=args.fmt, filters=filters,
                                  language=language)
    except InputError as exc:
        return _error(str(exc.message))
    if args.output:
        try:
            with open(args.output, "wb") as handle:
                handle.write(output.content)
        except OSError as exc:
            return _error(_("cannot write %(file)s: %(reason)s") % {"file": args.output, "reason": exc.strerror})
        return 0
    sys.stdout.buffer.write(output.content)
    sys.stdout.buffer.flush()
    return 0
