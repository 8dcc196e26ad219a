"""commitments check: flag the commitments not kept by their due time (PT-2).

Meant for cron or a worker loop; safe to run as often as wanted and from
several machines at once: a commitment is flagged once.
"""

from __future__ import annotations

import argparse
import json

from atiende.cli.django_setup import setup_django
from atiende.cli.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    from atiende.cli import _Parser, add_help_flag

    parser = sub.add_parser("commitments", add_help=False, help=_("track commitments made to customers"),
                            description=_("Track commitments made to customers (PT-2)."))
    add_help_flag(parser)
    actions = parser.add_subparsers(dest="commitments_command", metavar=_("ACTION"), required=True,
                                    parser_class=_Parser)
    check = actions.add_parser(
        "check", add_help=False, help=_("flag pending commitments past their due time"),
        description=_("Mark pending commitments past their due time as missed and record the alert."),
    )
    add_help_flag(check)
    check.add_argument("--format", choices=["text", "json"], default="text", help=_("output format"))
    check.set_defaults(handler=run_check)


def run_check(args: argparse.Namespace) -> int:
    setup_django()
    from django.utils.timezone import localtime

    from atiende.desk.services.commitments import flag_missed_commitments

    flagged = flag_missed_commitments()
    if args.format == "json":
        print(json.dumps([
            {"work_order": c.work_order.number, "commitment": c.description, "due_at": c.due_at.isoformat(),
             "owner": c.owner.username if c.owner else None}
            for c in flagged
        ], ensure_ascii=False))
        return 0
    for c in flagged:
        print(_("#%(number)s: missed commitment «%(text)s» (due %(due)s)")
              % {"number": c.work_order.number, "text": c.description, "due": localtime(c.due_at).strftime("%Y-%m-%d %H:%M")})
    print(_("%(count)d missed commitment(s) flagged.") % {"count": len(flagged)})
    return 0
