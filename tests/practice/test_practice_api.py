"""The practice room over the API: a whole call, the engine's rules on holds, who sees what (ET-4)."""

from __future__ import annotations

import pytest

from atiende.practice.models import PracticeSession, PracticeTurn
from atiende.training import load_library
from tests.training.trainees import BAD_TRAINEE, model_trainee

from .conftest import Api

pytestmark = pytest.mark.django_db

SCENARIO = "enfadado-impresora"


def error(response) -> tuple[int, str, str | None]:
    body = response.json()["error"]
    return response.status_code, body["code"], body["rule"]


def play(api: Api, lines: list[str], **start) -> dict:
    started = api.start(**start)
    assert started.status_code == 201, started.content
    session_id = started.json()["id"]
    body = started.json()
    for line in lines:
        body = api.say(session_id, line).json()
        if body["status"] == "finished":
            break
    if body["status"] != "finished":
        body = api.say(session_id, "").json()
    return body


def test_a_technician_practises_a_whole_call_and_sees_the_result(client, people):
    api = Api(client, people.lucia)
    body = play(api, model_trainee(load_library().get(SCENARIO)), scenario=SCENARIO, seed=4)
    result = body["result"]
    assert body["status"] == "finished" and result["passed"] is True and body["passed"] is True
    state = result["customer_state"]
    assert state["outcome"] == "resolved" and state["mood"] > state["mood_at_start"]
    assert {"score", "items", "coaching", "customer_state", "passed"} <= set(result)
    speakers = [t["speaker"] for t in body["turns"]]
    assert speakers[0] == "aviso" and "tecnico" in speakers and "cliente" in speakers
    again = api.get(f"/sessions/{body['id']}").json()
    assert again["result"]["score"] == result["score"] and len(again["turns"]) == len(body["turns"])


def test_a_bad_call_fails_and_shows_the_missed_rules_with_the_catalogue_text(client, people):
    body = play(Api(client, people.lucia), BAD_TRAINEE, scenario=SCENARIO, seed=4)
    result = body["result"]
    assert result["passed"] is False and result["customer_state"]["outcome"] == "hung_up"
    missed = {m["rule"]: m for m in result["missed"]}
    assert "AL-4" in missed and "parafrasee" in missed["AL-4"]["text"]
    assert any(not fact["found"] for fact in result["hidden_truth"])


def test_a_hold_without_the_customers_consent_is_refused_naming_ho3(client, people):
    api = Api(client, people.lucia)
    session_id = api.start(scenario="locuaz-lento", seed=1).json()["id"]
    api.say(session_id, "Buenos días, soporte técnico, le atiende Lucía. ¿Con quién hablo?")
    body = api.say(session_id, "/espera 2 consultar el historial").json()
    notices = [t for t in body["new_turns"] if t["speaker"] == "aviso"]
    assert notices and notices[0]["rule"] == "HO-3"
    assert body["status"] == "active"


def test_an_empty_line_ends_the_call_and_nothing_more_can_be_said(client, people):
    api = Api(client, people.lucia)
    session_id = api.start(type="inexperto", seed=9).json()["id"]
    assert api.say(session_id, "").json()["status"] == "finished"
    assert error(api.say(session_id, "Hola")) == (409, "session_ended", None)


def test_another_teams_session_is_not_found(client, people):
    session_id = Api(client, people.lucia).start(type="locuaz").json()["id"]
    assert error(Api(client, people.jorge).get(f"/sessions/{session_id}"))[:2] == (404, "unknown_session")
    assert error(Api(client, people.jorge).say(session_id, "Hola"))[:2] == (404, "unknown_session")
    # her supervisor sees the call but may not speak in it
    assert Api(client, people.marta).get(f"/sessions/{session_id}").status_code == 200
    assert error(Api(client, people.marta).say(session_id, "Hola"))[:2] == (403, "not_your_session")
    listed = Api(client, people.jorge).get("/sessions").json()
    assert all(row["id"] != session_id for row in listed)


def test_customers_cannot_practise(client, people):
    assert error(Api(client, people.customer).start(type="locuaz")) == (403, "forbidden", "ET-4")


@pytest.mark.parametrize(("body", "expected"), [
    ({"type": "gruñon"}, 422),
    ({"type": "enfadado", "scenario": "no-existe"}, 400),
    ({"type": "enfadado", "scenario": "locuaz-red"}, 400),
    ({"type": "enfadado", "seed": -1}, 422),
    ({}, 400),
])
def test_bad_start_requests_get_a_clear_4xx(client, people, body, expected):
    response = Api(client, people.lucia).start(**body)
    assert response.status_code == expected and response.json()["error"]["message"]
    assert not PracticeSession.objects.exists()


def test_a_too_long_line_is_refused_and_nothing_is_stored(client, people):
    api = Api(client, people.lucia)
    session_id = api.start(type="locuaz", seed=1).json()["id"]
    before = PracticeTurn.objects.count()
    assert api.say(session_id, "a" * 2001).status_code in (400, 422)
    assert PracticeTurn.objects.count() == before


def test_a_supervisor_assigns_scenarios_to_their_team_only(client, people):
    marta = Api(client, people.marta)
    made = marta.post("/assignments", {"technician": people.lucia.pk, "scenario": SCENARIO, "note": "Para el lunes"})
    assert made.status_code == 201 and made.json()["scenario"]["id"] == SCENARIO
    assert error(marta.post("/assignments", {"technician": people.jorge.pk, "scenario": SCENARIO}))[:2] == (
        404, "unknown_technician")
    assert error(Api(client, people.lucia).post("/assignments", {"technician": people.lucia.pk,
                                                                  "scenario": SCENARIO}))[0] == 403
    lucia = Api(client, people.lucia)
    mine = lucia.get("/assignments").json()
    assert [a["id"] for a in mine] == [made.json()["id"]]
    started = lucia.start(assignment=made.json()["id"]).json()
    assert started["scenario"]["id"] == SCENARIO and started["assignment"] == made.json()["id"]
    assert Api(client, people.jorge).get("/assignments").json() == []


def test_a_pass_mark_set_by_a_supervisor_applies_to_new_sessions(client, people):
    marta = Api(client, people.marta)
    assert marta.put(f"/scenarios/{SCENARIO}/pass-mark", {"pass_mark": 99}).json()["pass_mark"] == 99
    assert Api(client, people.lucia).start(scenario=SCENARIO).json()["pass_mark"] == 99
    listed = {s["id"]: s for s in Api(client, people.lucia).get("/scenarios").json()}
    assert listed[SCENARIO]["pass_mark"] == 99 and len(listed) >= 25
    assert error(Api(client, people.lucia).put(f"/scenarios/{SCENARIO}/pass-mark", {"pass_mark": 50}))[0] == 403
    assert marta.put("/scenarios/no-existe/pass-mark", {"pass_mark": 50}).status_code == 404


def test_progress_by_rule_over_time(client, people):
    lucia = Api(client, people.lucia)
    play(lucia, BAD_TRAINEE, scenario=SCENARIO, seed=2)
    play(lucia, model_trainee(load_library().get(SCENARIO)), scenario=SCENARIO, seed=2)
    data = Api(client, people.marta).get(f"/technicians/{people.lucia.pk}/progress").json()
    assert data["sessions"] == 2 and data["periods"][0]["sessions"] == 2 and data["periods"][0]["passed"] == 1
    al4 = next(r for r in data["rules"] if r["rule"] == "AL-4")
    assert (al4["met"], al4["missed"]) == (1, 1) and al4["by_period"] == [0.5]
    assert error(Api(client, people.jorge).get(f"/technicians/{people.lucia.pk}/progress"))[0] == 404


def test_a_broken_scenario_folder_is_logged_and_the_shipped_scenarios_stay(client, people, monkeypatch, tmp_path,
                                                                          caplog):
    from atiende.practice import scenarios

    (tmp_path / "roto.toml").write_text("[[scenario]]\nid = 'x'\ntype = 'gruñon'\n", "utf-8")
    monkeypatch.setenv("ATIENDE_TRAINING_SCENARIOS", str(tmp_path))
    scenarios._library.cache_clear()
    try:
        response = Api(client, people.lucia).get("/scenarios")
        assert response.status_code == 200 and len(response.json()) == 25
        assert "roto.toml" in caplog.text
    finally:
        scenarios._library.cache_clear()


def test_a_practice_chat_is_scored_as_a_written_contact(client, people):
    api = Api(client, people.lucia)
    started = api.start(scenario=SCENARIO, seed=1, channel="chat")
    assert started.status_code == 201 and started.json()["channel"] == "chat"
    assert started.json()["turns"][0]["text"].startswith("Chat entrante de Ramón Gil")
    body = play(api, ["BUENOS DÍAS, LE ATIENDE LUCÍA.", ""], scenario=SCENARIO, seed=1, channel="chat")
    missed = {m["rule"] for m in body["result"]["missed"]}
    assert "NT-6" in missed  # capitals in a chat: the netiquette applies
    assert api.start(scenario=SCENARIO, channel="fax").status_code == 422
    assert api.start(scenario=SCENARIO).json()["channel"] == "telefonico"
