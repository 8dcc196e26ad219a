"""check: the readiness report of /readyz, for a person (exit 1 when not ready)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from atiende.cli.django_setup import setup_django
from atiende.cli.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    from atiende.cli import add_help_flag

    check = sub.add_parser("check", add_help=False, help=_("is this installation ready to serve? (as /readyz)"),
                           description=_("Check the database, Redis (when REDIS_URL is set), the workers' "
                                         "heartbeat and the background queues, as /readyz does. Exit 0 when "
                                         "ready, 1 when not."))
    add_help_flag(check)
    check.add_argument("--format", choices=("text", "json"), default="text",
                       help=_("output format (default %(default)s)"))
    check.set_defaults(handler=run_check)


def _line(name: str, check: dict[str, Any]) -> str:
    mark = {True: "ok", False: "FAIL", None: "--"}[check["ok"]]
    if name == "database":
        detail = check.get("vendor", "") + (f" ({check['error']})" if "error" in check else "")
    elif name == "redis":
        detail = (_("not configured (REDIS_URL unset)") if not check.get("configured")
                  else check.get("error", _("answers")))
    elif "skipped" in check:
        detail = _("not checked: the database cannot be reached")
    elif name == "worker":
        detail = (_("no worker has ever run: start `atiende worker`") if check["last_beat_seconds"] is None
                  else _("last heartbeat %(seconds)s s ago (limit %(limit)s s)")
                  % {"seconds": check["last_beat_seconds"], "limit": check["limit_seconds"]})
    else:
        due = ", ".join(f"{queue} {count}" for queue, count in check["due"].items())
        detail = (_("due now: %(due)s (limit %(limit)s each); oldest timer waiting %(lag)s s (limit %(max)s s)")
                  % {"due": due, "limit": check["max_backlog"], "lag": check["timer_lag_seconds"],
                     "max": check["max_lag_seconds"]})
    return f"{mark:<5} {name:<9} {detail}"


def run_check(args: argparse.Namespace) -> int:
    setup_django()
    from atiende.errors import InputError
    from atiende.operations.readiness import readiness

    try:
        report = readiness()
    except InputError as exc:  # a limit set to something that is not a number
        print(_("error: %(message)s") % {"message": exc.message})
        return 2
    if args.format == "json":
        print(json.dumps(report.as_json(), indent=2))
    else:
        for name, check in report.checks.items():
            print(_line(name, check))
        print(_("Ready.") if report.ready else _("Not ready: %(names)s.") % {"names": ", ".join(report.failing)})
    return 0 if report.ready else 1
