"""staffing, staffing-plan, simulate-day: Erlang C staffing and a simulated day (SPEC capability 7)."""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from pathlib import Path
from typing import Any

from atiende.cli.i18n import _, cli_language
from atiende.engine.policies import DEFAULT_POLICY

# PO-2 as the help words it ("nobody waits more than 3 minutes"), from the policy's defaults.
PO2_EXAMPLE = {"minutes": f"{DEFAULT_POLICY.max_wait_seconds / 60:g}", "seconds": DEFAULT_POLICY.max_wait_seconds,
               "target": DEFAULT_POLICY.service_level_target}

FORMATS = ["text", "json"]


def register(sub: argparse._SubParsersAction) -> None:
    from atiende.cli import add_help_flag

    staffing = sub.add_parser(
        "staffing", add_help=False, help=_("technicians needed for a service-level target (Erlang C)"),
        description=_("The fewest technicians that answer a share of the calls within a time (Erlang C). "
                      "PO-2 \"nobody waits more than %(minutes)s minutes\": --answer-within %(seconds)s "
                      "--target %(target)s.") % PO2_EXAMPLE)
    add_help_flag(staffing)
    staffing.add_argument("--calls", type=float, required=True, help=_("calls expected in the period"))
    staffing.add_argument("--period-minutes", type=float, default=30.0,
                          help=_("length of the period in minutes (default %(default)s)"))
    _add_target(staffing)
    _add_format(staffing)
    staffing.set_defaults(handler=run_staffing)

    plan = sub.add_parser(
        "staffing-plan", add_help=False, help=_("technicians per interval over a day, from a CSV of calls"),
        description=_("Technicians per interval over a day (Erlang C per interval) from a CSV with one line per "
                      "interval: interval,calls[,aht]. A header line (intervalo,llamadas,tmo) is optional."))
    add_help_flag(plan)
    plan.add_argument("csv", metavar="CSV", help=_("CSV file of calls per interval, or - for standard input"))
    plan.add_argument("--interval-minutes", type=float, default=30.0,
                      help=_("length of each interval in minutes (default %(default)s)"))
    _add_target(plan, aht_required=False)
    _add_format(plan)
    plan.add_argument("--chart", metavar=_("FILE"), help=_("write an SVG chart of technicians per interval"))
    plan.set_defaults(handler=run_staffing_plan)

    sim = sub.add_parser(
        "simulate-day", add_help=False, help=_("simulate a day of calls against the policies"),
        description=_("Simulate a day of calls (discrete events) with the technicians of an Erlang C plan or a "
                      "fixed number, and measure service level, waits (PO-2), call length (PO-1), calls per "
                      "technician (PO-3) and abandonment."))
    add_help_flag(sim)
    sim.add_argument("csv", metavar="CSV", nargs="?",
                     help=_("CSV file of calls per interval (as for staffing-plan), or - for standard input"))
    sim.add_argument("--calls", type=float, help=_("without a CSV: calls per interval, the same all day"))
    sim.add_argument("--hours", type=float, default=8.0, help=_("without a CSV: length of the day in hours "
                                                                "(default %(default)s)"))
    sim.add_argument("--interval-minutes", type=float, default=30.0,
                     help=_("length of each interval in minutes (default %(default)s)"))
    sim.add_argument("--agents", type=int, help=_("technicians on the phones all day (default: the Erlang C plan)"))
    _add_target(sim, aht_required=False)
    sim.add_argument("--handle-time", choices=["exponential", "lognormal"], default="exponential",
                     help=_("distribution of handle times (default %(default)s)"))
    sim.add_argument("--handle-cv", type=float, default=1.0,
                     help=_("coefficient of variation of lognormal handle times (default %(default)s)"))
    sim.add_argument("--patience", type=float, metavar=_("SECONDS"),
                     help=_("mean patience of callers before hanging up (default: nobody hangs up)"))
    sim.add_argument("--hold-share", type=float, default=0.0, help=_("share of calls put on hold (default 0)"))
    sim.add_argument("--hold-seconds", type=float, default=60.0,
                     help=_("mean length of a hold in seconds (default %(default)s)"))
    sim.add_argument("--transfer-share", type=float, default=0.0,
                     help=_("share of calls transferred to a second technician (default 0)"))
    sim.add_argument("--difficult-share", type=float, default=0.0,
                     help=_("share of difficult customers (default 0)"))
    sim.add_argument("--difficult-factor", type=float, default=1.5,
                     help=_("how much longer a difficult customer's call is (default %(default)s)"))
    sim.add_argument("--max-wait", type=float, default=float(DEFAULT_POLICY.max_wait_seconds),
                     help=_("PO-2: longest acceptable wait in seconds (default %(default)s)"))
    sim.add_argument("--max-call", type=float, default=float(DEFAULT_POLICY.max_call_seconds),
                     help=_("PO-1: longest acceptable call in seconds (default %(default)s)"))
    sim.add_argument("--seed", type=int, help=_("random seed, to repeat a run exactly (default: a new one, shown)"))
    sim.add_argument("--chart-dir", metavar=_("DIR"),
                     help=_("write SVG charts (waits distribution, service level per interval) into this folder"))
    sim.add_argument("--no-progress", action="store_true", help=_("do not show the progress bar"))
    _add_format(sim)
    sim.set_defaults(handler=run_simulate_day)


def _add_target(parser: argparse.ArgumentParser, *, aht_required: bool = True) -> None:
    parser.add_argument("--aht", type=float, required=aht_required, default=None if aht_required else 300.0,
                        metavar=_("SECONDS"), help=_("average handle time in seconds") if aht_required
                        else _("average handle time in seconds (default %(default)s)"))
    parser.add_argument("--answer-within", type=float, default=20.0, metavar=_("SECONDS"),
                        help=_("answer time of the target in seconds (default %(default)s)"))
    parser.add_argument("--target", type=float, default=0.8, metavar=_("FRACTION"),
                        help=_("share of calls to answer within that time (default %(default)s)"))
    parser.add_argument("--max-occupancy", type=float, metavar=_("FRACTION"),
                        help=_("keep the technicians' occupancy at or below this share, e.g. 0.85"))
    parser.add_argument("--shrinkage", type=float, default=0.0, metavar=_("FRACTION"),
                        help=_("share of paid time off the phones (breaks, training, absence), e.g. 0.3"))


def _add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="text", help=_("output format (default %(default)s)"))


def _fail(message: str) -> int:
    print(_("error: %(message)s") % {"message": message}, file=sys.stderr)
    return 2


def _json(data: Any) -> str:
    def clean(value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    return json.dumps(clean(data), ensure_ascii=False)


def _read_text(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    return Path(path).read_text(encoding="utf-8-sig")


def _staffing_text(result: Any, *, aht: float, language: str) -> str:
    from atiende.staffing.erlang import service_level

    en = language.startswith("en")
    within = f"{result.answer_within_seconds:g}"
    sl = f"{result.service_level * 100:.1f} %"
    target = f"{result.target * 100:g} %" if result.target is not None else ""
    # PO-2: the share answered within the maximum wait, always shown because it is company policy.
    po2 = service_level(result.agents, result.traffic_erlangs, aht, float(DEFAULT_POLICY.max_wait_seconds)) * 100
    minutes = PO2_EXAMPLE["minutes"]
    if en:
        lines = [f"Traffic: {result.traffic_erlangs:.2f} erlangs",
                 f"Technicians needed on the phones: {result.agents}",
                 f"Service level: {sl} answered within {within} s (target {target})",
                 f"Average speed of answer: {result.asa_seconds:.1f} s",
                 f"Occupancy: {result.occupancy * 100:.1f} %",
                 f"Probability of waiting: {result.probability_wait * 100:.1f} %",
                 f"PO-2, answered within {minutes} minutes: {po2:.2f} %"]
        if result.shrinkage:
            lines.append(f"To schedule with {result.shrinkage * 100:g} % shrinkage: {result.scheduled_agents}")
    else:
        lines = [f"Tráfico: {result.traffic_erlangs:.2f} erlangs",
                 f"Técnicos necesarios al teléfono: {result.agents}",
                 f"Nivel de servicio: {sl} atendidas en {within} s (objetivo {target})",
                 f"Tiempo medio de espera (ASA): {result.asa_seconds:.1f} s",
                 f"Ocupación: {result.occupancy * 100:.1f} %",
                 f"Probabilidad de esperar: {result.probability_wait * 100:.1f} %",
                 f"PO-2, atendidas en {minutes} minutos: {po2:.2f} %"]
        if result.shrinkage:
            lines.append(f"A programar con {result.shrinkage * 100:g} % de pérdidas: {result.scheduled_agents}")
    if result.max_occupancy is not None:
        lines.append(f"Occupancy cap: {result.max_occupancy * 100:g} %" if en
                      else f"Ocupación máxima: {result.max_occupancy * 100:g} %")
    return "\n".join(lines)


def run_staffing(args: argparse.Namespace) -> int:
    from atiende.staffing.erlang import StaffingInputError, solve

    language = cli_language()
    try:
        result = solve(calls=args.calls, period_seconds=args.period_minutes * 60, aht_seconds=args.aht,
                       answer_within_seconds=args.answer_within, target=args.target,
                       max_occupancy=args.max_occupancy, shrinkage=args.shrinkage)
    except StaffingInputError as exc:
        return _fail(exc.message(language))
    if args.format == "json":
        print(_json(result.as_dict()))
    else:
        print(_staffing_text(result, aht=args.aht, language=language))
    return 0


def _demand(args: argparse.Namespace) -> list[Any]:
    from atiende.staffing.plan import parse_calls_csv

    return parse_calls_csv(_read_text(args.csv))


def _check_interval(minutes: float) -> None:
    from atiende.staffing.erlang import StaffingInputError

    if not math.isfinite(minutes) or minutes <= 0:
        raise StaffingInputError("interval_minutes", "La duración del intervalo debe ser mayor que cero.",
                                 "The interval length must be greater than zero.")


def run_staffing_plan(args: argparse.Namespace) -> int:
    from atiende.staffing.erlang import StaffingInputError
    from atiende.staffing.plan import plan_day

    language = cli_language()
    try:
        _check_interval(args.interval_minutes)
        demand = _demand(args)
        plan = plan_day(demand, interval_minutes=args.interval_minutes, aht_seconds=args.aht,
                        answer_within_seconds=args.answer_within, target=args.target,
                        max_occupancy=args.max_occupancy, shrinkage=args.shrinkage)
    except StaffingInputError as exc:
        return _fail(exc.message(language))
    except OSError as exc:
        return _fail(_("cannot read %(path)s: %(reason)s") % {"path": args.csv, "reason": exc.strerror or exc})
    except UnicodeDecodeError:
        return _fail(_("%(path)s is not a UTF-8 text file") % {"path": args.csv})
    if args.chart:
        try:
            Path(args.chart).write_text(plan.chart_svg(language), encoding="utf-8")
        except OSError as exc:
            return _fail(_("cannot write %(path)s: %(reason)s") % {"path": args.chart, "reason": exc.strerror or exc})
    print(_json(plan.as_dict()) if args.format == "json" else plan.text(language))
    return 0


def run_simulate_day(args: argparse.Namespace) -> int:
    from atiende.staffing.charts import ProgressBar
    from atiende.staffing.erlang import StaffingInputError
    from atiende.staffing.plan import IntervalDemand, plan_day
    from atiende.staffing.simulation import DayScenario, simulate_day

    language = cli_language()
    try:
        _check_interval(args.interval_minutes)
        if args.csv:
            demand = _demand(args)
        elif args.calls is not None:
            if not math.isfinite(args.hours) or args.hours <= 0:
                raise StaffingInputError("hours", "La jornada debe durar más de cero horas.",
                                         "The day must last more than zero hours.")
            count = max(1, round(args.hours * 60 / args.interval_minutes))
            start = 8 * 60
            demand = [IntervalDemand(_clock(start + i * args.interval_minutes), args.calls) for i in range(count)]
        else:
            raise StaffingInputError("csv", "Indique un CSV de llamadas por intervalo o --calls.",
                                     "Give a CSV of calls per interval or --calls.")
        if args.agents is not None:
            if args.agents < 0:
                raise StaffingInputError("agents", "El número de técnicos no puede ser negativo.",
                                         "The number of technicians cannot be negative.")
            agents = [args.agents] * len(demand)
        else:
            plan = plan_day(demand, interval_minutes=args.interval_minutes, aht_seconds=args.aht,
                            answer_within_seconds=args.answer_within, target=args.target,
                            max_occupancy=args.max_occupancy, shrinkage=args.shrinkage)
            agents = plan.agents
        if any(d.aht_seconds is not None for d in demand):
            # The simulation uses one handle-time mean: the call-weighted mean of the CSV's.
            total = sum(d.calls for d in demand) or 1.0
            aht = sum(d.calls * (d.aht_seconds or args.aht) for d in demand) / total
        else:
            aht = args.aht
        scenario = DayScenario(
            calls=[d.calls for d in demand], agents=agents, interval_seconds=args.interval_minutes * 60,
            aht_seconds=aht, handle_time=args.handle_time, handle_cv=args.handle_cv,
            patience_seconds=args.patience, hold_share=args.hold_share, hold_seconds=args.hold_seconds,
            transfer_share=args.transfer_share, difficult_share=args.difficult_share,
            difficult_factor=args.difficult_factor, answer_within_seconds=args.answer_within,
            max_wait_seconds=args.max_wait, max_call_seconds=args.max_call, labels=[d.label for d in demand],
        )
        scenario.validate()
        seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 10**9)
        bar = ProgressBar(label="simulating" if language == "en" else "simulando")
        result = simulate_day(scenario, seed=seed, progress=None if args.no_progress else bar)
    except StaffingInputError as exc:
        return _fail(exc.message(language))
    except OSError as exc:
        return _fail(_("cannot read %(path)s: %(reason)s") % {"path": args.csv, "reason": exc.strerror or exc})
    except UnicodeDecodeError:
        return _fail(_("%(path)s is not a UTF-8 text file") % {"path": args.csv})
    if args.chart_dir:
        folder = Path(args.chart_dir)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "waits.svg").write_text(result.waits_chart_svg(language), encoding="utf-8")
            (folder / "service-level.svg").write_text(result.service_level_chart_svg(language), encoding="utf-8")
        except OSError as exc:
            return _fail(_("cannot write %(path)s: %(reason)s") % {"path": args.chart_dir,
                                                                   "reason": exc.strerror or exc})
    if args.format == "json":
        print(_json(result.as_dict()))
    else:
        seed_line = f"Seed: {seed}" if language == "en" else f"Semilla: {seed}"
        print(result.text(language) + "\n\n" + seed_line)
    return 0


def _clock(minutes: float) -> str:
    minutes = int(minutes) % (24 * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
