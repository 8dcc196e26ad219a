"""ET-4: a supervisor cannot set another team's quality score by posting a transcript for its call."""

from __future__ import annotations

from atiende.contact.services import queues
from atiende.people.models import Team
from atiende.scorecards.models import ContactTranscript

from .conftest import GOOD_TURNS, bearer, run_call


def _soporte_owns_the_queue() -> None:
    queues.save_queue(name="soporte", label="Soporte", tiers=[1, 2], team_id=Team.objects.get(name="Soporte").pk)


def test_another_teams_supervisor_cannot_post_a_transcript_for_an_ended_call(client, people, clock):
    _soporte_owns_the_queue()
    call = run_call(people, clock)  # ended, no transcript yet
    url = f"/api/v1/scorecards/contacts/{call.pk}/transcript"
    foreign = client.post(url, {"turns": GOOD_TURNS}, content_type="application/json", headers=bearer(people.pablo))
    missing = client.post("/api/v1/scorecards/contacts/987654321/transcript", {"turns": GOOD_TURNS},
                          content_type="application/json", headers=bearer(people.pablo))
    # The same answer as for an id that does not exist: existence is not confirmed either.
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["error"]["code"] == missing.json()["error"]["code"] == "unknown_contact"
    assert not ContactTranscript.objects.filter(contact=call).exists()
    # The team's own supervisor may (positive control).
    own = client.post(url, {"turns": GOOD_TURNS}, content_type="application/json", headers=bearer(people.marta))
    assert own.status_code == 200, own.content


def test_turns_are_documented_as_turns_and_refused_as_before(client, people, clock):
    """Issue 22: the OpenAPI documents a turn (t, speaker, text, end?), not an untyped object, while the same
    bodies are accepted and refused as before: a bad turn is the service's 400 naming the turn and the field
    (not a schema 422), and another team's call answers as missing whatever its turns hold."""
    from atiende.api import api

    spec = api.get_openapi_schema()
    turns = spec["components"]["schemas"]["TurnsIn"]["properties"]["turns"]
    turn = turns["items"]
    assert turn["required"] == ["t", "speaker", "text"] and set(turn["properties"]) == {"t", "speaker", "text", "end"}
    assert turn["properties"]["speaker"]["enum"] == ["tecnico", "cliente"] and turn["properties"]["t"]["minimum"] == 0
    assert turns["minItems"] == 1
    _soporte_owns_the_queue()
    call = run_call(people, clock, end=False)
    url = f"/api/v1/scorecards/contacts/{call.pk}/transcript"
    for bad, field in (({**GOOD_TURNS[0], "speaker": "x"}, "turns[0].speaker"),
                       ({"t": -1, "speaker": "cliente", "text": "Hola"}, "turns[0].t"),
                       ({"t": 1, "speaker": "cliente", "text": "  "}, "turns[0].text")):
        answer = client.post(url, {"turns": [bad]}, content_type="application/json", headers=bearer(people.lucia))
        assert answer.status_code == 400 and answer.json()["error"]["field"] == field, answer.content
        foreign = client.post(url, {"turns": [bad]}, content_type="application/json", headers=bearer(people.pablo))
        assert foreign.status_code == 404 and foreign.json()["error"]["code"] == "unknown_contact"
    extra = {**GOOD_TURNS[0], "channel_id": "pbx-7"}  # fields the doc does not name were and are ignored
    answer = client.post(url, {"turns": [extra]}, content_type="application/json", headers=bearer(people.lucia))
    assert answer.status_code == 200 and answer.json()["turns"] == 1, answer.content
