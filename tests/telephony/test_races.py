"""The same event sent several times at once (PBX retries racing): handled once, every copy gets one reply.

Real threads, each with its own database connection, against committed data.
On PostgreSQL the call's row is locked (FOR UPDATE) and a racing newCall hits
the unique callId; on SQLite the IMMEDIATE transactions make a single writer.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from atiende.contact.models import Contact, ContactEvent
from atiende.contact.services import queues
from atiende.telephony.generic import handle_event, parse_event
from atiende.telephony.models import GenericCall

from .conftest import make_technician

pytestmark = pytest.mark.django_db(transaction=True)

COPIES = 4


def _race(fields: dict) -> list:
    replies: list = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            replies.append(handle_event(event=parse_event(fields)))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(COPIES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return replies


def test_racing_copies_of_each_event_change_the_call_once(clock):
    queues.save_queue(name="soporte", tiers=[1])
    lucia = make_technician("lucia", extension="201")
    call = {"callId": "race-1", "from": "+34600111222", "to": "900100200", "direction": "in"}
    rung = _race({**call, "event": "newCall"})
    assert len(rung) == COPIES and all(r.atiende == rung[0].atiende and r.body == {} for r in rung)
    assert Contact.objects.count() == 1 and GenericCall.objects.count() == 1
    answered = _race({**call, "event": "answer", "answeringNumber": "201"})
    assert {r.atiende["action"] for r in answered} == {"connect"}
    hung = _race({**call, "event": "hangup", "cause": "normalClearing"})
    assert {r.atiende["outcome"] for r in hung} == {"ended"}
    contact = Contact.objects.get()
    assert contact.state == "wrap_up" and contact.assignee == lucia
    kinds = list(ContactEvent.objects.filter(contact=contact).values_list("kind", flat=True))
    assert kinds.count("answered") == 1 and kinds.count("hangup") == 1 and kinds.count("created") == 1
    assert sum(r.repeat for r in answered) == COPIES - 1
