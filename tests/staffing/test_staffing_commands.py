"""atiende staffing, staffing-plan and simulate-day, as a planner uses them from the shell."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from atiende.cli import main

CSV = "intervalo,llamadas,tmo\n08:00,38,300\n08:30,64,300\n09:00,92,320\n"


@pytest.fixture(autouse=True)
def spanish(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "es_ES.UTF-8")


def test_staffing_json_is_the_public_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["staffing", "--calls", "100", "--period-minutes", "30", "--aht", "180", "--answer-within", "20",
                 "--target", "0.8", "--format", "json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"traffic_erlangs", "agents", "service_level", "asa_seconds", "occupancy",
                         "probability_wait"}
    assert data["agents"] == 14
    assert data["traffic_erlangs"] == 10.0


def test_staffing_text_is_spanish_by_default_and_english_on_request(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ["staffing", "--calls", "100", "--aht", "180", "--shrinkage", "0.3", "--max-occupancy", "0.8"]
    assert main(args) == 0
    spanish = capsys.readouterr().out
    assert "Técnicos necesarios al teléfono: 14" in spanish
    assert "A programar con 30 % de pérdidas: 20" in spanish
    assert "PO-2" in spanish
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    assert main(args) == 0
    assert "Technicians needed on the phones: 14" in capsys.readouterr().out


def test_po2_target_is_expressible(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["staffing", "--calls", "100", "--aht", "180", "--answer-within", "180", "--target", "0.99",
                 "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["service_level"] >= 0.99


@pytest.mark.parametrize(
    "args",
    [["--calls", "100", "--aht", "180", "--target", "1.2"], ["--calls", "-3", "--aht", "180"],
     ["--calls", "100", "--aht", "0"], ["--calls", "cien", "--aht", "180"], ["--aht", "180"],
     ["--calls", "100", "--aht", "180", "--shrinkage", "1"]],
)
def test_bad_staffing_input_is_a_clear_error_with_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        raise SystemExit(main(["staffing", *args]))
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "error" in err
    assert "Traceback" not in err


def test_staffing_plan_prints_a_table_and_writes_a_chart(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv_path = tmp_path / "lunes.csv"
    csv_path.write_text(CSV, encoding="utf-8")
    chart = tmp_path / "plan.svg"
    assert main(["staffing-plan", str(csv_path), "--shrinkage", "0.3", "--chart", str(chart)]) == 0
    out = capsys.readouterr().out
    assert "08:30" in out and "técnicos" in out
    assert chart.read_text(encoding="utf-8").startswith("<svg")


def test_staffing_plan_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv_path = tmp_path / "lunes.csv"
    csv_path.write_text(CSV, encoding="utf-8")
    assert main(["staffing-plan", str(csv_path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [i["interval"] for i in data["intervals"]] == ["08:00", "08:30", "09:00"]
    assert data["intervals"][2]["aht_seconds"] == 320


def test_staffing_plan_names_the_bad_line_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv_path = tmp_path / "malo.csv"
    csv_path.write_text("08:00,10\n08:30,x\n", encoding="utf-8")
    assert main(["staffing-plan", str(csv_path)]) == 2
    assert "Línea 2" in capsys.readouterr().err


def test_staffing_plan_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["staffing-plan", str(tmp_path / "no-existe.csv")]) == 2
    assert "no-existe.csv" in capsys.readouterr().err


def test_simulate_day_is_repeatable_with_a_seed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv_path = tmp_path / "lunes.csv"
    csv_path.write_text(CSV, encoding="utf-8")
    args = ["simulate-day", str(csv_path), "--patience", "240", "--hold-share", "0.2", "--transfer-share", "0.05",
            "--difficult-share", "0.1", "--seed", "42", "--format", "json", "--chart-dir", str(tmp_path / "charts")]
    assert main(args) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out) == first
    assert first["seed"] == 42
    assert set(first["policies"]) == {"PO-1", "PO-2", "PO-3"}
    assert (tmp_path / "charts" / "waits.svg").exists()
    assert (tmp_path / "charts" / "service-level.svg").exists()


def test_simulate_day_with_flat_demand_and_fixed_team(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate-day", "--calls", "50", "--hours", "2", "--agents", "10", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "Nivel de servicio" in out
    assert "Semilla: 1" in out


def test_simulate_day_without_demand_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate-day"]) == 2
    assert "--calls" in capsys.readouterr().err
