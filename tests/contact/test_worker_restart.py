"""Timers are stored deadlines: after a crash and restart they fire at once, nothing is forgotten."""

from __future__ import annotations

import threading

import pytest

from atiende.cli import main
from atiende.cli.worker import run_loop
from atiende.contact.models import Alert, Contact, Deadline
from atiende.contact.services import calls, routing
from atiende.contact.services import deadlines as contact_deadlines

pytestmark = pytest.mark.django_db


def test_overdue_deadlines_fire_at_once_after_a_restart(call_with_lucia, lucia, jorge, clock):
    calls.put_on_hold(contact_id=call_with_lucia.pk, user=lucia, reason="r", customer_consent=True,
                         expected_minutes=1)
    other = routing.create_contact(queue="soporte").contact
    calls.answer(contact_id=other.pk, user=jorge)
    calls.request_transfer(contact_id=other.pk, user=jorge, purpose="p", customer_consent=True,
                              to_technician=lucia.pk)
    # The server is down for an hour: nobody fires anything meanwhile.
    clock.advance(3600)
    assert contact_deadlines.run_due_deadlines(worker="after-restart") >= 2
    assert Alert.objects.filter(kind="hold_overrun", rule="HO-5").count() == 1
    contact = Contact.objects.get(pk=other.pk)
    assert (contact.state, contact.assignee) == ("talking", jorge)  # TR-5: returned, not lost


def test_a_crashed_workers_lease_runs_out_and_another_worker_fires(call_with_lucia, lucia, clock):
    calls.put_on_hold(contact_id=call_with_lucia.pk, user=lucia, reason="r", customer_consent=True,
                         expected_minutes=1)
    clock.advance(61)
    claimed = contact_deadlines.claim_due_deadlines(worker="crashes")  # claims, then dies before firing
    assert claimed
    assert contact_deadlines.run_due_deadlines(worker="second") == 0  # still leased to the first
    clock.advance(contact_deadlines.LEASE_SECONDS + 1)
    assert contact_deadlines.run_due_deadlines(worker="second") >= 1
    assert Alert.objects.filter(kind="hold_overrun").count() == 1


def test_a_deadline_fires_only_once_even_if_two_workers_run(call_with_lucia, lucia, clock):
    calls.put_on_hold(contact_id=call_with_lucia.pk, user=lucia, reason="r", customer_consent=True,
                         expected_minutes=1)
    clock.advance(61)
    ids = contact_deadlines.claim_due_deadlines(worker="a")
    for deadline_id in ids:
        contact_deadlines.fire_deadline(deadline_id=deadline_id)
        contact_deadlines.fire_deadline(deadline_id=deadline_id)  # a second attempt changes nothing
    assert Alert.objects.filter(kind="hold_overrun").count() == 1
    assert Deadline.objects.filter(kind="hold_overrun", fired_at__isnull=False).count() == 1


class _OneRound(threading.Event):
    """A stop signal that arrives while the worker sleeps after its first round (like SIGTERM)."""

    def wait(self, timeout: float | None = None) -> bool:
        self.set()
        return True


def test_worker_loop_finishes_its_round_and_stops_cleanly(call_with_lucia, lucia, clock):
    calls.put_on_hold(contact_id=call_with_lucia.pk, user=lucia, reason="r", customer_consent=True,
                         expected_minutes=1)
    clock.advance(61)
    stopped = threading.Event()
    stopped.set()
    assert run_loop(stopped, name="t", interval=0.01) == 0  # already told to stop: does nothing
    assert run_loop(_OneRound(), name="t", interval=0.01) >= 1
    assert Alert.objects.filter(kind="hold_overrun").exists()


def test_worker_once_command_fires_due_deadlines(call_with_lucia, lucia, clock, capsys):
    calls.put_on_hold(contact_id=call_with_lucia.pk, user=lucia, reason="r", customer_consent=True,
                         expected_minutes=1)
    clock.advance(61)
    assert main(["worker", "--once"]) == 0
    assert "fired" in capsys.readouterr().out or Alert.objects.filter(kind="hold_overrun").exists()
    assert Alert.objects.filter(kind="hold_overrun").exists()


def test_an_idle_look_for_deadlines_and_waiting_calls_is_one_statement_each(call_with_lucia, clock):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as looked:
        assert contact_deadlines.run_due_deadlines(worker="idle") == 0
    assert len([q for q in looked.captured_queries if q["sql"].upper().startswith(("SELECT", "UPDATE"))]) == 1
    with CaptureQueriesContext(connection) as routed:
        assert routing.dispatch() == 0  # nobody waits: the free technicians are not counted
    assert len([q for q in routed.captured_queries if q["sql"].upper().startswith("SELECT")]) == 1


def test_a_batch_of_wrap_up_ends_frees_each_technician_and_routes_the_waiting_call(queue, lucia, jorge, clock):
    first = routing.create_contact(queue="soporte").contact
    second = routing.create_contact(queue="soporte").contact
    for row in (first, second):
        offered = Contact.objects.get(pk=row.pk)
        calls.answer(contact_id=row.pk, user=offered.offered_to)
        calls.hang_up(contact_id=row.pk)
    waiting = routing.create_contact(queue="soporte").contact
    assert Contact.objects.get(pk=waiting.pk).state == "waiting"  # both technicians are in wrap-up
    clock.advance(3600)
    assert contact_deadlines.run_due_deadlines(worker="batch") >= 2  # the waiting call's PO-2 alerts too
    assert set(Contact.objects.filter(pk__in=[first.pk, second.pk]).values_list("state", flat=True)) == {"ended"}
    assert Contact.objects.get(pk=waiting.pk).state == "offered"  # routed once the batch freed someone
    assert contact_deadlines.run_due_deadlines(worker="batch") == 0  # each fired once
    assert Deadline.objects.filter(contact__in=[first, second], kind="wrap_up_end",
                                   fired_at__isnull=False).count() == 2
