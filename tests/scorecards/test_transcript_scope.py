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
