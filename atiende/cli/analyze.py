"""atiende analyze: the language assistant on the command line (SPEC "Public contracts").

One message a line in (a FILE or standard input); with ``--format json`` one
JSON object a line out, the same shape as ``POST /api/v1/analyze``: for a
customer's message also the strategy card of each trait found, the
paraphrase draft (AL-4) and the questions to ask, closed or open (AL-5). Blank lines
are skipped. Pure Python: no database is needed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from typing import TextIO

from atiende.cli.i18n import _, cli_language

LEVELS = ["basico", "intermedio", "avanzado"]
# Output labels of the text format, by the locale's language (the analysis itself is in Spanish).
_LABELS = {
    "es": {"level": "nivel de conocimientos", "no_traits": "ningún rasgo", "no_findings": "sin observaciones",
           "redacted": "texto protegido", "do": "haga", "avoid": "evite", "paraphrase": "paráfrasis (AL-4)",
           "questions": "preguntas (AL-5)", "closed": "cerrada", "open": "abierta",
           "basico": "básico", "intermedio": "intermedio", "avanzado": "avanzado"},
    "en": {"level": "knowledge level", "no_traits": "no trait asserted", "no_findings": "no findings",
           "redacted": "redacted", "do": "do", "avoid": "avoid", "paraphrase": "paraphrase (AL-4)",
           "questions": "questions (AL-5)", "closed": "closed", "open": "open",
           "basico": "basic", "intermedio": "intermediate", "avanzado": "advanced"},
}
CHANNELS = ["email", "chat", "telefonico", "presencial"]


def register(sub: argparse._SubParsersAction) -> None:
    from atiende.cli import add_help_flag

    parser = sub.add_parser(
        "analyze", add_help=False, help=_("analyse customer messages or technician drafts"),
        description=_("Analyse Spanish messages, one per line: customer traits and knowledge level "
                      "(--as cliente) or checks of a technician's draft (--as tecnico), with redaction."),
    )
    add_help_flag(parser)
    parser.add_argument("--as", dest="as_", choices=["cliente", "tecnico"], default="cliente",
                        help=_("who wrote the messages (default cliente)"))
    parser.add_argument("--level", choices=LEVELS, default=None,
                        help=_("the customer's knowledge level, to adapt the jargon check (tecnico)"))
    parser.add_argument("--channel", choices=CHANNELS, default=None,
                        help=_("the channel; email adds the greeting and name checks (tecnico)"))
    parser.add_argument("--format", choices=["text", "json"], default="text", help=_("output format (default text)"))
    parser.add_argument("file", nargs="?", default="-", metavar="FILE|-",
                        help=_("file with one message per line; - or nothing reads standard input"))
    parser.set_defaults(handler=run_analyze)


def _lines(stream: TextIO) -> Iterator[str]:
    for line in stream:
        text = line.rstrip("\r\n")
        if text.strip():
            yield text


def _render_text(result: dict[str, object], out: TextIO) -> None:
    labels = _LABELS[cli_language()]
    print(f"» {result['text']}", file=out)
    traits = result["traits"]
    assert isinstance(traits, list)
    strategy = result.get("strategy") or {}
    assert isinstance(strategy, dict)
    for trait in traits:
        evidence = ", ".join(f"«{e}»" for e in trait["evidence"])
        print(f"  {trait['id']}  {trait['score']:.2f}  {evidence}", file=out)
        card = strategy.get(trait["id"])
        if card:
            print(f"      {labels['do']}: " + " ".join(card["do"]), file=out)
            print(f"      {labels['avoid']}: " + " ".join(card["avoid"]), file=out)
    if result["knowledge_level"]:
        level = str(result["knowledge_level"])
        print(f"  {labels['level']}: {labels.get(level, level)}", file=out)  # the word, not the stored key
    findings = result["findings"]
    assert isinstance(findings, list)
    for f in findings:
        print(f"  {f['rule']} [{f['start']}:{f['end']}] «{f['excerpt']}»: {f['message']}", file=out)
        if f["suggestion"]:
            print(f"      → {f['suggestion']}", file=out)
    if result["as"] == "cliente" and not traits:
        print(f"  {labels['no_traits']}", file=out)
    if result["as"] == "tecnico" and not findings:
        print(f"  {labels['no_findings']}", file=out)
    if result.get("paraphrase"):
        print(f"  {labels['paraphrase']}: {result['paraphrase']}", file=out)
    questions = result.get("questions") or []
    assert isinstance(questions, list)
    if questions:
        print(f"  {labels['questions']}:", file=out)
        for q in questions:
            print(f"    {q['text']} ({labels['closed'] if q['closed'] else labels['open']})", file=out)
    if result["redacted"] != result["text"]:
        print(f"  {labels['redacted']}: {result['redacted']}", file=out)


def analyse_lines(lines: Iterable[str], args: argparse.Namespace, out: TextIO) -> None:
    from atiende.language import analyze

    language = cli_language()
    for text in lines:
        result = analyze(text, as_=args.as_, level=args.level, channel=args.channel, language=language).to_json()
        if args.format == "json":
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
        else:
            _render_text(result, out)


def run_analyze(args: argparse.Namespace) -> int:
    if args.file == "-":
        analyse_lines(_lines(sys.stdin), args, sys.stdout)
        return 0
    try:
        with open(args.file, encoding="utf-8") as fh:
            analyse_lines(_lines(fh), args, sys.stdout)
    except FileNotFoundError:
        print(_("error: %(message)s") % {"message": _("no such file: %(path)s") % {"path": args.file}},
              file=sys.stderr)
        return 2
    except UnicodeDecodeError:
        print(_("error: %(message)s") % {"message": _("%(path)s is not UTF-8 text") % {"path": args.file}},
              file=sys.stderr)
        return 2
    except IsADirectoryError:
        print(_("error: %(message)s") % {"message": _("%(path)s is a folder, not a file") % {"path": args.file}},
              file=sys.stderr)
        return 2
    return 0
