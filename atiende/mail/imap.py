"""Reading the IMAP mailboxes of ``ATIENDE_IMAP_URL`` (imapclient), once or watching them.

A pass (:func:`fetch`) looks in each mailbox for the messages not yet marked as ours
(the keyword ``$Atiende``, or ``\\Seen`` where the server keeps no keywords), reads
them in batches without marking them read (``BODY.PEEK[]``, one FETCH a batch), stores
them (:func:`intake.receive_batch`, up to :data:`STORE_MESSAGES` in one transaction, each
keyed by UIDVALIDITY and UID, and by Message-ID) and only then marks the batch's stored
messages (one STORE). A crash
between storing and marking leaves the message unmarked: the next pass finds it
stored already and only marks it, so nothing is lost and nothing stored twice. With
``?move_to=FOLDER`` in the mailbox's URL a message, once stored and marked, is moved to
that folder (IMAP MOVE, else copy, delete and expunge those UIDs, a batch at a time); a crash before the
move leaves it marked where it was, never stored twice. A
message the database could not take (:class:`~atiende.mail.intake.TemporaryFailure`)
stays unmarked and that mailbox's pass stops, to try again next time.

:func:`watch` is the worker's: a pass, then IMAP IDLE where the server offers it (a new
message wakes it at once), else a wait of ``ATIENDE_IMAP_POLL_SECONDS``; it reconnects
after any error.
"""

from __future__ import annotations

import contextlib
import logging
import ssl
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from atiende.mail import config, intake
from atiende.mail.core.urls import ImapMailbox

log = logging.getLogger(__name__)

KEYWORD = "$Atiende"
TIMEOUT = 60.0


@dataclass
class Report:
    stored: int = 0
    duplicates: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)


def connect(box: ImapMailbox) -> IMAPClient:
    client = IMAPClient(box.host, port=box.port, ssl=box.ssl, timeout=TIMEOUT,
                        ssl_context=ssl.create_default_context() if box.ssl else None)
    client.login(box.username, box.password)
    return client


BATCH_MESSAGES = 50  # messages read with one FETCH, then marked with one STORE (and moved with one MOVE)
BATCH_BYTES = 20 * 1024 * 1024  # at most this much mail held in memory at once (a larger message comes alone)
# Messages stored in one transaction: the work done once per transaction (the commit, the audit chain's head and
# anchor) shared, while SQLite's single writer is held a fraction of a second (about 10 ms a message).
STORE_MESSAGES = 20


def fetch_mailbox(client: IMAPClient, box: ImapMailbox, report: Report) -> None:
    """One pass over an open connection's mailbox.

    The new messages are read in batches (one FETCH for up to :data:`BATCH_MESSAGES` of them,
    :data:`BATCH_BYTES` at most), stored :data:`STORE_MESSAGES` to a transaction (one message that cannot be
    stored never takes the others with it: :func:`intake.receive_batch`), and the batch's
    stored messages then marked with one STORE (and moved with one MOVE): a round trip to the server
    a batch, not three a message. A crash in a batch leaves its stored messages unmarked: the next
    pass finds them stored and only marks them."""
    selected = client.select_folder(box.folder)
    uidvalidity = int(selected.get(b"UIDVALIDITY", 0))
    keywords = b"\\*" in selected.get(b"PERMANENTFLAGS", ())
    mark = KEYWORD if keywords else "\\Seen"
    uids = client.search(["NOT", "KEYWORD", KEYWORD] if keywords else ["UNSEEN"])
    if not uids:
        return
    sizes = {uid: int(data.get(b"RFC822.SIZE", 0)) for uid, data in client.fetch(uids, ["RFC822.SIZE"]).items()}
    for batch in _batches([uid for uid in uids if uid in sizes], sizes):
        fetched = client.fetch(batch, ["BODY.PEEK[]"])
        found = [(uid, fetched.get(uid, {}).get(b"BODY[]")) for uid in batch]
        found = [(uid, raw) for uid, raw in found if raw is not None]  # (else expunged meanwhile)
        done: list[int] = []
        try:
            for start in range(0, len(found), STORE_MESSAGES):
                part = found[start:start + STORE_MESSAGES]
                try:
                    stored = intake.receive_batch([intake.Incoming(bytes(raw), box.key, uidvalidity, int(uid))
                                                   for uid, raw in part])
                except intake.TemporaryFailure as exc:
                    _took(report, done, part, exc.received)  # those stored alone before it
                    raise
                _took(report, done, part, stored)
        except intake.TemporaryFailure as exc:
            report.errors.append(f"{box.key}: {exc}")
            return  # the messages stored before it are marked (finally); the rest wait for the next pass
        finally:
            if done:
                _mark(client, done, mark, box.move_to)


def _batches(uids: list[int], sizes: dict[int, int]) -> list[list[int]]:
    batches: list[list[int]] = []
    current: list[int] = []
    held = 0
    for uid in uids:
        if current and (len(current) >= BATCH_MESSAGES or held + sizes[uid] > BATCH_BYTES):
            batches.append(current)
            current, held = [], 0
        current.append(uid)
        held += sizes[uid]
    if current:
        batches.append(current)
    return batches


def _took(report: Report, done: list[int], part: list[tuple[int, Any]], stored: list[intake.Received]) -> None:
    for (uid, _raw), received in zip(part, stored, strict=False):  # stored: the first of part, in order
        done.append(uid)
        _count(report, received)


def _count(report: Report, received: intake.Received) -> None:
    if received.duplicate:
        report.duplicates += 1
    elif received.mail.status == received.mail.Status.FAILED:
        report.failed += 1
    else:
        report.stored += 1
        if received.work_order_number is not None:
            report.numbers.append(received.work_order_number)


def _mark(client: IMAPClient, uids: list[int], mark: str, move_to: str) -> None:
    client.add_flags(uids, [mark], silent=True)
    if move_to:
        _move(client, uids, move_to)


def _move(client: IMAPClient, uids: list[int], folder: str) -> None:
    if not client.folder_exists(folder):
        with contextlib.suppress(IMAPClientError):  # another process may have created it meanwhile
            client.create_folder(folder)
    capabilities = client.capabilities()
    if b"MOVE" in capabilities:
        client.move(uids, folder)
        return
    client.copy(uids, folder)
    client.delete_messages(uids, silent=True)
    if b"UIDPLUS" in capabilities:
        client.uid_expunge(uids)
    else:
        client.expunge()


def _logout(client: IMAPClient | None) -> None:
    if client is None:
        return
    with contextlib.suppress(IMAPClientError, OSError):
        client.logout()


def fetch(boxes: list[ImapMailbox] | None = None) -> Report:
    """One pass over every mailbox; a mailbox that cannot be read is reported and the others go on."""
    report = Report()
    for box in config.mailboxes() if boxes is None else boxes:
        client = None
        try:
            client = connect(box)
            fetch_mailbox(client, box, report)
        except (IMAPClientError, OSError) as exc:
            report.errors.append(f"{box.key}: {exc.__class__.__name__}: {exc}")
            log.warning("could not read the mailbox %s: %s", box.key, exc)
        finally:
            _logout(client)
    return report


def watch(box: ImapMailbox, stop: threading.Event, *, poll_seconds: float) -> None:
    """Fetch from one mailbox until ``stop``: IDLE where offered, else polling; reconnect after errors."""
    from django.db import close_old_connections

    while not stop.is_set():
        client = None
        try:
            client = connect(box)
            idle = b"IDLE" in client.capabilities()
            while not stop.is_set():
                report = Report()
                fetch_mailbox(client, box, report)
                close_old_connections()
                if idle:
                    client.idle()
                    deadline = time.monotonic() + poll_seconds
                    while not stop.is_set() and time.monotonic() < deadline:
                        if client.idle_check(timeout=1):
                            break
                    client.idle_done()
                else:
                    stop.wait(poll_seconds)
        except Exception:  # keep watching: the server may come back
            log.exception("watching the mailbox %s failed; trying again", box.key)
            stop.wait(min(poll_seconds, 30.0))
        finally:
            _logout(client)
