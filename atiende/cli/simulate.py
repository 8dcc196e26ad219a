"""simulate: realistic call traffic sent through Atiende's API (a simulated PBX and consoles), then a report.

In-process (default): accelerated time on a throw-away database (or the
configured one with --in-place). With --url and --token: a running server, in
real time, as its PBX. See docs/cti.md, "Simulated traffic".
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from datetime import UTC, datetime
from typing import Any

from atiende.cli.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    from atiende.cli import add_help_flag

    sim = sub.add_parser(
        "simulate", add_help=False, help=_("simulate call traffic through the engine and report"),
        description=_("Poisson arrivals, handle times, a share of difficult customers. A simulated PBX posts "
                      "CTI events and each simulated technician uses the contact API with their own token, in "
                      "accelerated time. Reports waits, breaches, holds, transfers, abandonment and the API's "
                      "answers."))
    add_help_flag(sim)
    sim.add_argument("--minutes", type=float, default=60, help=_("simulated minutes of arrivals (default %(default)s)"))
    sim.add_argument("--calls-per-hour", type=float, default=120, help=_("mean arrival rate (default %(default)s)"))
    sim.add_argument("--technicians", type=int, default=8, help=_("technicians on duty (default %(default)s)"))
    sim.add_argument("--handle-seconds", type=float, default=300,
                     help=_("mean handle time in seconds (default %(default)s)"))
    sim.add_argument("--difficult", type=float, default=0.2,
                     help=_("share of difficult customers, 0 to 1 (default %(default)s)"))
    sim.add_argument("--patience-seconds", type=float, default=240,
                     help=_("mean time a caller waits before hanging up (default %(default)s)"))
    sim.add_argument("--queue", help=_("queue the calls arrive at (default: simulacion, created in-process; "
                                       "with --url: the server's first queue)"))
    sim.add_argument("--seed", type=int, default=1, help=_("random seed (default %(default)s)"))
    sim.add_argument("--in-place", action="store_true",
                     help=_("use the configured database (the demo's) instead of a temporary one"))
    sim.add_argument("--format", choices=["text", "json"], default="text", help=_("output format"))
    sim.add_argument("--json", dest="format", action="store_const", const="json", help=_("same as --format json"))
    sim.add_argument("--url", help=_("drive a running server at this address instead, in real time, as its PBX"))
    sim.add_argument("--token", help=_("with --url: the telephony user's token (an administrator's, see docs/cti.md)"))
    sim.set_defaults(handler=run_simulate)


def _fail(message: str) -> int:
    print(_("error: %(message)s") % {"message": message}, file=sys.stderr)
    return 2


def run_simulate(args: argparse.Namespace) -> int:
    if args.minutes <= 0 or args.calls_per_hour < 0 or args.handle_seconds <= 0 or args.patience_seconds <= 0:
        return _fail(_("--minutes, --handle-seconds and --patience-seconds must be greater than zero"))
    if not 0 <= args.difficult <= 1:
        return _fail(_("--difficult must be between 0 and 1"))
    if not 1 <= args.technicians <= 500:
        return _fail(_("--technicians must be between 1 and 500"))
    if args.url or args.token:
        return _run_remote(args)
    if not args.in_place:
        # A throw-away SQLite database, so a simulation never mixes with real contacts.
        os.environ["ATIENDE_HOME"] = tempfile.mkdtemp(prefix="atiende-simulate-")
        os.environ.pop("DATABASE_URL", None)
    from atiende.cli.django_setup import setup_django

    setup_django()
    from django.core.management import call_command

    from atiende.simulator.in_process import run

    call_command("migrate", interactive=False, verbosity=0)
    # In the demo's database the calls are dated now (a running worker must not find them overdue).
    start = datetime.now(UTC) if args.in_place else None
    return _show(run(_scenario(args), start=start), args)


def _scenario(args: argparse.Namespace) -> Any:
    from atiende.simulator import Scenario

    return Scenario(minutes=args.minutes, calls_per_hour=args.calls_per_hour, technicians=args.technicians,
                    handle_seconds=args.handle_seconds, difficult_share=args.difficult,
                    patience_seconds=args.patience_seconds, seed=args.seed,
                    queue=args.queue if args.queue is not None else ("" if args.url else "simulacion"))


def _run_remote(args: argparse.Namespace) -> int:
    if not (args.url and args.token):
        return _fail(_("--url and --token go together"))
    if not args.url.startswith(("http://", "https://")):
        return _fail(_("--url must start with http:// or https://"))
    if args.in_place:
        return _fail(_("--in-place does not apply to --url: the server keeps its own database"))
    from atiende.simulator import RemoteSetupError, ServerNotReady, run_remote

    print(_("Real time against %(url)s: about %(minutes)g minutes of calls, then the last calls end.")
          % {"url": args.url, "minutes": args.minutes}, file=sys.stderr)
    try:
        report = run_remote(_scenario(args), url=args.url, token=args.token)
    except ServerNotReady as exc:
        return _not_ready(exc.missing, args.url)
    except RemoteSetupError as exc:
        if not exc.answer.status:
            return _fail(_("cannot reach %(url)s: %(message)s") % {"url": args.url, "message": exc})
        return _fail(_("the server refused the simulation (HTTP %(status)s): %(message)s")
                     % {"status": exc.answer.status, "message": exc})
    return _show(report, args)


def _not_ready(missing: list[str], url: str) -> int:
    """What the server lacks for a simulation, and how to add it; nothing was sent but the look-ups."""
    base = url.rstrip("/")
    advice = {
        "no_queue": _("the server has no queue, so every call would be refused (CH-TEL). An administrator adds "
                      "one in Administración > Colas (%(url)s/administracion/colas/nueva/) or with: curl -X PUT "
                      "%(url)s/api/v1/contacts/queues/soporte -H 'Authorization: Bearer TOKEN' "
                      "-H 'Content-Type: application/json' -d '{\"tiers\": [1, 2]}'"),
        "no_available_technician": _("no technician is available, so no call would be answered. Each "
                                     "technician signs in, opens the console (%(url)s/consola/) and sets "
                                     "the state «Disponible»; add technicians with `atiende user add NAME "
                                     "--role tecnico`"),
    }
    print(_("error: the server at %(url)s is not ready for a simulation:") % {"url": base}, file=sys.stderr)
    for code in missing:
        print(f"  - {advice[code] % {'url': base}}", file=sys.stderr)
    print(_("Nothing was simulated. Run the command again once that is done."), file=sys.stderr)
    return 2


def _show(report: dict[str, Any], args: argparse.Namespace) -> int:
    if args.format == "json":
        print(json.dumps(report, ensure_ascii=False))
    else:
        _print_text(report)
    return 0


def _print_text(r: dict) -> None:
    s = r["scenario"]
    print(_("Simulated %(minutes)g min, %(rate)g calls/h, %(techs)d technicians, %(difficult)d %% difficult "
            "customers.") % {"minutes": s["minutes"], "rate": s["calls_per_hour"], "techs": s["technicians"],
                             "difficult": round(s["difficult_share"] * 100)})
    print(_("Calls: %(calls)d; answered %(answered)d; abandoned %(abandoned)d (%(rate).1f %%).")
          % {"calls": r["calls"], "answered": r["answered"], "abandoned": r["abandoned"],
             "rate": r["abandonment_rate"] * 100})
    w = r["wait_seconds"]
    print(_("Wait: mean %(mean)s s, p90 %(p90)s s, max %(max)s s; %(within).1f %% answered within 3 min (PO-2).")
          % {"mean": w["mean"], "p90": w["p90"], "max": w["max"], "within": w["answered_within_max_wait"] * 100})
    b = r["breaches"]
    print(_("Alerts: wait %(ww)d warnings, %(wb)d breaches (PO-2); call %(cw)d warnings, %(cb)d breaches (PO-1).")
          % {"ww": b["wait_warnings_PO2"], "wb": b["wait_breaches_PO2"], "cw": b["call_warnings_PO1"],
             "cb": b["call_breaches_PO1"]})
    h = r["holds"]
    print(_("Holds: %(count)d, %(over)d ran over the announced time (HO-5), %(rem)d reminders; mean %(mean)s s.")
          % {"count": h["count"], "over": h["overruns_HO5"], "rem": h["reminders_HO5"], "mean": h["mean_seconds"]})
    t = r["transfers"]
    print(_("Transfers: %(req)d requested, %(acc)d accepted, %(dec)d declined, %(out)d timed out (TR-5); "
            "transfer rate %(rate).1f %% (TR-1).") % {"req": t["requested"], "acc": t["accepted"],
                                                    "dec": t["declined"], "out": t["timed_out_TR5"],
                                                    "rate": t["rate_TR1"] * 100})
    print(_("Escalations to a supervisor (PO-5): %(n)d.") % {"n": r["escalations_PO5"]})
    if r["refusals"]:
        print(_("Refused actions by rule: %(rules)s") % {"rules": ", ".join(f"{k} {v}" for k, v in r["refusals"].items())})
    print(_("Calls per technician (PO-3): %(calls)s") % {
        "calls": ", ".join(f"{k} {v}" for k, v in r["calls_per_technician"].items())})
    a = r["api"]
    print(_("API: %(n)d requests; answers by status: %(statuses)s; PBX retries %(retries)d, %(same)d answered "
            "the same (idempotency).") % {
        "n": a["requests"], "statuses": ", ".join(f"{k} {v}" for k, v in a["by_status"].items()),
        "retries": a["retries"]["sent"], "same": a["retries"]["same_answer"]})
    for side, statuses in a["by_side"].items():
        print(f"  {SIDES.get(side, side)}: " + ", ".join(f"{k} {v}" for k, v in statuses.items()))
    print(_("Run %(run)s in %(seconds)s s.") % {"run": r["run"], "seconds": r.get("wall_seconds", "?")})


SIDES = {"pbx": _("PBX (CTI events)"), "technicians": _("technicians' consoles"),
         "supervisor": _("supervisor's console")}
