"""Issue 22, item 2: the audit chain holds against someone who can write to the database.

They can switch the guards off, change an entry and recompute every hash after it, or delete the newest
entries and move the chain head back (with the head's old seal, read earlier). The seal's key and the
anchor live outside the database, so ``atiende audit verify`` still finds both.
"""

from __future__ import annotations

import json
import os
import stat

import pytest
from django.db import connection

from atiende.cli import main as cli_main
from atiende.privacy import audit, audit_seal
from atiende.privacy.models import AuditEntry, AuditHead

pytestmark = pytest.mark.django_db

TABLE = "privacy_auditentry"


@pytest.fixture
def anchored(settings, tmp_path):
    settings.ATIENDE_AUDIT_ANCHOR = str(tmp_path / "audit.anchor")
    return tmp_path / "audit.anchor"


def _fill(count, capture) -> None:
    for n in range(count):
        with capture(execute=True):  # each append commits, so its anchor is written
            audit.record("test.action", object_type="test", object_id=n, details={"n": n})


def _as_the_database_writer(*statements: tuple[str, list]) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER privacy_auditentry_append_only")
        else:
            cursor.execute("DROP TRIGGER privacy_auditentry_no_update")
        for sql, params in statements:
            cursor.execute(sql, params)


def _rewrite_from(seq: int, details: dict) -> None:
    """Change entry ``seq`` and recompute every hash after it, and the head: all the database holds."""
    entries = list(AuditEntry.objects.order_by("seq"))
    prev = entries[seq - 2].hash if seq > 1 else audit.GENESIS
    statements = []
    for entry in entries[seq - 1:]:
        if entry.seq == seq:
            entry.details = details
        entry.prev_hash = prev
        entry.hash = prev = audit._hash_of(entry)
        statements.append((f"UPDATE {TABLE} SET details = %s, prev_hash = %s, hash = %s WHERE seq = %s",
                           [json.dumps(entry.details), entry.prev_hash, entry.hash, entry.seq]))
    statements.append(("UPDATE privacy_audithead SET hash = %s WHERE id = 1", [prev]))
    _as_the_database_writer(*statements)


def test_a_rewrite_with_every_hash_recomputed_is_detected(django_capture_on_commit_callbacks, capsys):
    _fill(5, django_capture_on_commit_callbacks)
    assert audit.verify().ok
    _rewrite_from(2, {"n": 42})
    result = audit.verify()
    assert not result.ok and "seal" in result.reason
    assert cli_main(["audit", "verify"]) == 1
    assert "seal" in capsys.readouterr().err


def test_a_rewrite_is_detected_by_the_anchor_too(anchored, django_capture_on_commit_callbacks, settings):
    _fill(5, django_capture_on_commit_callbacks)
    _rewrite_from(2, {"n": 42})
    # Even if the rewriter had the key and sealed the new head, the anchor outside keeps the old hash of 5.
    head = AuditHead.objects.get()
    AuditHead.objects.filter(pk=1).update(mac=audit_seal.seal(head.seq, head.hash))
    result = audit.verify()
    assert not result.ok and result.broken_seq == 5 and "anchor" in result.reason


def test_deleting_the_newest_entry_and_moving_the_head_back_is_detected(anchored,
                                                                          django_capture_on_commit_callbacks):
    _fill(4, django_capture_on_commit_callbacks)
    old_head = AuditHead.objects.values("seq", "hash", "mac").get()  # read by the adversary earlier
    _fill(1, django_capture_on_commit_callbacks)
    delete = ("DELETE FROM privacy_auditentry WHERE seq = 5", [])
    if connection.vendor == "postgresql":
        _as_the_database_writer(delete)
    else:
        with connection.cursor() as cursor:
            cursor.execute(*delete)
    AuditHead.objects.filter(pk=1).update(**old_head)  # a head that was once genuine, seal included
    result = audit.verify()
    assert not result.ok and result.broken_seq == 5 and "anchor" in result.reason


def test_an_intact_chain_verifies_with_seal_and_anchor(anchored, django_capture_on_commit_callbacks):
    _fill(3, django_capture_on_commit_callbacks)
    assert audit.verify().ok and audit.verify().checked == 3
    assert audit_seal.read_anchor().seq == 3
    assert stat.S_IMODE(os.stat(anchored).st_mode) == 0o600



def test_write_anchor_keeps_the_newest_head(settings, tmp_path):
    settings.ATIENDE_AUDIT_ANCHOR = str(tmp_path / "a")
    audit_seal.write_anchor(7, "h7", "m7")
    audit_seal.write_anchor(5, "h5", "m5")  # a slower process's older head
    assert audit_seal.read_anchor() == audit_seal.Anchor(7, "h7", "m7")


def test_the_key_file_is_created_private_and_refused_when_others_can_read_it(settings, tmp_path):
    settings.ATIENDE_AUDIT_KEY = ""
    settings.HOME = tmp_path
    audit_seal._cache.clear()
    first = audit_seal.seal(1, "x")
    key_file = tmp_path / "audit.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600 and first == audit_seal.seal(1, "x")
    audit_seal._cache.clear()
    key_file.chmod(0o644)
    with pytest.raises(audit_seal.AuditKeyError, match="chmod 600"):
        audit_seal.seal(1, "x")
    audit_seal._cache.clear()


def test_a_short_audit_key_is_refused_with_the_fix(settings):
    settings.ATIENDE_AUDIT_KEY = "short"
    with pytest.raises(audit_seal.AuditKeyError, match="at least 32"):
        audit_seal.seal(1, "x")


def test_a_burst_of_heads_is_synced_to_disk_a_few_times_and_the_last_head_is_synced(settings, tmp_path, monkeypatch):
    # Every head is in the file when write_anchor returns; the background thread puts the file on disk once for
    # the heads written meanwhile, then waits SYNC_PAUSE before the next sync (issue 25: one sync a creation was
    # a tenth of its CPU). The burst still ends on disk.
    import time

    anchor = tmp_path / "audit.anchor"
    settings.ATIENDE_AUDIT_ANCHOR = str(anchor)
    synced: list[float] = []
    real = os.fdatasync

    def counted(fd: int) -> None:
        if os.path.samestat(os.fstat(fd), os.stat(anchor)):  # this file's syncs, not an earlier test's
            synced.append(time.monotonic())
        real(fd)

    monkeypatch.setattr(audit_seal.os, "fdatasync", counted)
    monkeypatch.setattr(audit_seal, "_syncer", audit_seal._Syncer())
    began = time.monotonic()
    for seq in range(1, 51):
        before_last = time.monotonic()
        audit_seal.write_anchor(seq, f"{seq:064x}", "m" * 64)
        assert audit_seal.read_anchor().seq == seq  # in the file at once, for every reader
        time.sleep(0.002)  # appends a few milliseconds apart, as under load
    ended = time.monotonic()
    deadline = ended + 10  # a loaded machine may run the thread late; it must still run
    while not (synced and synced[-1] >= before_last) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert synced and synced[-1] >= before_last  # the last head went to disk too
    assert len(synced) <= 2 + (ended - began) / 0.05  # not one sync a head: at most every 50 ms (docs/security.md)
