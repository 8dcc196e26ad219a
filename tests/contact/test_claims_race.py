"""Many technicians racing to claim waiting contacts: none is assigned twice, none is lost.

Real threads, each with its own database connection, against committed data
(``transactional_db``). On PostgreSQL the claims use FOR UPDATE SKIP LOCKED; on
SQLite the IMMEDIATE transactions make a single writer.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

from atiende.contact import selectors
from atiende.contact.models import Contact, ContactEvent
from atiende.contact.services import availability, calls, queues
from atiende.contact.services import routing as contact_routing
from atiende.errors import InputError
from atiende.people.models import User

pytestmark = pytest.mark.django_db(transaction=True)

CLIENTS = 6
CONTACTS = 90


def _work(user: User, handled: list[int], errors: list[BaseException]) -> None:
    try:
        while True:
            try:
                row = contact_routing.claim_next_contact(user=user)
            except InputError:
                # Pushed routing rang this technician meanwhile: take that call instead.
                row = selectors.offered_to(user=user)
                if row is None:
                    continue
            if row is None:
                return
            calls.answer(contact_id=row.pk, user=user)
            calls.hang_up(contact_id=row.pk)
            calls.finish_wrap_up(contact_id=row.pk, user=user)
            handled.append(row.pk)
    except BaseException as exc:  # noqa: BLE001 - reported by the test below
        errors.append(exc)
    finally:
        connection.close()


def test_racing_technicians_never_get_the_same_contact_and_none_is_lost():
    queues.save_queue(name="soporte", tiers=[1])
    for _ in range(CONTACTS):
        contact_routing.create_contact(queue="soporte", route=False)
    users = [User.objects.create_user(f"tec{i}", role="tecnico")
             for i in range(CLIENTS)]
    for user in users:
        availability.make_available(user=user)  # may already ring them (pushed routing): that is fine
    handled: list[list[int]] = [[] for _ in users]
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_work, args=(u, h, errors)) for u, h in zip(users, handled, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    everything = [pk for h in handled for pk in h]
    assert len(everything) == len(set(everything)) == CONTACTS  # none twice, none lost
    assert set(Contact.objects.values_list("state", flat=True)) == {"ended"}
    answered = Counter(ContactEvent.objects.filter(kind="answered").values_list("contact_id", flat=True))
    assert set(answered.values()) == {1}
    assert sum(1 for h in handled if h) > 1  # the work really was shared
