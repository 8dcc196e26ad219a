"""audit verify: check that the audit trail's hash chain is intact (ET-4)."""

from __future__ import annotations

import argparse
import sys

from atiende.cli.django_setup import setup_django
from atiende.cli.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    from atiende.cli import _Parser, add_help_flag

    audit = sub.add_parser("audit", add_help=False, help=_("check the audit trail"),
                           description=_("Check the audit trail."))
    add_help_flag(audit)
    audit_sub = audit.add_subparsers(dest="audit_command", metavar=_("ACTION"), required=True,
                                     parser_class=_Parser)
    verify = audit_sub.add_parser("verify", add_help=False, help=_("verify the hash chain"),
                                  description=_("Verify every link of the audit chain. Exit 0 when intact, "
                                                "1 naming the first broken entry."))
    add_help_flag(verify)
    verify.set_defaults(handler=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    setup_django()
    from atiende.privacy.audit import verify

    result = verify()
    if result.ok:
        print(_("Audit trail intact: %(count)d entries.") % {"count": result.checked})
        return 0
    print(_("Audit trail broken at entry %(seq)d: %(reason)s.") % {"seq": result.broken_seq,
                                                                    "reason": result.reason},
          file=sys.stderr)
    return 1
