"""atiende train: the public command-line contract (SPEC "Practice room")."""

from __future__ import annotations

import io
import json
import sys

import pytest

from atiende.cli import main
from atiende.training import load_library

from .trainees import BAD_TRAINEE, model_trainee


def run(argv: list[str], stdin_text: str, monkeypatch, capsys) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LANG", "es_ES.UTF-8")
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin_text))
    try:
        status = main(["train", *argv])
    except SystemExit as exc:  # argparse's own errors
        status = int(exc.code or 0)
    out = capsys.readouterr()
    return status, out.out, out.err


def test_json_prints_the_customer_lines_then_the_scorecard_with_the_customer_state(monkeypatch, capsys):
    lines = model_trainee(load_library().get("enfadado-red"))
    status, out, err = run(["--type", "enfadado", "--scenario", "enfadado-red", "--seed", "2", "--format", "json"],
                           "\n".join(lines) + "\n", monkeypatch, capsys)
    assert status == 0
    *said, last = out.splitlines()
    result = json.loads(last)
    assert {"score", "items", "coaching", "customer_state", "passed"} <= set(result)
    assert {"mood", "understanding"} <= set(result["customer_state"])
    assert result["passed"] is True and result["seed"] == 2
    assert said[0].startswith("¡Oiga!") or said[1].startswith("¡Oiga!")  # the customer's lines, plain
    assert "Llamada entrante" in err  # the practice room's notices stay off standard output


def test_text_shows_the_customer_by_name_and_the_missed_rules_with_their_explanation(monkeypatch, capsys):
    status, out, _ = run(["--type", "enfadado", "--scenario", "enfadado-impresora", "--seed", "1"],
                         "\n".join(BAD_TRAINEE) + "\n", monkeypatch, capsys)
    assert status == 0
    assert "Ramón Gil: " in out
    assert "AL-4: Después de la historia, parafrasee" in out
    assert "NO SUPERADA" in out or "NOT PASSED" in out


def test_an_empty_line_ends_the_trainees_side(monkeypatch, capsys):
    status, out, _ = run(["--type", "locuaz", "--seed", "1", "--format", "json"],
                         "Buenos días, le atiende Lucía.\n\nEsto ya no se lee.\n", monkeypatch, capsys)
    assert status == 0
    result = json.loads(out.splitlines()[-1])
    said = [i for i in result["items"] if i["rule"] == "SP-3"][0]["evidence"]
    assert all("ya no se lee" not in quote for quote in said)


def test_the_same_seed_gives_the_same_call(monkeypatch, capsys):
    text = "Buenos días, le atiende Lucía. ¿Con quién hablo?\nEntiendo.\n¿Qué le pasa?\n"
    first = run(["--type", "descortes", "--seed", "11", "--format", "json"], text, monkeypatch, capsys)
    second = run(["--type", "descortes", "--seed", "11", "--format", "json"], text, monkeypatch, capsys)
    assert first[1] == second[1]


@pytest.mark.parametrize(("argv", "needle"), [
    (["--type", "gruñon"], "--type"),
    (["--type", "enfadado", "--scenario", "no-existe"], "no-existe"),
    (["--type", "enfadado", "--scenario", "locuaz-red"], "locuaz"),
    (["--type", "enfadado", "--seed", "-3"], "--seed"),
    ([], "--type"),
])
def test_bad_arguments_exit_2_with_a_clear_message(monkeypatch, capsys, argv, needle):
    status, out, err = run(argv, "", monkeypatch, capsys)
    assert status == 2 and needle in err and out == ""


def test_a_broken_scenario_folder_exits_2_naming_the_file(monkeypatch, capsys, tmp_path):
    (tmp_path / "roto.toml").write_text("[[scenario]]\nid = 'x'\ntype = 'gruñon'\n", "utf-8")
    monkeypatch.setenv("ATIENDE_TRAINING_SCENARIOS", str(tmp_path))
    status, _out, err = run(["--type", "locuaz"], "", monkeypatch, capsys)
    assert status == 2 and "roto.toml" in err
