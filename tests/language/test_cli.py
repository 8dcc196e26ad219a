"""atiende analyze: the public command-line contract (SPEC "Public contracts")."""

import io
import json
import sys

from atiende.cli import main


def run(argv, stdin_text, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin_text))
    status = main(["analyze", *argv])
    out = capsys.readouterr()
    return status, out.out, out.err


def test_json_output_is_one_object_per_input_line_with_the_contract_keys(monkeypatch, capsys):
    status, out, _ = run(["--format", "json"], "¡¡ESTOY HARTA!! mi clave es Hola123\n\nno sé qué es eso\n",
                         monkeypatch, capsys)
    assert status == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 2  # the blank line is skipped
    for row in rows:
        assert set(row) == {"text", "as", "traits", "knowledge_level", "findings", "redacted", "strategy",
                            "paraphrase", "questions"}
        assert row["as"] == "cliente"
        for trait in row["traits"]:
            assert set(trait) == {"id", "score", "evidence"} and 0 <= trait["score"] <= 1
    assert rows[0]["traits"][0]["id"] == "CT-ENF"
    assert rows[0]["redacted"].endswith("[CONTRASEÑA]")


def test_technician_drafts_get_findings_with_spans(monkeypatch, capsys):
    status, out, _ = run(["--as", "tecnico", "--level", "basico", "--format", "json", "-"],
                         "Eso no es nada, borre la caché.\n", monkeypatch, capsys)
    row = json.loads(out)
    assert status == 0 and row["as"] == "tecnico" and row["traits"] == []
    assert [f["rule"] for f in row["findings"]] == ["DN-1", "DN-2"]
    first = row["findings"][0]
    assert set(first) == {"rule", "start", "end", "excerpt", "message", "suggestion"}
    assert row["text"][first["start"]:first["end"]] == first["excerpt"]


def test_text_output_reads_a_file(tmp_path, monkeypatch, capsys):
    path = tmp_path / "drafts.txt"
    path.write_text("Le llamo luego.\n", encoding="utf-8")
    status, out, _ = run(["--as", "tecnico", str(path)], "", monkeypatch, capsys)
    assert status == 0 and "PT-2" in out


def test_a_missing_file_is_a_clear_error(monkeypatch, capsys):
    status, _, err = run(["/no/such/file.txt"], "", monkeypatch, capsys)
    assert status == 2 and "/no/such/file.txt" in err


def test_a_customer_message_gets_strategy_paraphrase_and_questions(monkeypatch, capsys):
    status, out, _ = run(["--as", "cliente", "--format", "json"],
                         "Sos un inútil, desde ayer no me anda la compu y me sale un cartel\n", monkeypatch, capsys)
    row = json.loads(out)
    assert status == 0
    assert set(row["strategy"]) == {t["id"] for t in row["traits"]} and "CT-DES" in row["strategy"]
    assert set(row["strategy"]["CT-DES"]) == {"do", "avoid"}
    assert "inútil" not in row["paraphrase"] and "no le anda la compu" in row["paraphrase"]
    assert all(isinstance(q["closed"], bool) for q in row["questions"])


def test_a_message_with_no_story_has_no_paraphrase(monkeypatch, capsys):
    _, out, _ = run(["--format", "json"], "¡Ya funciona, sois geniales!!!\n", monkeypatch, capsys)
    row = json.loads(out)
    assert row["paraphrase"] is None and row["traits"] == []
