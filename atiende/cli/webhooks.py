"""webhooks: the outgoing telephony webhook's outbox, pending and failed deliveries; send one again; purge old ones."""

from __future__ import annotations

import argparse
import json
import sys

from atiende.cli.django_setup import setup_django
from atiende.cli.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    from atiende.cli import add_help_flag

    hooks = sub.add_parser("webhooks", add_help=False, help=_("list pending and failed webhook deliveries"),
                           description=_("List the telephony webhook's deliveries not yet received by the PBX "
                                         "(pending, or given up after every attempt), send one again, or "
                                         "delete old ones."))
    add_help_flag(hooks)
    hooks.add_argument("--failed", action="store_true", help=_("only the deliveries that gave up"))
    hooks.add_argument("--all", action="store_true", help=_("include the delivered ones"))
    hooks.add_argument("--limit", type=int, default=50, help=_("at most this many, newest (default %(default)s)"))
    hooks.add_argument("--retry", metavar=_("ID"),
                       help=_("send this delivery again (its number or decision id), with a new set of attempts"))
    hooks.add_argument("--purge", action="store_true",
                       help=_("delete delivered deliveries older than ATIENDE_WEBHOOK_KEEP_DAYS (30) and given-up "
                              "ones older than ATIENDE_WEBHOOK_KEEP_FAILED_DAYS (90), now; pending ones stay"))
    hooks.add_argument("--format", choices=["text", "json"], default="text", help=_("output format"))
    hooks.set_defaults(handler=run_webhooks)


def run_webhooks(args: argparse.Namespace) -> int:
    setup_django()
    from django.utils import translation

    from atiende.cli.i18n import cli_language

    with translation.override(cli_language()):  # the services' messages in the command line's language too
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from atiende.errors import InputError
    from atiende.telephony import webhooks
    from atiende.telephony.models import WebhookDelivery

    if args.purge:
        if args.retry is not None:
            print(_("error: %(message)s") % {"message": _("--purge and --retry go one at a time")}, file=sys.stderr)
            return 2
        try:
            kept = webhooks.keep_days()
            done = webhooks.purge()
        except InputError as exc:
            print(_("error: %(message)s") % {"message": exc.message}, file=sys.stderr)
            return 2
        if args.format == "json":
            print(json.dumps({"delivered": done.delivered, "failed": done.failed, "keep_days": kept[0],
                              "keep_failed_days": kept[1]}))
            return 0
        print(_("Purged %(delivered)s delivered and %(failed)s given-up webhook deliveries (kept: delivered "
                "%(days)s days, given up %(failed_days)s days; 0 keeps them for ever).")
              % {"delivered": done.delivered, "failed": done.failed, "days": kept[0], "failed_days": kept[1]})
        return 0
    if args.retry is not None:
        try:
            row = webhooks.requeue(args.retry)
        except InputError as exc:
            print(_("error: %(message)s") % {"message": exc.message}, file=sys.stderr)
            return 1
        print(_("Webhook delivery %(id)s (%(action)s, call %(contact)s) queued again; a worker sends it now.")
              % {"id": row.pk, "action": row.action, "contact": row.contact_id})
        return 0
    if args.limit < 1:
        print(_("error: %(message)s") % {"message": _("--limit must be at least 1")}, file=sys.stderr)
        return 2
    rows = WebhookDelivery.objects.all()
    if args.failed:
        rows = rows.filter(gave_up_at__isnull=False, delivered_at__isnull=True)
    elif not args.all:
        rows = rows.filter(delivered_at__isnull=True)
    listed = list(reversed(rows.order_by("-id")[: args.limit]))
    if args.format == "json":
        print(json.dumps([{
            "id": r.pk, "decision_id": str(r.decision_id), "contact": r.contact_id, "action": r.action,
            "status": r.status, "attempts": r.attempts, "created_at": r.created_at.isoformat(),
            "next_attempt_at": r.next_attempt_at.isoformat(), "claimed_by": r.claimed_by,
            "last_status": r.last_status, "last_error": r.last_error,
            "delivered_at": r.delivered_at.isoformat() if r.delivered_at else None,
            "gave_up_at": r.gave_up_at.isoformat() if r.gave_up_at else None,
        } for r in listed], ensure_ascii=False))
        return 0
    if not listed:
        print(_("No webhook deliveries to show."))
        return 0
    labels = {"pending": _("pending"), "failed": _("failed"), "delivered": _("delivered")}
    for r in listed:
        when = r.gave_up_at or r.delivered_at or r.next_attempt_at
        last = f"{r.last_status or '-'} {r.last_error}".strip()
        print(f"{r.pk}\t{r.decision_id}\t#{r.contact_id}\t{r.action}\t{labels[r.status]}\t"
              f"{r.attempts}\t{when:%Y-%m-%d %H:%M:%S}\t{last}")
    return 0
