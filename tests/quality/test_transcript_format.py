"""A malformed transcript gets a clear error naming the field; the command line exits 2 without a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from atiende.cli import _Parser
from atiende.cli import score as score_cli
from atiende.quality import TranscriptError, parse_transcript

CORPUS = Path(__file__).resolve().parent / "transcripts"
VALID = {"channel": "chat", "customer": {"name": "Ana"}, "technician": {"name": "Luis", "tier": 1},
         "events": [{"t": 0, "speaker": "cliente", "text": "Hola"}]}


@pytest.mark.parametrize(("change", "field"), [
    ({"channel": "fax"}, "channel"),
    ({"customer": {"address_as": "Sra."}}, "customer.name"),
    ({"technician": {"name": "Luis", "tier": 0}}, "technician.tier"),
    ({"events": []}, "events"),
    ({"events": [{"t": "cero", "speaker": "cliente", "text": "Hola"}]}, "events[0].t"),
    ({"events": [{"t": 0, "speaker": "robot", "text": "Hola"}]}, "events[0].speaker"),
    ({"events": [{"t": 0, "type": "coffee"}]}, "events[0].type"),
    ({"events": [{"t": 5, "type": "start"}, {"t": 1, "type": "end"}]}, "events[1].t"),
    ({"events": [{"t": 0, "type": "hold", "customer_consent": "yes"}]}, "events[0].customer_consent"),
    ({"events": [{"t": 0, "type": "hold", "expected_minutes": -2}]}, "events[0].expected_minutes"),
    ({"events": [{"t": 0}]}, "events[0]"),
    ({"events": [{"t": float("nan"), "type": "start"}]}, "events[0].t"),
    ({"events": [{"t": 0, "speaker": "cliente", "text": "Hola", "end": -1}]}, "events[0].end"),
])
def test_malformed_transcript_names_the_field(change: dict, field: str) -> None:
    with pytest.raises(TranscriptError) as caught:
        parse_transcript({**VALID, **change})
    assert caught.value.field == field
    assert caught.value.message("es").startswith(field)
    assert caught.value.message("en").startswith(field)


def run(argv: list[str]) -> int:
    parser = _Parser(prog="atiende")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    score_cli.register(sub)
    args = parser.parse_args(argv)
    return args.handler(args)


def test_atiende_score_prints_the_json_scorecard(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["score", str(CORPUS / "tel_good_printer.json"), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"score", "items", "coaching"}
    assert out["score"] >= 90
    assert {"rule": "HO-3", "status": "n/a", "evidence": [], "at": None} in out["items"]


def test_atiende_score_text_shows_the_score_and_coaching(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["score", str(CORPUS / "tel_bad_hold_no_consent.json")]) == 0
    out = capsys.readouterr().out
    assert "/100" in out and "HO-3" in out


def test_atiende_score_rejects_a_malformed_transcript_with_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**VALID, "channel": "fax"}), encoding="utf-8")
    assert run(["score", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "channel" in err and "Traceback" not in err


@pytest.mark.parametrize("content", ["{not json", ""])
def test_atiende_score_rejects_invalid_json_with_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    assert run(["score", str(bad)]) == 2
    assert "JSON" in capsys.readouterr().err


def test_atiende_score_reports_a_missing_file_with_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["score", "/nonexistent/transcript.json"]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_parser_accepts_only_text_or_json() -> None:
    with pytest.raises(SystemExit) as caught:
        run(["score", "x.json", "--format", "xml"])
    assert caught.value.code == 2
