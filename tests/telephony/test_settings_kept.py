"""The queue and the block list a server keeps for the native ``new_call`` (atiende.config_cache, issue 25): a
change made here, or by another process, counts for the very next call; one rolled back never does. Each of
these would let a blocked caller ring a technician, or a call go to a queue as it no longer is, if the kept
copies outlived a change."""

from __future__ import annotations

import json

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from atiende import config_cache
from atiende.contact.models import Contact, Queue
from atiende.telephony.models import BlockedCaller
from atiende.telephony.services import block_caller, unblock_caller

pytestmark = pytest.mark.django_db
EVENTS = "/api/v1/cti/events"


@pytest.fixture
def call(client, cti_token):
    count = [0]

    def post(caller="+34600111222", queue="soporte"):
        count[0] += 1
        event = {"id": f"k-{count[0]}", "type": "new_call", "call_id": f"k{count[0]}", "from": caller,
                 "queue": queue}
        return client.post(EVENTS, json.dumps(event), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {cti_token}")
    return post


def test_a_block_or_unblock_here_counts_for_the_next_call(call, queue, lucia, clock):
    assert call().json()["action"] == "ring"  # the empty block list is kept now
    block_caller(pattern="+34600111222", reason="Spam")
    assert call().json()["action"] == "reject"
    unblock_caller(pattern="+34600111222")
    assert call().json()["action"] in ("ring", "queue")


def test_a_block_written_by_another_process_counts_for_the_next_call(call, queue, lucia, clock):
    assert call().json()["action"] == "ring"
    # Another process's admin: the row written and the version moved there, this process's memory untouched.
    BlockedCaller.objects.bulk_create([BlockedCaller(pattern="+34600111222", reason="Spam")])
    config_cache.changed()
    assert call().json()["action"] == "reject"


def test_a_queue_changed_counts_for_the_next_call(call, queue, lucia, clock):
    first = call().json()
    assert first["action"] == "ring" and Contact.objects.get(pk=first["contact"]).queue_id == queue.pk
    queue.name = "soporte-antiguo"
    queue.save()
    gone = call()
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "unknown_queue"
    again = Queue.objects.create(name="soporte", label="Soporte", tiers=[1])
    answer = call().json()
    assert Contact.objects.get(pk=answer["contact"]).queue_id == again.pk


def test_a_block_rolled_back_never_counts(call, queue, lucia, clock):
    assert call().json()["action"] == "ring"
    with pytest.raises(RuntimeError), transaction.atomic():
        block_caller(pattern="+34600111222")
        assert call().json()["action"] == "reject"
        raise RuntimeError
    assert call().json()["action"] in ("ring", "queue")


def test_the_queue_and_the_block_list_cost_no_statement_once_kept(call, queue, lucia, jorge, clock):
    call()
    with CaptureQueriesContext(connection) as queries:
        assert call().json()["action"] == "ring"
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "telephony_blockedcaller" not in sql and 'FROM "contact_queue"' not in sql
