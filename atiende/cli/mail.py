"""mail: take in one email from an MTA pipe, read the IMAP mailboxes once, list and retry failed email.

``atiende mail ingest [FILE|-]`` prints the work-order number alone and exits 0 once the
message is stored (also when it is kept as failed: then the reason goes to stderr and
nothing to stdout); 75 (EX_TEMPFAIL) when it could not be stored, so the MTA delivers it
again later. Postfix: ``atiende unix - n n - - pipe user=atiende argv=/srv/atiende/.venv/bin/atiende mail ingest``.
"""

from __future__ import annotations

import argparse
import sys

from atiende.cli.django_setup import setup_django
from atiende.cli.i18n import _

EX_NOINPUT = 66
EX_TEMPFAIL = 75


def register(sub: argparse._SubParsersAction) -> None:
    from atiende.cli import add_help_flag

    mail = sub.add_parser("mail", add_help=False, help=_("take in email, read the mailboxes, failed email"),
                          description=_("Email in: one message from an MTA pipe, a pass over the IMAP mailboxes "
                                        "of ATIENDE_IMAP_URL, and the messages that could not be taken in."))
    add_help_flag(mail)
    actions = mail.add_subparsers(dest="mail_command", metavar=_("ACTION"))
    ingest = actions.add_parser("ingest", add_help=False, help=_("store one RFC 5322 message (an MTA pipe)"),
                                description=_("Store one message and print its work-order number. Exit 0 once "
                                              "stored, 75 when it cannot be stored now (the MTA retries)."))
    add_help_flag(ingest)
    ingest.add_argument("file", nargs="?", default="-", metavar=_("FILE"),
                        help=_("the message file, or - for standard input (default)"))
    ingest.set_defaults(handler=run_ingest)
    fetch = actions.add_parser("fetch", add_help=False, help=_("one pass over the IMAP mailboxes"),
                               description=_("Store the new messages of every mailbox of ATIENDE_IMAP_URL."))
    add_help_flag(fetch)
    fetch.set_defaults(handler=run_fetch)
    failed = actions.add_parser("failed", add_help=False, help=_("list email that could not be taken in"),
                                description=_("List the messages kept raw that did not reach a work order, "
                                              "with the reason; retry one."))
    add_help_flag(failed)
    failed.add_argument("--retry", metavar=_("ID"), type=int, help=_("try this message again"))
    failed.add_argument("--all", action="store_true", help=_("also the ignored ones (loops, stray bounces)"))
    failed.set_defaults(handler=run_failed)


def _error(message: str) -> None:
    print(_("error: %(message)s") % {"message": message}, file=sys.stderr)


def run_ingest(args: argparse.Namespace) -> int:
    try:
        if args.file == "-":
            raw = sys.stdin.buffer.read()
        else:
            with open(args.file, "rb") as handle:
                raw = handle.read()
    except OSError as exc:
        _error(str(exc))
        return EX_NOINPUT
    try:
        setup_django()
        from atiende.mail import intake

        received = intake.receive(raw, source="pipe")
    except Exception as exc:  # the database is down, or not set up: the MTA keeps the message and retries
        _error(_("the message could not be stored now (%(reason)s); deliver it again later.")
               % {"reason": str(exc)[:300]})
        return EX_TEMPFAIL
    row = received.mail
    if received.work_order_number is not None:
        print(received.work_order_number)
    if row.status == row.Status.FAILED:
        print(_("kept as failed email %(id)s: %(reason)s") % {"id": row.pk, "reason": row.detail},
              file=sys.stderr)
    elif row.status == row.Status.IGNORED:
        print(_("kept, not taken in (email %(id)s): %(reason)s") % {"id": row.pk, "reason": row.detail},
              file=sys.stderr)
    elif received.duplicate:
        print(_("already stored (email %(id)s)") % {"id": row.pk}, file=sys.stderr)
    return 0


def run_fetch(args: argparse.Namespace) -> int:
    setup_django()
    from atiende.errors import InputError
    from atiende.mail import config, imap

    try:
        boxes = config.mailboxes()
    except InputError as exc:
        _error(exc.message)
        return 2
    if not boxes:
        _error(_("ATIENDE_IMAP_URL is not set: there is no mailbox to read."))
        return 2
    report = imap.fetch(boxes)
    print(_("%(stored)s stored, %(duplicates)s already stored, %(failed)s failed.")
          % {"stored": report.stored, "duplicates": report.duplicates, "failed": report.failed})
    for error in report.errors:
        _error(error)
    return 1 if report.errors else 0


def run_failed(args: argparse.Namespace) -> int:
    setup_django()
    from django.utils import translation

    from atiende.cli.i18n import cli_language
    from atiende.errors import InputError
    from atiende.mail import intake

    with translation.override(cli_language()):
        if args.retry is not None:
            try:
                received = intake.retry(args.retry)
            except InputError as exc:
                _error(exc.message)
                return 1
            except intake.TemporaryFailure as exc:
                _error(str(exc))
                return EX_TEMPFAIL
            row = received.mail
            if row.status == row.Status.FAILED:
                _error(_("still failing: %(reason)s") % {"reason": row.detail})
                return 1
            print(_("Email %(id)s stored in work order #%(number)s.") % {"id": row.pk,
                                                                        "number": received.work_order_number}
                  if received.work_order_number else _("Email %(id)s: %(status)s.")
                  % {"id": row.pk, "status": row.get_status_display()})
            return 0
        rows = list(intake.failed(include_ignored=args.all)[:200])
        if not rows:
            print(_("No failed email."))
        for row in rows:
            print(f"{row.pk}\t{row.received_at:%Y-%m-%d %H:%M}\t{row.status}\t{row.reason}\t{row.sender or '-'}\t"
                  f"{row.subject or '-'}\t{row.detail.splitlines()[0] if row.detail else ''}")
    return 0
