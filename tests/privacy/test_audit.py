from __future__ import annotations

import threading

import pytest
from django.db import DatabaseError, connection, connections, transaction

from atiende.cli import main as cli_main
from atiende.desk.models import WorkOrderEvent
from atiende.privacy import audit
from atiende.privacy.models import AppendOnlyError, AuditEntry, AuditHead
from atiende.privacy.signals import content_digest

pytestmark = pytest.mark.django_db

TABLE = "privacy_auditentry"


def _fill(count: int = 5) -> None:
    for n in range(count):
        audit.record("test.action", object_type="test", object_id=n, details={"n": n, "texto": "ñandú"})


def _without_guard(sql: str, params: list) -> None:
    """What someone with direct database access could do: switch the guard off and write."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER privacy_auditentry_append_only")
        else:
            cursor.execute("DROP TRIGGER privacy_auditentry_no_update")
        cursor.execute(sql, params)


def test_intact_chain_verifies_and_the_command_exits_0(capsys):
    _fill()
    result = audit.verify()
    assert result.ok and result.checked == 5
    assert cli_main(["audit", "verify"]) == 0
    assert "5" in capsys.readouterr().out


def test_edited_entry_is_detected_and_named(capsys):
    _fill()
    _without_guard(f"UPDATE {TABLE} SET details = %s WHERE seq = 3", ['{"n": 99, "texto": "ñandú"}'])
    result = audit.verify()
    assert not result.ok and result.broken_seq == 3
    assert cli_main(["audit", "verify"]) == 1
    assert "3" in capsys.readouterr().err


def test_edit_that_recomputes_the_hash_still_breaks_the_next_link():
    _fill()
    forged = audit.entry_hash(seq=2, at=AuditEntry.objects.get(seq=2).at, actor_id=None, actor_name="",
                              action="test.action", object_type="test", object_id="1",
                              details={"n": 42}, prev_hash=AuditEntry.objects.get(seq=1).hash)
    _without_guard(f"UPDATE {TABLE} SET details = %s, hash = %s WHERE seq = 2", ['{"n": 42}', forged])
    result = audit.verify()
    assert not result.ok and result.broken_seq == 3


def test_deleted_entry_is_detected_and_named():
    _fill()
    _without_guard(f"DELETE FROM {TABLE} WHERE seq = 4", [])
    result = audit.verify()
    assert not result.ok and result.broken_seq == 4


def test_deleting_the_last_entries_is_detected_by_the_head():
    _fill()
    _without_guard(f"DELETE FROM {TABLE} WHERE seq >= 4", [])
    result = audit.verify()
    assert not result.ok and result.broken_seq == 4


def test_entries_cannot_be_changed_or_deleted_through_the_application():
    _fill(2)
    entry = AuditEntry.objects.get(seq=1)
    entry.action = "otra"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(seq=1).update(action="otra")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    assert audit.verify().ok


def test_database_refuses_updates_of_entries():
    _fill(2)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET action = 'otra' WHERE seq = 1")
    assert AuditEntry.objects.get(seq=1).action == "test.action"


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgresql_refuses_deletes_of_entries():
    _fill(2)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE seq = 1")
    assert AuditEntry.objects.count() == 2


def test_work_order_history_is_chained_without_copying_its_content(work_order, technician):
    event = WorkOrderEvent.objects.create(work_order=work_order, actor=technician, kind="changed",
                                          changes={"title": ["viejo", "nuevo"]}, note="cambio")
    entry = AuditEntry.objects.get(action="workorder.changed")
    assert entry.object_type == "desk.workorder" and entry.object_id == str(work_order.pk)
    assert entry.actor_name == "lucia" and entry.details["fields"] == ["title"]
    assert entry.details["digest"] == content_digest(event.changes, event.note)
    assert "nuevo" not in str(entry.details)
    assert audit.verify().ok


@pytest.mark.skipif(
    "connection.vendor == 'sqlite'",
    reason="in-memory SQLite has no concurrent writers; test_sqlite_file.py covers SQLite files",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_unbroken_chain():
    threads, per_thread, errors = 4, 8, []

    def worker(n: int) -> None:
        try:
            for i in range(per_thread):
                audit.record("test.concurrent", object_type="thread", object_id=n, details={"i": i})
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert errors == []
    result = audit.verify()
    assert result.ok and result.checked == threads * per_thread
    assert AuditHead.objects.get(pk=1).seq == threads * per_thread


def test_deferred_entries_are_chained_together_and_dropped_with_their_savepoint():
    audit.record("test.before", object_type="test", object_id=0)
    with transaction.atomic(), audit.deferred():
        audit.record("test.kept", object_type="test", object_id=1)
        with pytest.raises(RuntimeError), transaction.atomic(), audit.deferred():
            audit.record("test.rolled_back", object_type="test", object_id=2)
            raise RuntimeError("this message failed")
        with transaction.atomic(), audit.deferred():
            audit.record("test.kept", object_type="test", object_id=3)
        assert AuditEntry.objects.count() == 1  # written when the outer block ends
    assert list(AuditEntry.objects.values_list("seq", "action", "object_id")) == [
        (1, "test.before", "0"), (2, "test.kept", "1"), (3, "test.kept", "3")]
    assert audit.verify().ok and AuditHead.objects.get().seq == 3
    audit.record("test.after", object_type="test", object_id=4)
    assert audit.verify().ok and audit.verify().checked == 4

