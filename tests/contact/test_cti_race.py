"""The same CTI event sent twice at once (a PBX retry racing the original) is processed once."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from atiende.contact.models import Contact
from atiende.contact.services import queues
from atiende.people.models import ApiToken, User
from atiende.telephony.models import CtiEvent

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "connection.vendor == 'sqlite'",
        reason="threads sharing the in-memory SQLite test database get 'table is locked' at once (shared cache "
        "ignores the busy timeout) in the HTTP layer; SQLite's single writer is covered by test_claims_race.py",
    ),
]


@pytest.fixture
def raw():
    """A queue, and the PBX's raw bearer token."""
    queues.save_queue(name="soporte", tiers=[1])
    _token, raw = ApiToken.issue(User.objects.create_user("pbx", role="administrador"), kind="cti")
    return raw


def test_duplicate_events_racing_in_create_one_call_and_get_one_answer(raw):
    body = json.dumps({"id": "dup-1", "type": "new_call", "call_id": "call-dup", "queue": "soporte"})
    answers: list[tuple[int, dict]] = []
    barrier = threading.Barrier(4)

    def send() -> None:
        try:
            barrier.wait()
            response = Client().post("/api/v1/cti/events", body, content_type="application/json",
                                     headers={"Authorization": f"Bearer {raw}"})
            answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(answers) == 4
    assert len({json.dumps(a, sort_keys=True) for a in answers}) == 1  # the very same answer
    assert answers[0][0] == 200
    assert Contact.objects.filter(external_id="call-dup").count() == 1
    assert CtiEvent.objects.filter(event_id="dup-1").count() == 1


def test_two_events_announcing_the_same_call_at_once_get_one_call_and_never_a_500(raw):
    """Two new_call events with their own ids but the same call id (a PBX bug, two PBX nodes)."""
    statuses: list[int] = []
    for round_ in range(5):
        barrier = threading.Barrier(2)

        def send(event_id: str, call_id: str = f"call-{round_}", barrier: threading.Barrier = barrier) -> None:
            try:
                body = json.dumps({"id": event_id, "type": "new_call", "call_id": call_id, "queue": "soporte"})
                barrier.wait()
                response = Client().post("/api/v1/cti/events", body, content_type="application/json",
                                         headers={"Authorization": f"Bearer {raw}"})
                statuses.append(response.status_code)
            finally:
                connection.close()

        threads = [threading.Thread(target=send, args=(f"r{round_}-{i}",)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert Contact.objects.filter(external_id=f"call-{round_}").count() == 1
    assert sorted(statuses) == [200] * 5 + [409] * 5
