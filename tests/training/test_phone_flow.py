"""Holds and transfers in a practice call follow the engine's real rules, and the simulated customer consents
or refuses; the call is scored from its transcript in the SPEC format."""

from __future__ import annotations

import pytest

from atiende.practices import Refusal
from atiende.quality import parse_transcript, score_transcript
from atiende.training import Session, load_library, parse_command

from .trainees import GREETING, START

LIBRARY = load_library()
ASK_HOLD = ("Voy a consultar el historial de su equipo para ver qué ha cambiado. ¿Le importa que le ponga en "
            "espera unos dos minutos? Gracias.")


def call(scenario_id: str, *lines: str, seed: int = 1) -> tuple[Session, list]:  # type: ignore[type-arg]
    session = Session.start(LIBRARY, customer_type=LIBRARY.get(scenario_id).type, scenario_id=scenario_id, seed=seed,
                            started_at=START, technician="Lucía")
    steps = [session.say(line) for line in lines]
    return session, steps


def notice_rules(steps) -> list[str | None]:  # type: ignore[no-untyped-def]
    return [n.rule for step in steps for n in step.notices]


def test_a_hold_without_asking_the_customer_is_refused_naming_ho3_and_the_customer_protests():
    session, steps = call("locuaz-lento", GREETING, "Ya veo.", "/espera 2 consultar el historial")
    assert notice_rules(steps[-1:]) == ["HO-3"]
    assert "sin preguntarme" in steps[-1].customer[0]
    assert not session.on_hold and not any(e.get("type") == "hold" for e in session.events)


def test_a_hold_without_a_reason_is_refused_naming_ho2():
    session, steps = call("locuaz-lento", GREETING, "Ya veo.", ASK_HOLD, "/espera 2")
    assert steps[-2].customer == ["De acuerdo, espero."]
    assert notice_rules(steps[-1:]) == ["HO-2"] and not session.on_hold


def test_a_hold_the_customer_agreed_to_goes_through_and_an_overrun_is_noticed():
    session, steps = call("locuaz-lento", GREETING, "Ya veo.", ASK_HOLD, "/espera 2 consultar el historial",
                          "/retomar 4", "Ya estoy aquí. ¿Ha instalado algún programa nuevo estas semanas?")
    hold = next(e for e in session.events if e.get("type") == "hold")
    assert hold["customer_consent"] is True and hold["expected_minutes"] == 2.0 and hold["reason"]
    assert notice_rules(steps[3:5]) == ["HO-4", "HO-5"]
    assert "Ya era hora" in steps[-1].customer[0]  # back late without apologising (HO-5)
    session.end()
    assert session.result().card.item("HO-5").status == "missed"


def test_the_angry_customer_refuses_a_hold_before_being_calmed():
    session, steps = call("enfadado-lento", GREETING, "Entiendo.", ASK_HOLD, "/espera 2 consultar el historial")
    assert session.state.hold_consent is False
    assert "Ni hablar" in steps[2].customer[0]
    assert notice_rules(steps[-1:]) == ["HO-3"] and not session.on_hold


def test_a_transfer_without_purpose_or_consent_is_refused_naming_tr2_and_tr3():
    session, steps = call("entendido-red", GREETING, "Entiendo.", "/transferir nivel2",
                          "/transferir nivel2 necesita un especialista")
    assert notice_rules(steps[2:]) == ["TR-2", "TR-3"]
    assert session.contact.state.value == "talking" and not session.ended


def test_an_unnecessary_transfer_is_declined_by_level_two_and_the_call_comes_back():
    session, steps = call(
        "locuaz-lento", GREETING, "Ya veo.",
        "Señora Ríos, le voy a pasar con un compañero porque termina mi turno. ¿Le parece bien?",
        "/transferir soporte termina mi turno")
    assert steps[2].customer == ["Vale, páseme con esa persona."]
    types = [e.get("type") for e in session.events if "type" in e]
    assert types[-2:] == ["transfer_request", "transfer_declined"]
    assert "TR-5" in notice_rules(steps[-1:]) and not session.ended
    assert session.contact.state.value == "talking"


def test_escalating_hands_the_call_to_the_supervisor():
    session, steps = call("enfadado-red", GREETING, "Entiendo.", "/escalar el cliente pide hablar con un supervisor")
    assert steps[-1].ended and session.outcome() == "escalated"
    assert session.result().card.item("PO-5").status == "met"


def test_the_session_transcript_is_the_spec_format_and_its_card_is_the_result():
    session, _steps = call("inexperto-correo", GREETING, "Entiendo.", "¿Puede enviar correos?", "")
    transcript = session.transcript()
    parse_transcript(transcript)  # raises on anything malformed
    assert transcript["events"][0] == {"t": 0.0, "type": "start", "wait_seconds": 15.0}
    assert transcript["events"][-1]["type"] == "end"
    assert score_transcript(transcript).as_dict() == session.result().card.as_dict()


def test_a_session_stored_between_turns_continues_as_if_it_never_stopped():
    lines = [GREETING, "Entiendo.", ASK_HOLD, "/espera 2 consultar", "Gracias por esperar. ¿Tarda mucho en arrancar?"]
    straight, _ = call("descortes-lento", *lines, seed=7)
    stored = Session.start(LIBRARY, customer_type="descortes", scenario_id="descortes-lento", seed=7,
                           started_at=START, technician="Lucía")
    for line in lines:
        stored = Session.from_dict(LIBRARY, stored.to_dict())
        stored.say(line)
    assert stored.events == straight.events and stored.state == straight.state


@pytest.mark.parametrize(("line", "code"), [
    ("/espera dos consultar", "command_minutes"), ("/bailar", "unknown_command"), ("/transferir", "transfer_target_required"),
])
def test_a_bad_command_is_refused_with_a_clear_message(line, code):
    with pytest.raises(Refusal) as caught:
        parse_command(line)
    assert caught.value.code == code and caught.value.message("es")


def test_nothing_more_can_be_said_once_the_call_has_ended():
    session, _ = call("locuaz-red", GREETING, "")
    with pytest.raises(Refusal) as caught:
        session.say("Hola")
    assert caught.value.code == "session_ended"
