"""Two lines of the same practice call sent at once (a double click, two tabs): both are taken, one after the
other, and nothing is lost. Real threads with their own connections: the session's row is locked (FOR UPDATE)
on PostgreSQL; SQLite's IMMEDIATE transactions make a single writer."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from atiende.practice import services
from atiende.practice.models import PracticeSession, PracticeTurn

pytestmark = pytest.mark.django_db(transaction=True)


def test_lines_sent_at_the_same_time_are_both_kept_in_order(people):
    row = services.start_session(user=people.lucia, scenario_id="locuaz-red", seed=1)
    services.take_turn(user=people.lucia, session_id=row.pk, text="Buenos días, le atiende Lucía.")
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def say(text: str) -> None:
        try:
            start.wait(timeout=30)
            services.take_turn(user=people.lucia, session_id=row.pk, text=text)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=say, args=(text,)) for text in ("Ya veo.", "Entiendo.")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    stored = PracticeSession.objects.get(pk=row.pk)
    assert stored.state["turns"] == 3  # every line reached the stored call
    trainee_lines = [e["text"] for e in stored.state["events"] if e.get("speaker") == "tecnico"]
    assert sorted(trainee_lines[1:]) == ["Entiendo.", "Ya veo."]
    indexes = list(PracticeTurn.objects.filter(session=row).order_by("index").values_list("index", flat=True))
    assert indexes == list(range(len(indexes)))
