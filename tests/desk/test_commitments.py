"""PT-2: every promise has a due time, is tracked, and a missed one raises an alert once."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from datetime import timedelta

import pytest
from django.utils import timezone

from atiende.desk.models import Commitment, WorkOrderEvent
from atiende.desk.selectors import search_work_orders
from atiende.desk.services.commitments import (
    add_commitment,
    flag_missed_commitments,
    resolve_commitment,
)
from atiende.desk.services.work_orders import create_work_order
from atiende.errors import InputError

pytestmark = pytest.mark.django_db


def test_a_commitment_without_a_due_time_is_refused(tech, work_order):
    with pytest.raises(InputError) as exc:
        add_commitment(actor=tech, work_order=work_order, description="Le llamo", due_at=None)
    assert (exc.value.code, exc.value.rule) == ("due_time_required", "PT-2")


def test_a_commitment_due_in_the_past_is_refused(tech, work_order):
    with pytest.raises(InputError) as exc:
        add_commitment(actor=tech, work_order=work_order, description="Le llamo",
                       due_at=timezone.now() - timedelta(minutes=1))
    assert (exc.value.code, exc.value.rule) == ("due_time_past", "PT-2")


def test_a_commitment_is_recorded_with_its_owner_and_in_the_history(tech, work_order):
    due = timezone.now() + timedelta(hours=3)
    commitment = add_commitment(actor=tech, work_order=work_order, description="Le llamo a las 10",
                                due_at=due)
    assert (commitment.status, commitment.owner, commitment.due_at) == ("pendiente", tech, due)
    assert WorkOrderEvent.objects.filter(work_order=work_order, kind="commitment_added").exists()


def test_a_missed_commitment_is_flagged_once_with_an_alert(tech, work_order):
    now = timezone.now()
    commitment = add_commitment(actor=tech, work_order=work_order, description="Enviar presupuesto",
                                due_at=now + timedelta(hours=1))
    assert flag_missed_commitments(now=now + timedelta(minutes=30)) == []
    later = now + timedelta(hours=2)
    flagged = flag_missed_commitments(now=later)
    assert [c.pk for c in flagged] == [commitment.pk]
    commitment.refresh_from_db()
    assert commitment.status == "incumplido" and commitment.alerted_at == later
    assert flag_missed_commitments(now=later + timedelta(hours=1)) == []
    assert WorkOrderEvent.objects.filter(work_order=work_order, kind="commitment_missed").count() == 1


def test_a_kept_commitment_is_never_flagged(tech, work_order):
    now = timezone.now()
    commitment = add_commitment(actor=tech, work_order=work_order, description="Llamar",
                                due_at=now + timedelta(hours=1))
    resolve_commitment(actor=tech, commitment=commitment, kept=True)
    assert flag_missed_commitments(now=now + timedelta(days=1)) == []
    commitment.refresh_from_db()
    assert commitment.status == "cumplido" and commitment.resolved_at is not None


def test_a_resolved_commitment_cannot_be_resolved_again(tech, work_order):
    commitment = add_commitment(actor=tech, work_order=work_order, description="Llamar",
                                due_at=timezone.now() + timedelta(hours=1))
    resolve_commitment(actor=tech, commitment=commitment, kept=False, cancelled=True)
    with pytest.raises(InputError) as exc:
        resolve_commitment(actor=tech, commitment=commitment, kept=True)
    assert exc.value.code == "commitment_not_pending" and exc.value.status == 409


def test_work_orders_with_late_commitments_are_found_as_overdue(tech, work_order, customer):
    on_time = create_work_order(actor=tech, customer=customer, title="Sin prisa")
    now = timezone.now()
    add_commitment(actor=tech, work_order=work_order, description="Llamar",
                   due_at=now + timedelta(minutes=5))
    add_commitment(actor=tech, work_order=on_time, description="Llamar",
                   due_at=now + timedelta(days=5))
    later = now + timedelta(hours=1)
    assert list(search_work_orders(tech, overdue=True, now=later)) == [work_order]
    assert list(search_work_orders(tech, overdue=False, now=later)) == [on_time]


def test_the_check_command_flags_missed_commitments(tech, work_order):
    from atiende.cli import main

    commitment = add_commitment(actor=tech, work_order=work_order, description="Llamar",
                                due_at=timezone.now() + timedelta(seconds=1))
    Commitment.objects.filter(pk=commitment.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["commitments", "check"]) == 0
    assert "Llamar" in out.getvalue() and str(work_order.number) in out.getvalue()
    commitment.refresh_from_db()
    assert commitment.status == "incumplido"


@pytest.mark.django_db(transaction=True)
def test_two_workers_checking_at_once_flag_each_missed_commitment_once(tech, customer):
    from django.db import connection

    from tests.desk.test_concurrent_edit import _run_in_threads

    if connection.vendor != "postgresql":
        pytest.skip("real concurrent workers are exercised on PostgreSQL")
    wo = create_work_order(actor=tech, customer=customer, title="Varias promesas")
    now = timezone.now()
    for i in range(5):
        add_commitment(actor=tech, work_order=wo, description=f"Promesa {i}",
                       due_at=now + timedelta(minutes=1))
    later = now + timedelta(hours=1)
    results = _run_in_threads(3, lambda i: flag_missed_commitments(now=later))
    assert all(isinstance(r, list) for r in results), results
    assert sum(len(r) for r in results) == 5  # type: ignore[arg-type]
    assert WorkOrderEvent.objects.filter(work_order=wo, kind="commitment_missed").count() == 5


def test_the_worker_flags_a_commitment_as_soon_as_it_is_missed(tech, work_order, monkeypatch):
    # PT-2: the policy clock (atiende worker) raises the alert without anyone running a command.
    import threading

    from atiende.cli.worker import run_loop

    commitment = add_commitment(actor=tech, work_order=work_order, description="Le llamo",
                                due_at=timezone.now() + timedelta(minutes=5))
    Commitment.objects.filter(pk=commitment.pk).update(due_at=timezone.now() - timedelta(minutes=1))

    class OneRound(threading.Event):
        def wait(self, timeout=None):
            self.set()
            return True

    run_loop(OneRound(), name="t", interval=0.01)
    commitment.refresh_from_db()
    assert commitment.status == "incumplido" and commitment.alerted_at is not None
