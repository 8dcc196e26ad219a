"""atiende score TRANSCRIPT.json: the quality scorecard of a finished contact (SPEC capability 4)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING

from atiende.cli.i18n import _, cli_language

if TYPE_CHECKING:
    from atiende.quality import Scorecard


def register(sub: argparse._SubParsersAction) -> None:
    from atiende.cli import add_help_flag

    parser = sub.add_parser(
        "score", add_help=False, help=_("score a contact transcript against the practices"),
        description=_("Score a contact transcript (JSON) against the practices: every applicable rule "
                      "met, missed or n/a, with evidence, coaching and a 0..100 total."),
    )
    add_help_flag(parser)
    parser.add_argument("transcript", metavar="TRANSCRIPT.json", help=_("the transcript file, or - for standard input"))
    parser.add_argument("--format", choices=["text", "json"], default="text", help=_("output format (default text)"))
    parser.set_defaults(handler=run_score)


def _fail(message: str) -> int:
    print(_("error: %(message)s") % {"message": message}, file=sys.stderr)
    return 2


def run_score(args: argparse.Namespace) -> int:
    from atiende.quality import TranscriptError, score_transcript

    language = cli_language()
    try:
        if args.transcript == "-":
            raw = sys.stdin.read()
        else:
            with open(args.transcript, encoding="utf-8") as handle:
                raw = handle.read()
    except OSError as exc:
        return _fail(_("cannot read %(path)s: %(reason)s") % {"path": args.transcript, "reason": exc.strerror})
    except UnicodeDecodeError:
        return _fail(_("%(path)s is not UTF-8 text") % {"path": args.transcript})
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        return _fail(_("%(path)s is not valid JSON (line %(line)d, column %(col)d: %(reason)s)") % {
            "path": args.transcript, "line": exc.lineno, "col": exc.colno, "reason": exc.msg})
    try:
        card = score_transcript(data)
    except TranscriptError as exc:
        return _fail(_("malformed transcript: %(detail)s") % {"detail": exc.message(language)})
    output = json.dumps(card.as_dict(language), ensure_ascii=False) if args.format == "json" \
        else render_text(card, language)
    try:
        print(output)
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. piped into `head`: not an error worth a traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def render_text(card: Scorecard, language: str) -> str:
    from atiende.quality.context import clock
    from atiende.quality.notes import note_text

    labels = {"met": _("met"), "missed": _("missed"), "n/a": "n/a"}
    width = max(len(label) for label in labels.values())
    lines = [_("Score: %(score)d/100") % {"score": card.score}, ""]
    for item in card.items:
        when = clock(item.at) if item.at is not None else "--:--"
        label = labels[item.status].ljust(width)
        lines.append(f"{item.rule:<6} {label} {when:>7}  {note_text(item.note, language)}".rstrip())
        for quote in item.evidence[:3]:
            lines.append(" " * (17 + width) + quote)
    if not card.language_available:
        lines += ["", _("Note: the language assistant is not available; text checks were not judged.")]
    coaching = card.coaching(language)
    if coaching:
        lines += ["", _("Coaching:")] + [f"- {sentence}" for sentence in coaching]
    return "\n".join(lines)
