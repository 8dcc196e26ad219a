"""search reindex: rebuild the search index.

The index follows every change made through Atiende; rebuild it after loading data
another way (a restore, ``loaddata``, SQL) or to repair it. Safe to run while serving:
each kind is rebuilt in one transaction.
"""

from __future__ import annotations

import argparse
import json

from atiende.cli.django_setup import setup_django
from atiende.cli.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    from atiende.cli import _Parser, add_help_flag

    parser = sub.add_parser("search", add_help=False, help=_("the search index"),
                            description=_("The search index of work orders, customers, articles and canned answers."))
    add_help_flag(parser)
    actions = parser.add_subparsers(dest="search_command", metavar=_("ACTION"), required=True, parser_class=_Parser)
    reindex = actions.add_parser("reindex", add_help=False, help=_("rebuild the search index"),
                                 description=_("Rebuild the search index from the stored data."))
    add_help_flag(reindex)
    reindex.add_argument("--format", choices=["text", "json"], default="text", help=_("output format"))
    reindex.set_defaults(handler=run_reindex)


def run_reindex(args: argparse.Namespace) -> int:
    setup_django()
    from atiende.knowledge.index import reindex_all

    counts = reindex_all()
    if args.format == "json":
        print(json.dumps(counts))
        return 0
    for kind, count in counts.items():
        print(_("%(kind)s: %(count)d indexed") % {"kind": kind, "count": count})
    return 0
