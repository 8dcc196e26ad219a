"""The scenario library: every scenario can be won and lost, its lines are grammatical Spanish, and an
organisation can add or replace scenarios with its own files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from atiende.language.grammar import problems
from atiende.training import TYPES, ScenarioError, Session, load_library
from atiende.training.scenario import dirs_from_environment

from .trainees import BAD_TRAINEE, START, model_trainee, play

LIBRARY = load_library()
SCENARIOS = sorted(LIBRARY.scenarios)


def test_every_type_has_several_problems():
    for customer_type in TYPES:
        problems_of_type = {s.problem for s in LIBRARY.of_type(customer_type)}
        assert {"impresora", "red", "contrasena", "lento", "correo"} <= problems_of_type


@pytest.mark.parametrize("scenario_id", SCENARIOS)
def test_every_scenario_is_won_by_a_good_trainee_and_lost_by_a_bad_one(scenario_id):
    scenario = LIBRARY.get(scenario_id)
    good, good_result = play(scenario_id, model_trainee(scenario))
    bad, bad_result = play(scenario_id, BAD_TRAINEE)
    assert good_result.passed, (good_result.card.score, good_result.outcome, good_result.missed())
    assert good_result.customer_state["hidden_truth_found"]
    assert not bad_result.passed and not bad_result.customer_state["hidden_truth_found"]
    assert good.state.mood > bad.state.mood


def _customer_lines() -> list[tuple[str, str, bool]]:
    """(where, line, may insult) for everything a customer can say."""
    out = []
    for behaviour in LIBRARY.behaviours.values():
        rude = behaviour.type in ("descortes", "enfadado")
        for key, lines in behaviour.lines.items():
            out += [(f"{behaviour.type}.{key}", line.format(name="Ana Pérez", term="driver", summary="no imprime."),
                     rude) for line in lines]
    for scenario in LIBRARY.scenarios.values():
        rude = scenario.type in ("descortes", "enfadado")
        texts = [*scenario.story, scenario.solution.done, *scenario.lines.values(),
                 *(scenario.answer(f) for f in scenario.facts)]
        out += [(scenario.id, text, rude) for text in texts]
    return out


def test_every_line_a_customer_says_passes_the_grammar_guard():
    for where, line, rude in _customer_lines():
        found = [p for p in problems(line, quick=rude) if not (rude and p.startswith("insult"))]
        assert not found, (where, line, found)


def test_every_story_opens_with_an_account_long_enough_to_be_scored_as_the_story():
    for scenario in LIBRARY.scenarios.values():
        assert len(re.findall(r"\w+", scenario.story[0])) >= 10, scenario.id


def test_the_model_questions_are_closed_and_find_their_fact():
    from atiende.training.reading import read_turn

    for scenario in LIBRARY.scenarios.values():
        for fact in scenario.facts:
            reading = read_turn(fact.question, names=frozenset(), level="avanzado")
            assert reading.questions and all(q.closed for q in reading.questions), (scenario.id, fact.id)
            assert fact.asked_by(reading.questions[0].text), (scenario.id, fact.id)


def test_the_same_seed_and_lines_give_the_same_call_and_other_seeds_vary():
    lines = [model_trainee(LIBRARY.get("descortes-lento"))[0], "Entiendo.", "¿Qué le pasa?"]
    first, _ = play("descortes-lento", lines, seed=5)
    again, _ = play("descortes-lento", lines, seed=5)
    assert first.events == again.events
    picked = {Session.start(LIBRARY, customer_type="locuaz", seed=seed, started_at=START).scenario.id
              for seed in range(20)}
    assert len(picked) > 1


ORG_FILE = """
[[scenario]]
id = "enfadado-impresora"
type = "enfadado"
problem = "impresora"
customer = "Rosa Lara"
story = ["¡La impresora de la planta tercera no imprime y tengo una reunión con el director en diez minutos!", "¡Hagan algo!"]

[problem]
id = "fax"
title_es = "El fax no envía"
title_en = "The fax does not send"
summary = "el fax no envía nada."
topic = "el fax"
keywords = ["fax"]
[[problem.facts]]
id = "linea"
ask = ["linea|tono|telefono"]
answer = "No se oye tono en la línea."
question = "¿Se oye tono en la línea del fax?"
[problem.solution]
requires = ["linea"]
steps = ["cable|linea", "conect|enchuf"]
done = "Ahora sí hay tono y se ha enviado."
example = "Conecte el cable de la línea en la toma de la pared."

[[scenario]]
id = "inexperto-fax"
type = "inexperto"
customer = "Pedro Gil"
story = ["Hola, el aparato ese del fax no me manda los papeles y no sé qué le pasa.", "Le doy al botón y nada."]
"""


def test_an_organisation_adds_and_replaces_scenarios_from_its_folder(tmp_path: Path):
    (tmp_path / "nuestros.toml").write_text(ORG_FILE, "utf-8")
    library = load_library([tmp_path])
    assert library.get("enfadado-impresora").customer == "Rosa Lara"
    assert library.get("enfadado-impresora").facts == LIBRARY.get("enfadado-impresora").facts
    fax = library.get("inexperto-fax")
    assert fax is not None and fax.pass_mark == library.behaviour("inexperto").pass_mark
    _, result = play_in(library, "inexperto-fax", model_trainee(fax))
    assert result.passed
    assert dirs_from_environment({"ATIENDE_TRAINING_SCENARIOS": f"{tmp_path}"}) == [str(tmp_path)]


def play_in(library, scenario_id, lines):  # type: ignore[no-untyped-def]
    scenario = library.get(scenario_id)
    session = Session.start(library, customer_type=scenario.type, scenario_id=scenario_id, seed=1, started_at=START)
    for line in lines:
        if session.say(line).ended:
            break
    session.end()
    return session, session.result()


@pytest.mark.parametrize(("text", "where"), [
    ("[[scenario]]\nid = 'x'\ntype = 'gruñon'\n", "type"),
    ("[[scenario]]\nid = 'x'\ntype = 'locuaz'\nproblem = 'nada'\n", "problem"),
    ("[problem]\nid = 'p'\ntitle_es='a'\ntitle_en='b'\nsummary='c'\ntopic='d'\n"
     "[[problem.facts]]\nid='f'\nask=['(']\nanswer='x'\nquestion='y'\n"
     "[[scenario]]\nid='x'\ntype='locuaz'\ncustomer='A'\nstory=['b']\n", "ask"),
    ("[[scenario]]\nid = 'x'\ntype = 'locuaz'\nproblem = 'red'\ncustomer = 'A'\nstory = ['b']\npass_mark = 150\n",
     "pass_mark"),
    ("esto no es toml = = =", "TOML"),
])
def test_a_broken_scenario_file_is_refused_naming_the_file_and_field(tmp_path: Path, text: str, where: str):
    (tmp_path / "roto.toml").write_text(text, "utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_library([tmp_path])
    assert "roto.toml" in caught.value.message("es") and where in caught.value.message("en")


def test_the_practice_core_is_plain_python_without_django():
    import subprocess
    import sys

    code = ("import sys, atiende.training, atiende.training.session; "
            "sys.exit(1 if any(m == 'django' or m.startswith('django.') for m in sys.modules) else 0)")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
