"""Lexicons are data an organisation can extend without editing the package."""

import json
import os
import subprocess
import sys


def test_an_organisation_adds_its_own_cues_and_jargon(tmp_path):
    (tmp_path / "traits.toml").write_text('[traits."CT-ENF"]\ncues = [["estoy como una olla expres", 0.7]]\n', "utf-8")
    (tmp_path / "jargon.toml").write_text(
        '[[term]]\nre = "sap"\nunderstood_from = "avanzado"\nplain = "el programa de gestión"\n', "utf-8")
    script = (
        "import json; from atiende.language import analyze; "
        "print(json.dumps([[t.id for t in analyze('Estoy como una olla exprés con esto.').traits], "
        "[f.rule for f in analyze('Abra SAP, por favor.', as_='tecnico').findings]]))"
    )
    env = {**os.environ, "ATIENDE_LANGUAGE_DATA": str(tmp_path)}
    extended = json.loads(subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                                         text=True, check=True).stdout)
    env.pop("ATIENDE_LANGUAGE_DATA")
    builtin = json.loads(subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                                        text=True, check=True).stdout)
    assert extended == [["CT-ENF"], ["DN-2"]]
    assert builtin == [[], []]
