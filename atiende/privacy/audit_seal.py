"""What keeps the audit chain honest against someone who can write to the database (issue 22, item 2).

The SHA-256 chain (``audit.py``) shows any change made by someone who cannot recompute it; but whoever can
write to the database can also recompute every hash after the entry they changed, or delete the newest
entries and move the chain head back. Two things kept outside the database stop that:

- **The seal**: the chain head carries ``mac`` = HMAC-SHA256 of its ``seq`` and ``hash`` under the audit
  key, which is never in the database: ``ATIENDE_AUDIT_KEY`` (setting or environment; at least 32
  characters), else the file ``$ATIENDE_HOME/audit.key`` created on first use with mode 0600 (refused if
  others can read it). A chain rewritten with recomputed hashes has a head whose seal does not match.
- **The anchor**: after every commit that appends, the sealed head (seq, hash, mac) is written to a file
  outside the database, ``ATIENDE_AUDIT_ANCHOR`` (default ``$ATIENDE_HOME/audit.anchor``; ``-`` turns it
  off), and it only ever moves forward. Deleting the newest entries and putting back an older head (with
  the seal it had then) leaves the chain shorter than the anchor, which ``verify`` reports.

What this does not protect: someone who holds the key too (the server's account, an administrator of
the machine) can forge everything; entries appended on another machine are anchored in that machine's file
only; an anchor lost or deleted together with the database rows is not noticed. docs/security.md says so.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from atiende.privacy import keyfile

KEY_FILE_NAME = "audit.key"
ANCHOR_FILE_NAME = "audit.anchor"
MIN_KEY_CHARS = 32


class AuditKeyError(RuntimeError):
    """The audit key cannot be used (too short, or its file readable by others)."""


_cache: dict[str, bytes] = {}


def _key_from_file(path: Path) -> bytes:
    try:
        text = keyfile.read_private(path, make=lambda: base64.b64encode(secrets.token_bytes(32)).decode("ascii"),
                                    what="audit key")
    except keyfile.KeyFileError as error:
        raise AuditKeyError(str(error)) from None
    assert text is not None  # made when missing
    return text.strip().encode("ascii")


def audit_key() -> bytes:
    """The key of the seal: ``ATIENDE_AUDIT_KEY``, else ``$ATIENDE_HOME/audit.key`` (created on first use)."""
    configured = getattr(settings, "ATIENDE_AUDIT_KEY", "")
    where = f"setting:{configured}" if configured else f"file:{Path(settings.HOME) / KEY_FILE_NAME}"
    key = _cache.get(where)
    if key is None:
        if configured:
            if len(configured) < MIN_KEY_CHARS:
                raise AuditKeyError(f"ATIENDE_AUDIT_KEY must have at least {MIN_KEY_CHARS} characters "
                                    "(for example: python -c 'import secrets; print(secrets.token_urlsafe(32))')")
            key = configured.encode("utf-8")
        else:
            key = _key_from_file(Path(settings.HOME) / KEY_FILE_NAME)
        _cache[where] = key
    return key


def seal(seq: int, chain_hash: str) -> str:
    """HMAC-SHA256 of the chain head under the audit key."""
    return hmac.new(audit_key(), f"{seq}:{chain_hash}".encode("ascii"), hashlib.sha256).hexdigest()


def seal_matches(seq: int, chain_hash: str, mac: str) -> bool:
    return hmac.compare_digest(seal(seq, chain_hash), mac or "")


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    mac: str


def anchor_path() -> Path | None:
    configured = getattr(settings, "ATIENDE_AUDIT_ANCHOR", None)
    if configured == "-":
        return None
    return Path(configured) if configured else Path(settings.HOME) / ANCHOR_FILE_NAME


def read_anchor() -> Anchor | None:
    path = anchor_path()
    if path is None or not path.exists():
        return None
    try:
        data = json.loads(path.read_text("utf-8"))
        return Anchor(int(data["seq"]), str(data["hash"]), str(data["mac"]))
    except (ValueError, KeyError, TypeError):
        return Anchor(-1, "", "")  # unreadable: verify reports it


ANCHOR_WIDTH = 512  # bytes: the record is rewritten in place, padded, so the file never changes size


def write_anchor(seq: int, chain_hash: str, mac: str) -> None:
    """Move the anchor forward to this head (never back: a slower process's older head is ignored).

    Every append after a commit writes here, so it is kept cheap (issue 25): the record is written over the
    old one at the same place, padded to a fixed width (no truncation), and is in the file, for every reader,
    when this returns. Its trip to the disk (``fdatasync``, tens of milliseconds on a busy disk) is left to a
    background thread that syncs once for all the heads written meanwhile, at most every :data:`SYNC_PAUSE`
    (:class:`_Syncer`): only a power cut in those milliseconds can leave the file a few heads behind, which
    ``verify`` never reports as tampering (an anchor behind the chain is what an anchor is after any crash)."""
    path = anchor_path()
    if path is None:
        return
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with contextlib.suppress(ValueError, KeyError, TypeError, UnicodeDecodeError):
            current = json.loads(os.pread(fd, ANCHOR_WIDTH * 2, 0).decode("utf-8") or "{}")
            if int(current.get("seq", -1)) >= seq:
                return
        record = json.dumps({"seq": seq, "hash": chain_hash, "mac": mac}).encode("utf-8")
        record = record.ljust(max(ANCHOR_WIDTH - 1, len(record)), b" ") + b"\n"
        os.pwrite(fd, record, 0)
        if os.fstat(fd).st_size > len(record):
            os.ftruncate(fd, len(record))  # an anchor of another format, or a longer record, from before
    finally:
        os.close(fd)  # and with it the lock
    _syncer.sync(path)


# After a sync the thread waits this long before the next one, so that every head written meanwhile goes with it: a
# sync costs the process about a quarter of a millisecond of CPU (the kernel's journal work is counted to it), and
# with one after nearly every work order opened it was a tenth of a creation's CPU (issue 25). At most 20 syncs a
# second; a power cut can leave the anchor up to this much behind (never ahead, which is what matters: behind is
# what any crash leaves, and ``verify`` does not report it).
SYNC_PAUSE = 0.05  # seconds


class _Syncer:
    """One daemon thread per process that puts the anchor files written on disk, once per burst of writes (at most
    once every :data:`SYNC_PAUSE`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wanted: set[Path] = set()
        self._woken = threading.Event()
        self._thread: threading.Thread | None = None

    def sync(self, path: Path) -> None:
        with self._lock:
            self._wanted.add(path)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="audit-anchor-sync", daemon=True)
                self._thread.start()
        self._woken.set()

    def _run(self) -> None:
        while True:
            self._woken.wait()
            self._woken.clear()
            with self._lock:
                paths, self._wanted = self._wanted, set()
            for path in paths:
                with contextlib.suppress(OSError):
                    fd = os.open(path, os.O_RDONLY)
                    try:
                        os.fdatasync(fd)
                    finally:
                        os.close(fd)
            time.sleep(SYNC_PAUSE)  # the heads written meanwhile wait for the next sync, all together


_syncer = _Syncer()
