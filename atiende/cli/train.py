"""atiende train: a practice call against a simulated difficult customer (SPEC "Practice room").

The customer's lines go to standard output; the trainee's lines are read from standard input, one turn
a line; an empty line or the end of input ends the trainee's side. Lines starting with ``/`` are the
phone's buttons (``/espera 2 motivo``, ``/retomar``, ``/transferir nivel2 propósito``, ``/escalar``,
``/colgar``, ``/ayuda``). At the end the call is scored: with ``--format json`` the last line is one
JSON object, the ``atiende score`` shape plus ``customer_state`` and ``passed``; the practice room's
notices go to standard error so that standard output stays the customer's lines and the JSON.
No database is needed.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from atiende.cli.i18n import _, cli_language

if TYPE_CHECKING:
    from atiende.training import Library, Notice, Result

TYPES = ["locuaz", "descortes", "enfadado", "entendido", "inexperto"]


def register(sub: argparse._SubParsersAction) -> None:
    from atiende.cli import add_help_flag

    parser = sub.add_parser(
        "train", add_help=False, help=_("practise a call with a simulated difficult customer"),
        description=_("Practise a phone call with a simulated customer of one type. Type your lines; the "
                      "customer answers. An empty line ends the call, which is then scored against the practices."),
        epilog=_("Commands during the call: /espera MINUTES REASON, /retomar [MINUTES], /transferir TARGET "
                 "PURPOSE, /escalar REASON, /colgar, /ayuda. Extra scenario folders: ATIENDE_TRAINING_SCENARIOS."),
    )
    add_help_flag(parser)
    parser.add_argument("--type", dest="customer_type", required=True, choices=TYPES,
                        help=_("the type of customer"))
    parser.add_argument("--scenario", default=None, help=_("the scenario ID (default: one of the type, by the seed)"))
    parser.add_argument("--seed", type=int, default=None, help=_("the seed of the customer's variety (default: random)"))
    parser.add_argument("--format", choices=["text", "json"], default="text", help=_("output format (default text)"))
    parser.set_defaults(handler=run_train)


def _fail(message: str) -> int:
    print(_("error: %(message)s") % {"message": message}, file=sys.stderr)
    return 2


def _library() -> Library:
    from atiende.training import load_library
    from atiende.training.scenario import dirs_from_environment

    return load_library(dirs_from_environment(os.environ))


def run_train(args: argparse.Namespace) -> int:
    from atiende.practices import Refusal
    from atiende.training import Notice, ScenarioError, Session

    language = cli_language()
    if args.seed is not None and args.seed < 0:
        return _fail(_("--seed must be 0 or more"))
    seed = args.seed if args.seed is not None else secrets.randbelow(1_000_000)
    try:
        library = _library()
        session = Session.start(library, customer_type=args.customer_type, scenario_id=args.scenario, seed=seed,
                                started_at=datetime.now(UTC))
    except ScenarioError as exc:
        return _fail(exc.message(language))
    except Refusal as refusal:
        known = ", ".join(s.id for s in library.of_type(args.customer_type))
        return _fail(f"{refusal.message(language)} " + _("Scenarios of this type: %(ids)s") % {"ids": known})
    as_json = args.format == "json"
    _notice(session.opening(), language, as_json)
    interactive = sys.stdin.isatty()
    while not session.ended:
        if interactive:
            print("> ", end="", file=sys.stderr, flush=True)
        line = sys.stdin.readline()
        if not line or not line.strip():
            session.end()
            break
        try:
            step = session.say(line.rstrip("\r\n"))
        except Refusal as refusal:
            _notice(Notice.of(refusal), language, as_json)
            continue
        for text in step.customer:
            print(text if as_json else f"{session.scenario.customer}: {text}", flush=True)
        for notice in step.notices:
            _notice(notice, language, as_json)
    result = session.result(language)
    if as_json:
        print(json.dumps({**result.as_dict(language), "seed": seed}, ensure_ascii=False), flush=True)
    else:
        print(render_result(result, language), flush=True)
    return 0


def _notice(notice: Notice, language: str, as_json: bool) -> None:
    rule = f" ({notice.rule})" if notice.rule else ""
    print(f"[{notice.message(language)}{rule}]", file=sys.stderr if as_json else sys.stdout, flush=True)


def render_result(result: Result, language: str) -> str:
    from atiende.cli.score import render_text
    from atiende.quality import NA, Scorecard

    state = result.customer_state
    applicable = Scorecard([i for i in result.card.items if i.status != NA], result.card.language_available)
    lines = ["", render_text(applicable, language), "",
             _("Customer at the end — mood: %(mood)s, understanding: %(understanding)s, focus: %(focus)s; "
               "%(outcome)s") % {
                 "mood": state["mood_label"], "understanding": state["understanding_label"],
                 "focus": state["focus_label"], "outcome": _outcome_label(result.outcome)},
             _("Hidden truth found: %(found)s") % {"found": _("yes") if state["hidden_truth_found"] else _("no")}]
    lines += [f"  - {fact['question']} → {fact['answer']}" for fact in result.hidden_truth() if not fact["found"]]
    missed = result.missed(language)
    if missed:
        lines += ["", _("Rules missed, and what they ask:")]
        lines += [f"- {m['rule']}: {m['text']}" for m in missed]
    verdict = _("PASSED") if result.passed else _("NOT PASSED")
    lines += ["", _("%(verdict)s: %(score)d/100, pass mark %(mark)d.") % {
        "verdict": verdict, "score": result.card.score, "mark": result.pass_mark}]
    return "\n".join(lines)


def _outcome_label(outcome: str) -> str:
    return {"resolved": _("problem solved"), "transferred": _("transferred"), "escalated": _("escalated"),
            "hung_up": _("the customer hung up"), "unresolved": _("problem not solved")}[outcome]
