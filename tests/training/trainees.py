"""Scripted trainees: a good one that follows the practices and a bad one that breaks them.

``model_trainee`` builds a good call for any scenario from the scenario's own model questions and
solution, so every shipped scenario (and any an organisation adds) can be checked to be winnable.
"""

from __future__ import annotations

from datetime import UTC, datetime

from atiende.training import Result, Scenario, Session, load_library

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
GREETING = "Buenos días, soporte técnico, le atiende Lucía. ¿Con quién hablo?"


def play(scenario_id: str, lines: list[str], *, seed: int = 1) -> tuple[Session, Result]:
    library = load_library()
    scenario = library.get(scenario_id)
    assert scenario is not None
    session = Session.start(library, customer_type=scenario.type, scenario_id=scenario_id, seed=seed,
                            started_at=START, technician="Lucía")
    for line in lines:
        if session.say(line).ended:
            break
    session.end()
    return session, session.result()


def model_trainee(scenario: Scenario) -> list[str]:
    address = scenario.address_as or scenario.customer
    level = ("Veo que ya ha descartado lo básico." if scenario.type == "entendido"
             else "Lo vemos juntos, paso a paso.")
    return [
        GREETING,
        "Entiendo.",
        f"Lamento las molestias, {address}. Déjeme ver si comprendo: tiene un problema con {scenario.topic}, "
        f"¿es así? {level}",
        *[fact.question for fact in scenario.facts],
        scenario.solution.example,
        f"Perfecto, {address}. Hemos encontrado la causa y ya funciona. ¿Queda todo resuelto? "
        "Gracias por llamar, que tenga buen día.",
    ]


BAD_TRAINEE = [
    "Sí, dígame.",
    "¿Qué le pasa?",
    "Cálmese, eso no es así. ¿Ha reiniciado el ordenador? Seguro que es el driver o la caché.",
    "Es muy fácil, no es para tanto. Reinicie el router.",
    "Adiós.",
]
