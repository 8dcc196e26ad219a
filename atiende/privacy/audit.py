"""The audit trail (ET-4): an append-only chain of entries linked by SHA-256.

Each entry's hash covers its canonical JSON (sorted keys, no spaces, UTC
timestamps with microseconds) and the previous entry's hash, so changing or
removing any entry breaks the chain from that point on. The single
:class:`AuditHead` row holds the last ``seq`` and hash: appenders lock it
(``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite every transaction is
``IMMEDIATE``, so the writer already holds the database's write lock), and
``verify`` compares it with the last entry, so cutting off the tail shows too.

A pass that records many entries in one transaction (an email taken in writes three or
four) wraps its work in :func:`deferred`: the entries are chained and written together
when the block ends, still inside the transaction (one lock of the head, one insert,
one update instead of three statements an entry). Nothing about the chain changes.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from atiende import db
from atiende.desk import rows
from atiende.privacy import audit_seal
from atiende.privacy.models import AuditEntry, AuditHead

GENESIS = "0" * 64


def _canonical_time(value: datetime) -> str:
    if timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _normalise(details: Any) -> Any:
    # What the database gives back is what JSON can hold: hash exactly that.
    return json.loads(json.dumps(details, default=str, ensure_ascii=False))


def entry_hash(
    *, seq: int, at: datetime, actor_id: int | None, actor_name: str, action: str,
    object_type: str, object_id: str, details: Any, prev_hash: str,
) -> str:
    body = {
        "seq": seq, "at": _canonical_time(at), "actor_id": actor_id, "actor_name": actor_name,
        "action": action, "object_type": object_type, "object_id": object_id,
        "details": details, "prev_hash": prev_hash,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _hash_of(entry: AuditEntry) -> str:
    return entry_hash(
        seq=entry.seq, at=entry.at, actor_id=entry.actor_id, actor_name=entry.actor_name,
        action=entry.action, object_type=entry.object_type, object_id=entry.object_id,
        details=entry.details, prev_hash=entry.prev_hash,
    )


def _head_sql() -> str:
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    return f"SELECT seq, hash, mac FROM {connection.ops.quote_name(AuditHead._meta.db_table)} WHERE id = 1{lock}"


def _locked_head() -> AuditHead:
    # The usual case: one locking read, hand-written (issue 25: the ORM built this query again for every
    # appending request, at several times the cost of running it).
    with connection.cursor() as cursor:
        cursor.execute(_head_sql())
        row = cursor.fetchone()
    if row is not None:
        return AuditHead(id=1, seq=row[0], hash=row[1], mac=row[2])
    heads = AuditHead.objects.select_for_update() if connection.features.has_select_for_update \
        else AuditHead.objects.all()
    head = heads.filter(pk=1).first()
    if head is None:
        # First entry ever: create the head (a concurrent creator makes this a conflict
        # that get_or_create resolves), then lock it like any other appender.
        AuditHead.objects.get_or_create(pk=1)
        head = heads.get(pk=1)
    return head


def describe_object(obj: Model | None) -> tuple[str, str]:
    if obj is None:
        return "", ""
    return obj._meta.label_lower, str(obj.pk)


def record(
    action: str,
    *,
    actor: Any = None,
    obj: Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Append one entry to the chain, inside the caller's transaction if there is one
    (inside :func:`deferred`, when that block ends)."""
    if obj is not None:
        object_type, object_id = describe_object(obj)
    # The database keeps microseconds; hash what it will give back.
    entry = AuditEntry(at=at or timezone.now(), actor_id=getattr(actor, "pk", None),
                       actor_name=getattr(actor, "username", "") or "", action=action, object_type=object_type,
                       object_id=str(object_id), details=_normalise(details or {}))
    stack = getattr(_deferred, "stack", None)
    if stack and connection.in_atomic_block:
        stack[-1].append(entry)
    else:
        _append([entry])
    return entry


_deferred = threading.local()


@contextmanager
def deferred() -> Iterator[None]:
    """Entries recorded inside are chained and written when the block ends (see the module docstring).

    Use it inside the transaction (or savepoint) whose changes the entries describe, never
    around it: ``with transaction.atomic(), audit.deferred():``. Blocks nest: an inner block
    that ends well hands its entries to the outer one; one that raises drops them, as its
    transaction drops what they describe. Outside any transaction, entries are written at once.
    """
    stack = getattr(_deferred, "stack", None)
    if stack is None:
        stack = _deferred.stack = []
    stack.append([])
    try:
        yield
    except BaseException:
        stack.pop()
        raise
    entries = stack.pop()
    if stack:
        stack[-1].extend(entries)
    elif entries:
        _append(entries)


def _append(entries: list[AuditEntry]) -> None:
    # No savepoint: a failure here must abort the caller's whole transaction anyway
    # (an event without its audit entry may not be committed).
    with transaction.atomic(savepoint=False):
        head = _locked_head()
        seq, prev = head.seq, head.hash
        for entry in entries:
            seq += 1
            entry.seq, entry.prev_hash = seq, prev
            entry.hash = prev = _hash_of(entry)
        if len(entries) == 1:
            # Hand-written INSERT, built once (issue 25); entries are only ever added. Nobody reads the new key:
            # inside db.sent_together it goes with the head's UPDATE and whatever follows, in one round trip.
            rows.insert(entries[0], read_key=False)
        else:
            rows.insert_many(entries)
        mac = audit_seal.seal(seq, prev)
        db.write(f"UPDATE {connection.ops.quote_name(AuditHead._meta.db_table)} "
                 "SET seq = %s, hash = %s, mac = %s WHERE id = 1", [seq, prev, mac])
        # Outside the database, once the entries are committed (a rolled-back append is no head).
        transaction.on_commit(lambda: audit_seal.write_anchor(seq, prev, mac))


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""


def _entries() -> Iterator[AuditEntry]:
    return AuditEntry.objects.order_by("seq").iterator(chunk_size=2000)


def verify() -> VerifyResult:
    """Walk the chain from the first entry; report the first seq that does not hold.

    Then check what the database alone cannot vouch for (audit_seal.py): the head's seal under the audit
    key, and the anchor written outside the database."""
    anchor = audit_seal.read_anchor()
    anchored_hash: str | None = None
    expected_prev = GENESIS
    expected_seq = 1
    checked = 0
    for entry in _entries():
        if anchor is not None and entry.seq == anchor.seq:
            anchored_hash = entry.hash
        if entry.seq != expected_seq:
            return VerifyResult(False, checked, expected_seq, f"entry {expected_seq} is missing")
        if entry.prev_hash != expected_prev:
            return VerifyResult(False, checked, entry.seq, "does not link to the previous entry")
        if _hash_of(entry) != entry.hash:
            return VerifyResult(False, checked, entry.seq, "its content does not match its hash")
        expected_prev = entry.hash
        expected_seq += 1
        checked += 1
    head = AuditHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if head_seq != checked or head_hash != expected_prev:
        if head_seq > checked:
            return VerifyResult(False, checked, checked + 1, f"entries {checked + 1}..{head_seq} are missing")
        return VerifyResult(False, checked, head_seq or 1, "the chain head does not match the last entry")
    if head is not None and head_seq and not audit_seal.seal_matches(head_seq, head_hash, head.mac):
        return VerifyResult(False, checked, head_seq, "the chain head's seal does not match: entries were "
                            "rewritten and their hashes recomputed (or the audit key changed)")
    if anchor is not None:
        if anchor.seq < 0:
            return VerifyResult(False, checked, 1, f"the anchor file {audit_seal.anchor_path()} is unreadable")
        if anchor.seq > checked:
            return VerifyResult(False, checked, checked + 1, f"entries {checked + 1}..{anchor.seq} are missing "
                                "(the anchor outside the database has seen them)")
        if anchor.seq and anchored_hash != anchor.hash:
            return VerifyResult(False, checked, anchor.seq, "differs from the anchor outside the database: "
                                "the chain was rewritten up to here")
    return VerifyResult(True, checked)
