"""A practice chat (the console's chat composer): the same simulated customer, scored as a written contact, so
the netiquette (NT) counts; writing in capitals reads as shouting to the customer too (NT-6)."""

from __future__ import annotations

import pytest

from atiende.practices import Refusal
from atiende.training import Session, load_library

from .trainees import GREETING, START, model_trainee

LIBRARY = load_library()


def chat(scenario_id: str, *lines: str, seed: int = 1) -> Session:
    scenario = LIBRARY.get(scenario_id)
    assert scenario is not None
    session = Session.start(LIBRARY, customer_type=scenario.type, scenario_id=scenario_id, seed=seed,
                            started_at=START, technician="Lucía", channel="chat")
    for line in lines:
        if session.say(line).ended:
            break
    session.end()
    return session


def statuses(session: Session) -> dict[str, str]:
    return {item.rule: item.status for item in session.result().card.items}


@pytest.mark.parametrize("scenario_id", ["enfadado-impresora", "inexperto-red", "locuaz-correo"])
def test_the_model_trainee_passes_a_chat_scored_as_a_written_contact(scenario_id):
    scenario = LIBRARY.get(scenario_id)
    session = chat(scenario_id, *model_trainee(scenario))
    assert session.transcript()["channel"] == "chat"
    assert session.result().passed, session.result().as_dict()["missed"]
    rules = statuses(session)
    assert rules["NT-6"] == "met" and rules["NT-7"] == "met"  # the netiquette applies to a chat


def test_the_same_lines_on_the_phone_leave_the_netiquette_out():
    scenario = LIBRARY.get("enfadado-impresora")
    phone = Session.start(LIBRARY, customer_type="enfadado", scenario_id="enfadado-impresora", seed=1,
                          started_at=START, technician="Lucía")
    for line in model_trainee(scenario):
        if phone.say(line).ended:
            break
    assert phone.transcript()["channel"] == "telefonico"
    assert {item.rule: item.status for item in phone.result().card.items}.get("NT-6", "n/a") == "n/a"


def test_shouting_in_capitals_upsets_the_customer_and_is_missed_on_the_card():
    calm = chat("enfadado-impresora", GREETING, "Entiendo su enfado, vamos a resolverlo.")
    loud = chat("enfadado-impresora", GREETING, "ENTIENDO SU ENFADO, VAMOS A RESOLVERLO.")
    assert loud.state.mood < calm.state.mood
    assert statuses(loud)["NT-6"] == "missed" and statuses(calm)["NT-6"] == "met"


def test_the_chat_opens_as_a_chat_and_survives_being_stored():
    session = Session.start(LIBRARY, customer_type="locuaz", scenario_id="locuaz-red", seed=2, started_at=START,
                            channel="chat")
    assert session.opening().es.startswith("Chat entrante de ") and "Escriba usted primero" in session.opening().es
    session.say(GREETING)
    again = Session.from_dict(LIBRARY, session.to_dict())
    assert again.channel == "chat" and again.transcript()["channel"] == "chat"
    old = session.to_dict()
    del old["channel"]  # a session stored before practice chats existed was a phone call
    assert Session.from_dict(LIBRARY, old).channel == "telefonico"


def test_an_unknown_channel_is_refused():
    with pytest.raises(Refusal) as refused:
        Session.start(LIBRARY, customer_type="locuaz", seed=1, started_at=START, channel="fax")
    assert refused.value.status == 400 and "chat" in refused.value.message("es")
