"""Optimistic concurrency: two people editing the same version never lose a change silently."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from atiende.desk.models import WorkOrder
from atiende.desk.selectors import work_order_history
from atiende.desk.services.work_orders import change_phase, create_work_order, update_work_order
from atiende.errors import InputError

pytestmark = pytest.mark.django_db


def test_second_edit_of_the_same_version_gets_409_and_the_first_is_kept(tech, supervisor, work_order):
    update_work_order(actor=tech, work_order=work_order, version=1, priority="alta")
    with pytest.raises(InputError) as exc:
        update_work_order(actor=supervisor, work_order=work_order, version=1, os_name="Windows 11")
    assert exc.value.status == 409 and exc.value.code == "stale_version"
    fresh = WorkOrder.objects.get(pk=work_order.pk)
    assert (fresh.priority, fresh.os_name, fresh.version) == ("alta", "", 2)


def test_the_loser_retries_with_the_new_version_and_both_changes_stay(tech, supervisor, work_order):
    update_work_order(actor=tech, work_order=work_order, version=1, priority="alta")
    with pytest.raises(InputError):
        update_work_order(actor=supervisor, work_order=work_order, version=1, os_name="Windows 11")
    update_work_order(actor=supervisor, work_order=work_order, version=2, os_name="Windows 11")
    fresh = WorkOrder.objects.get(pk=work_order.pk)
    assert (fresh.priority, fresh.os_name, fresh.version) == ("alta", "Windows 11", 3)
    assert [e.kind for e in work_order_history(fresh)] == ["created", "changed", "changed"]


def test_a_stale_phase_change_is_refused(tech, work_order):
    update_work_order(actor=tech, work_order=work_order, version=1, problem_story="Historia",
                      paraphrase="Déjeme ver si comprendo...")
    with pytest.raises(InputError) as exc:
        change_phase(actor=tech, work_order=work_order, version=1, phase="satisfaccion")
    assert exc.value.code == "stale_version"


def test_the_api_answers_409_with_the_error_format(client, tech, work_order):
    import json

    from tests.desk.conftest import bearer

    headers = bearer(tech)
    url = f"/api/v1/work-orders/{work_order.number}"
    first = client.patch(url, json.dumps({"version": 1, "title": "Uno"}), content_type="application/json",
                         headers=headers)
    second = client.patch(url, json.dumps({"version": 1, "title": "Dos"}), content_type="application/json",
                          headers=headers)
    assert first.status_code == 200
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "stale_version"


def _run_in_threads(count: int, action) -> list[object]:
    """Start ``count`` threads together; each runs ``action(i)`` on its own connection."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = action(i)
        except Exception as exc:  # collected and asserted by the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("real row-level concurrency is exercised on PostgreSQL; SQLite has a single writer")


def _real_database_file() -> None:
    """Threads need a database they can all open: PostgreSQL, or SQLite in a file (not in memory)."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("threads cannot share an in-memory SQLite database")


@pytest.mark.django_db(transaction=True)
def test_concurrent_edits_of_one_version_one_wins_one_gets_409(tech, supervisor, work_order):
    _real_database_file()
    actors = [tech, supervisor]
    fields = [{"priority": "urgente"}, {"os_name": "Ubuntu"}]

    def edit(i: int) -> object:
        return update_work_order(actor=actors[i], work_order=work_order, version=1, **fields[i])

    results = _run_in_threads(2, edit)
    conflicts = [r for r in results if isinstance(r, InputError)]
    assert len(conflicts) == 1, results
    assert conflicts[0].code == "stale_version"
    fresh = WorkOrder.objects.get(pk=work_order.pk)
    assert fresh.version == 2
    winner = fields[results.index(next(r for r in results if isinstance(r, WorkOrder)))]
    assert all(getattr(fresh, k) == v for k, v in winner.items())
    assert [e.kind for e in work_order_history(fresh)] == ["created", "changed"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_creations_get_distinct_consecutive_numbers(tech, customer):
    _real_database_file()

    def create(i: int) -> object:
        return create_work_order(actor=tech, customer=customer, title=f"Solicitud {i}")

    results = _run_in_threads(6, create)
    assert all(isinstance(r, WorkOrder) for r in results), results
    numbers = sorted(r.number for r in results)  # type: ignore[union-attr]
    assert numbers == list(range(numbers[0], numbers[0] + 6))
