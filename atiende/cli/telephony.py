"""caller block / unblock / list: the caller-block list the generic CTI endpoint answers «reject» for."""

from __future__ import annotations

import argparse
import json
import sys

from atiende.cli.django_setup import setup_django
from atiende.cli.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    from atiende.cli import _Parser, add_help_flag

    caller = sub.add_parser("caller", add_help=False, help=_("block or unblock callers"),
                            description=_("Keep the list of blocked callers: their calls are rejected as busy."))
    add_help_flag(caller)
    actions = caller.add_subparsers(dest="caller_command", metavar=_("ACTION"), required=True, parser_class=_Parser)
    block = actions.add_parser("block", add_help=False, help=_("block a number or a prefix"),
                               description=_("Block a number, a prefix ending in * (e.g. +34900*) or anonymous."))
    add_help_flag(block)
    block.add_argument("number", metavar=_("NUMBER"))
    block.add_argument("--reason", default="", help=_("why it is blocked"))
    block.set_defaults(handler=run_block)
    unblock = actions.add_parser("unblock", add_help=False, help=_("unblock a number or a prefix"),
                                 description=_("Unblock a number or a prefix blocked before."))
    add_help_flag(unblock)
    unblock.add_argument("number", metavar=_("NUMBER"))
    unblock.set_defaults(handler=run_unblock)
    listing = actions.add_parser("list", add_help=False, help=_("list blocked callers"),
                                 description=_("List the callers that are blocked now."))
    add_help_flag(listing)
    listing.add_argument("--all", action="store_true", help=_("include the ones unblocked"))
    listing.add_argument("--format", choices=["text", "json"], default="text", help=_("output format"))
    listing.set_defaults(handler=run_list)


def _fail(message: str) -> int:
    print(_("error: %(message)s") % {"message": message}, file=sys.stderr)
    return 1


def run_block(args: argparse.Namespace) -> int:
    setup_django()
    from atiende.errors import InputError
    from atiende.telephony.services import block_caller

    try:
        row = block_caller(pattern=args.number, reason=args.reason)
    except InputError as exc:
        return _fail(str(exc.message))
    print(_("Blocked: %(pattern)s.") % {"pattern": row.pattern})
    return 0


def run_unblock(args: argparse.Namespace) -> int:
    setup_django()
    from atiende.errors import InputError
    from atiende.telephony.services import unblock_caller

    try:
        row = unblock_caller(pattern=args.number)
    except InputError as exc:
        return _fail(str(exc.message))
    print(_("Unblocked: %(pattern)s.") % {"pattern": row.pattern})
    return 0


def run_list(args: argparse.Namespace) -> int:
    setup_django()
    from atiende.telephony.models import BlockedCaller

    rows = BlockedCaller.objects.all() if args.all else BlockedCaller.objects.filter(active=True)
    if args.format == "json":
        print(json.dumps([{"pattern": r.pattern, "reason": r.reason, "active": r.active,
                           "created_at": r.created_at.isoformat()} for r in rows], ensure_ascii=False))
        return 0
    for r in rows:
        state = "" if r.active else " " + _("(unblocked)")
        print(f"{r.pattern}\t{r.reason}{state}")
    return 0
