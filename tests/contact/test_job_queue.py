"""The shared lease loop of the stored job queues (``atiende.job_queue``): its own contract.

The rows are webhook deliveries written by hand (any queue model would do; this
one allows many rows per call), worked directly through ``job_queue``, not
through the outbox's own rules (one call's decisions in order). The claims that
race run in real threads on their own connections, on PostgreSQL, where the row
locks do the work; SQLite has a single writer and runs the rest.
"""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from atiende import job_queue
from atiende.contact.services import routing
from atiende.telephony.models import WebhookDelivery

pytestmark = pytest.mark.django_db

LEASE = 30.0
START = timezone.now().replace(microsecond=0)
LATER = START + timedelta(hours=1)  # every row made at START is due


@pytest.fixture
def make_rows(queue, monkeypatch):
    monkeypatch.delenv("ATIENDE_WEBHOOK_URL", raising=False)  # the call itself stores no deliveries
    call = routing.create_contact(queue="soporte").contact

    def make(count: int, *, due: datetime = START, **fields) -> list[int]:
        rows = [WebhookDelivery(decision_id=uuid.uuid4(), contact=call, action="ring", created_at=START,
                                next_attempt_at=due + timedelta(seconds=n), **fields) for n in range(count)]
        WebhookDelivery.objects.bulk_create(rows)
        return list(WebhookDelivery.objects.filter(pk__in=[r.pk for r in rows]).order_by("pk")
                    .values_list("pk", flat=True))

    return make


def _claim(worker: str, *, at: datetime, limit: int = 10, **kwargs) -> list[int]:
    return job_queue.claim(WebhookDelivery.objects.all(), worker=worker, moment=at, limit=limit, lease=LEASE,
                           **kwargs)


def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent claims are exercised on PostgreSQL; SQLite has a single writer")


def test_a_claim_leases_due_rows_oldest_due_first_and_none_twice(make_rows):
    at = START + timedelta(minutes=1)
    due = make_rows(4)
    make_rows(1, due=at + timedelta(seconds=1))  # not due yet
    make_rows(1, gave_up_at=START)  # gave up: stays until started over
    assert _claim("a", at=at, limit=3, count_attempt=True) == due[:3]
    assert _claim("b", at=at) == due[3:]
    assert _claim("c", at=at) == []
    rows = {r.pk: r for r in WebhookDelivery.objects.filter(pk__in=due)}
    assert [rows[pk].claimed_by for pk in due] == ["a", "a", "a", "b"]
    assert [rows[pk].attempts for pk in due] == [1, 1, 1, 0]  # only the claim that counts attempts
    assert {rows[pk].lease_until for pk in due} == {at + timedelta(seconds=LEASE)}


def test_the_lease_may_depend_on_how_many_rows_were_claimed_and_names_are_cut_to_the_column(make_rows):
    [pk] = make_rows(1)
    job_queue.claim(WebhookDelivery.objects.all(), worker="w" * 100, moment=START, limit=5,
                    lease=lambda claimed: 10.0 * claimed)
    row = WebhookDelivery.objects.get(pk=pk)
    assert (row.claimed_by, row.lease_until) == ("w" * 80, START + timedelta(seconds=10))
    assert job_queue.held(WebhookDelivery.objects.all(), pk, worker="w" * 100) == row


def test_an_expired_lease_is_taken_over_and_the_first_worker_no_longer_holds_the_row(make_rows):
    [pk] = make_rows(1)
    assert _claim("first", at=START) == [pk]
    assert job_queue.held(WebhookDelivery.objects.all(), pk, worker="first") is not None
    assert _claim("second", at=START + timedelta(seconds=LEASE)) == []  # its lease still runs
    assert _claim("second", at=START + timedelta(seconds=LEASE + 1)) == [pk]  # it ran out: taken over
    assert job_queue.held(WebhookDelivery.objects.all(), pk, worker="first") is None
    with transaction.atomic():
        assert job_queue.held(WebhookDelivery.objects.all(), pk, worker="first", lock=True) is None
    row = job_queue.held(WebhookDelivery.objects.all(), pk, worker="second")
    assert row is not None and job_queue.holds(row, "second") and not job_queue.holds(row, "first")


def test_a_failed_attempt_backs_off_then_gives_up_and_start_over_makes_it_due_again(make_rows):
    [pk] = make_rows(1, attempts=1, claimed_by="w", lease_until=START + timedelta(seconds=LEASE))
    row = WebhookDelivery.objects.get(pk=pk)
    later = START + timedelta(minutes=5)
    assert job_queue.retry_or_give_up(row, moment=later, max_attempts=2, delay=lambda n: 7.0 * n) == job_queue.RETRY
    assert (row.claimed_by, row.lease_until, row.gave_up_at, row.next_attempt_at) == (
        "", None, None, later + timedelta(seconds=7))
    row.attempts = 2
    assert job_queue.retry_or_give_up(row, moment=later, max_attempts=2, delay=lambda n: 7.0 * n) == job_queue.GAVE_UP
    assert row.gave_up_at == later
    row.save(update_fields=["attempts", *job_queue.SCHEDULE_FIELDS])
    assert _claim("w", at=later + timedelta(days=1)) == []  # a given-up row is never claimed
    assert job_queue.start_over(WebhookDelivery.objects.filter(pk=pk), moment=later) == 1
    row.refresh_from_db()
    assert (row.attempts, row.gave_up_at, row.next_attempt_at, row.claimed_by, row.lease_until) == (
        0, None, later, "", None)
    assert _claim("w", at=later) == [pk]


def test_backoff_doubles_from_the_first_wait_up_to_the_longest():
    assert [job_queue.backoff(n, first=30.0) for n in (0, 1, 2, 3)] == [30.0, 30.0, 60.0, 120.0]
    assert [job_queue.backoff(n, first=30.0, factor=3.0, longest=200.0) for n in (1, 2, 3)] == [30.0, 90.0, 200.0]


def _in_thread(action, results: list, name: str) -> threading.Thread:
    def run() -> None:
        try:
            results.append(action())
        except Exception as exc:  # asserted by the test
            results.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_at_once_never_hold_the_same_row_and_neither_waits(make_rows):
    # The first worker's claim is still uncommitted (its transaction is open) when the second one claims:
    # the second must skip the rows the first took, at once. A claim that did not lock its rows would hand
    # the second worker the same rows (then wait for the first's update); one that locked them without
    # skipping would wait for the first worker's transaction to end.
    _postgres_only()
    ids = make_rows(5)
    first_claimed, second_done = threading.Event(), threading.Event()
    first: list = []
    second: list = []

    def claim_and_hold() -> list[int]:
        with transaction.atomic():
            claimed = _claim("first", at=LATER, limit=3)
            first_claimed.set()
            second_done.wait(10)
        return claimed

    def claim_meanwhile() -> list[int]:
        assert first_claimed.wait(10)
        try:
            return _claim("second", at=LATER)
        finally:
            second_done.set()

    holder = _in_thread(claim_and_hold, first, "first")
    other = _in_thread(claim_meanwhile, second, "second")
    other.join(5)
    assert not other.is_alive(), "the second claim waited for the first worker's transaction"
    holder.join(15)
    assert first == [ids[:3]] and second == [ids[3:]], (first, second)
    assert sorted(WebhookDelivery.objects.values_list("claimed_by", flat=True)) == ["first"] * 3 + ["second"] * 2


@pytest.mark.django_db(transaction=True)
def test_many_workers_racing_claim_every_row_exactly_once(make_rows):
    _postgres_only()
    ids = make_rows(60)
    barrier = threading.Barrier(6)
    results: list = []

    def work(name: str) -> list[int]:
        barrier.wait(10)
        mine: list[int] = []
        while claimed := _claim(name, at=LATER, limit=2):
            mine.extend(claimed)
        return mine

    threads = [_in_thread(lambda name=f"w{i}": (name, work(name)), results, f"w{i}") for i in range(6)]
    for thread in threads:
        thread.join(30)
    assert len(results) == 6 and not [r for r in results if isinstance(r, Exception)], results
    claimed = [pk for _name, mine in results for pk in mine]
    assert sorted(claimed) == ids  # every row once: none twice, none missed
    holders = dict(WebhookDelivery.objects.values_list("pk", "claimed_by"))
    assert all(holders[pk] == name for name, mine in results for pk in mine)


@pytest.mark.django_db(transaction=True)
def test_a_row_its_worker_holds_locked_is_not_taken_over_when_its_lease_runs_out(make_rows):
    # The scoring jobs hold their row locked while the work goes on (``held(lock=True)``): a lease that runs
    # out meanwhile does not let another worker take the row, and that worker does not wait for it either.
    _postgres_only()
    [pk] = make_rows(1)
    assert _claim("slow", at=START) == [pk]
    locked, finish = threading.Event(), threading.Event()
    outcome: list = []

    def work_on_it() -> bool:
        with transaction.atomic():
            row = job_queue.held(WebhookDelivery.objects.all(), pk, worker="slow", lock=True)
            assert row is not None
            locked.set()
            assert finish.wait(10)
            row.delete()  # the work is done: the row goes, as a scored job's does
        return True

    slow = _in_thread(work_on_it, outcome, "slow")
    try:
        assert locked.wait(10)
        assert _claim("fast", at=START + timedelta(seconds=LEASE + 60)) == []  # skipped, at once
    finally:
        finish.set()
        slow.join(15)
    assert outcome == [True]
    assert not WebhookDelivery.objects.filter(pk=pk).exists()
    assert _claim("fast", at=START + timedelta(seconds=LEASE + 60)) == []


def test_a_poll_with_nothing_due_only_reads_and_takes_no_write_lock(make_rows):
    """A worker's usual poll finds nothing due: it must not queue behind, or hold up, the writers. Another
    thread holds the single writer (SQLite's write lock in this process) until the poll is over, ten seconds at
    most: a poll that took it would wait them out (the bound of five leaves room for a loaded machine). (On PostgreSQL the single writer is not used: the poll only reads there too.)"""
    import time

    from atiende import db

    make_rows(2, due=LATER)  # pending, but not due yet
    holding, done = threading.Event(), threading.Event()

    def writer() -> None:
        with db.sqlite_writer():
            holding.set()
            done.wait(10)  # held until the poll is over, or for 10 s if the poll waits for it

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert holding.wait(5)
        started = time.monotonic()
        assert _claim("w1", at=START) == []
        assert time.monotonic() - started < 5, "a poll with nothing due waited for the write lock"
    finally:
        done.set()
        thread.join()
