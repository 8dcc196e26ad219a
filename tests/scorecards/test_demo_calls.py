"""`atiende demo` holds scored calls, so /calidad/ is alive on first run (issue 22, item 19)."""

from __future__ import annotations

import pytest

from atiende.contact.models import Contact, ContactState, TechnicianState
from atiende.demo import load_demo
from atiende.people.models import User
from atiende.scorecards.models import Scorecard, ScoringJob

pytestmark = pytest.mark.django_db


def test_the_demo_holds_scored_calls_with_and_without_words(client):
    load_demo()
    calls = Contact.objects.filter(state=ContactState.ENDED)
    cards = list(Scorecard.objects.filter(contact__in=calls))
    assert len(cards) == calls.count() >= 6 and not ScoringJob.objects.exists()  # every ended call has its card
    words = {c.pk: any("speaker" in e for e in c.transcript["events"]) for c in cards}
    assert any(words.values()) and not all(words.values())  # console-only calls too, scored on their events
    console_only = [c for c in cards if not words[c.pk]]
    assert all({i["rule"]: i["status"] for i in c.items}["AL-4"] == "n/a" for c in console_only)
    assert any(i["status"] == "missed" for c in console_only for i in c.items)  # the events can miss (PO-1, HO-5)
    assert len({c.scored_at.date() for c in cards}) > 1  # spread over the week, not all today
    # The technicians are ready for calls afterwards, as before.
    assert set(TechnicianState.objects.values_list("status", flat=True)) == {"disponible"}

    client.force_login(User.objects.get(username="supervisora"))
    page = client.get("/calidad/").content.decode()
    assert all(f"/calidad/{c.pk}/" in page for c in cards)
    detail = client.get(f"/calidad/{console_only[0].pk}/")
    assert detail.status_code == 200 and "Llamada sin transcripción" in detail.content.decode()

    load_demo()  # twice changes nothing
    assert Scorecard.objects.count() == len(cards) and Contact.objects.count() == calls.count()
