"""The locked read every call event starts with is hand-written SQL (issue 25): it must give the very call the ORM
gives, values converted alike (aware datetimes, JSON as dicts) and the queue with it, on both databases."""

from __future__ import annotations

import pytest
from django.db import transaction

from atiende.contact.models import Contact
from atiende.contact.services import locking
from atiende.errors import InputError


def _fields(row: Contact) -> dict:
    return {f.attname: getattr(row, f.attname) for f in Contact._meta.concrete_fields}


def test_the_locked_read_gives_what_the_orm_gives(call_with_lucia, django_assert_num_queries):
    call_with_lucia.external_id = "pbx-77"
    call_with_lucia.save(update_fields=["external_id"])
    expected = Contact.objects.select_related("queue").get(pk=call_with_lucia.pk)
    with transaction.atomic():
        with django_assert_num_queries(1):
            row = locking.lock_contact(call_with_lucia.pk)
            queue = row.queue  # read with the call: no second query
        with django_assert_num_queries(1), locking.call_locked("pbx-77") as by_pbx:
            assert by_pbx.pk == row.pk
    assert _fields(row) == _fields(expected)
    assert row.answered_at is not None and row.answered_at.tzinfo is not None
    assert isinstance(row.data, dict) and row.data == expected.data
    assert (queue.pk, queue.name, queue.tiers, queue.policy) == (expected.queue.pk, expected.queue.name,
                                                                 expected.queue.tiers, expected.queue.policy)
    row.caller = "+34600000002"
    row.save(update_fields=["caller"])  # an instance as the ORM makes it: it saves as one
    assert Contact.objects.get(pk=row.pk).caller == "+34600000002"


def test_an_unknown_call_is_a_404_naming_it(db):
    with transaction.atomic(), pytest.raises(InputError) as refused, locking.call_locked("nope"):
        pass
    assert refused.value.status == 404 and refused.value.code == "unknown_call"
    with transaction.atomic(), pytest.raises(InputError) as refused:
        locking.lock_contact(999_999)
    assert refused.value.status == 404 and refused.value.code == "unknown_contact"
