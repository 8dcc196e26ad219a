"""Email in: one message, from an MTA pipe or an IMAP mailbox, into a work order's conversation.

:func:`receive` is the one way in (``atiende mail ingest``, ``atiende mail fetch``, the
worker). Its promises:

- **Stored once.** A message is known by its Message-ID (else the SHA-256 of its bytes)
  and, from IMAP, by its mailbox's UIDVALIDITY and UID; a second delivery of either is a
  duplicate and writes nothing. The unique keys decide when two deliveries race.
- **Nothing lost.** The bytes are written to storage first. The message, its work order
  and its :class:`InboundMail` row are then written in one transaction; if anything in
  it fails for a reason the database did not cause (a message nobody could answer, a
  bug), a row marked ``failed`` with the reason is written instead, still with the raw
  bytes: ``atiende mail failed`` lists it, ``--retry ID`` tries again. If the database
  itself cannot be written, :class:`TemporaryFailure`: nothing was stored, the MTA
  (exit 75) or the next IMAP pass delivers it again.
- **Threading.** In-Reply-To and References first (our outgoing Message-IDs and every
  stored message's), then the ``[#NUMBER]`` tag of the subject (only from an address
  the work order knows: a tag is easy to type), else a new work order for the customer
  found or created by address (``atiende/desk/intake.py``).
- **Loops (RFC 3834).** Automatic mail (auto-replies, lists, bounces: ``core/loops.py``)
  is stored but never answered automatically; a bounce becomes an internal note on the
  work order whose mail bounced; mail from our own addresses is ignored (kept raw).
  More than ``ATIENDE_MAIL_RATE_LIMIT`` messages an hour from one address are set aside
  as ``rate_limited`` (a robot nobody told to stop), and at most three acknowledgements
  an hour go to one address.
- **Files** pass the same checks as any upload (``atiende/privacy/uploads.py``); a file
  refused is named in the message's text and in :attr:`InboundMail.refused_files`.
- **Credentials** in the text are taken to the vault by the desk's ``post_message`` (ET-3).
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import (
    DatabaseError,
    IntegrityError,
    InterfaceError,
    InternalError,
    OperationalError,
    ProgrammingError,
    connection,
    transaction,
)
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from atiende import db
from atiende.desk import bulk, rows
from atiende.desk.attachments import clean_filename, per_work_order_limit, store_new
from atiende.desk.intake import customer_for_email, customers_for_emails, open_written_request
from atiende.desk.messages import is_valid_email, post_message
from atiende.desk.models import Attachment, Channel, ContactPoint, Customer, Message, WorkOrder
from atiende.desk.services.history import record_event
from atiende.errors import InputError
from atiende.mail import config, notices, outbox
from atiende.mail.core import loops
from atiende.mail.core.parse import ParsedMail, UnreadableMail, parse, peek
from atiende.mail.core.threads import tagged_numbers, untagged
from atiende.mail.models import InboundMail, OutboundMail
from atiende.privacy import audit
from atiende.privacy.uploads import check_upload

log = logging.getLogger(__name__)

# receive_batch writes the messages it can as one set (desk.bulk, _Set); False: each one by one (tests of that path).
WRITE_SETS = True


class TemporaryFailure(Exception):
    """The message could not be stored now (database or disk): deliver it again later (EX_TEMPFAIL).

    From :func:`receive_batch`, ``received`` holds what was stored before it (in the batch's order).
    """

    def __init__(self, *args: object, received: list[Received] | None = None) -> None:
        super().__init__(*args)
        self.received: list[Received] = received or []


@dataclass(frozen=True)
class Incoming:
    """One message as a mailbox hands it over, for :func:`receive_batch`."""

    raw: bytes
    source: str = "pipe"
    uidvalidity: int | None = None
    uid: int | None = None


@dataclass
class Received:
    mail: InboundMail
    duplicate: bool = False

    @property
    def work_order_number(self) -> int | None:
        work_order = self.mail.work_order
        return work_order.number if work_order is not None else None


def receive(raw: bytes, *, source: str = "pipe", uidvalidity: int | None = None,
            uid: int | None = None) -> Received:
    """Store one message as received (see the module docstring). Raises :class:`TemporaryFailure`."""
    try:
        return _receive(raw, source=source[:220], uidvalidity=uidvalidity, uid=uid)
    except (DatabaseError, OSError) as exc:
        raise TemporaryFailure(str(exc) or exc.__class__.__name__) from exc


def receive_batch(items: Sequence[Incoming]) -> list[Received]:
    """Store several messages in one transaction, as :func:`receive` stores each (``atiende mail fetch``).

    Each message keeps every promise of :func:`receive`; what the batch saves is the work done once per
    transaction: one commit (and one move of the audit chain's anchor, written to disk) where each message
    took its own, the audit entries of all its messages chained and written together, and the derived rows
    (search entries, SLA clocks: :func:`atiende.db.coalesced`) written at its end, the clocks of all its work
    orders together (``sla.services.refresh_many``), and the reads each message made are made once for all
    (:class:`_Batch`: which are stored already, each sender's mail of the last hour, the work orders their
    Message-IDs thread to, the senders' customers), kept up to date as each is stored. Inside it each message is
    stored in a savepoint of its own: a message that cannot be stored (a duplicate, one kept as failed) never
    takes the others with it. If the batch cannot commit as a whole, it is rolled back and each message is
    stored alone, in its own transaction, as :func:`receive` does: a :class:`TemporaryFailure` then carries
    the messages stored before it, so the caller marks those and leaves the rest for the next pass. Nothing
    is committed before the batch is, so a crash loses nothing and, on the next pass, stores nothing twice
    (UIDVALIDITY+UID and Message-ID).
    """
    written: list[str] = []
    pending: _Set | None = None
    try:
        reads = [_read(item.raw) for item in items]  # parsed once each, before the transaction takes the writer
        with transaction.atomic(), audit.deferred(), db.coalesced():
            batch = _Batch.read(items, reads)
            pending = _Set(batch, written) if WRITE_SETS else None
            received: list[Received] = []
            for item, read in zip(items, reads, strict=True):
                if pending is not None:
                    if pending.add(item, read):
                        continue
                    received.extend(pending.write())  # what waits is written first: this one may read it
                received.append(_receive(item.raw, source=item.source[:220], uidvalidity=item.uidvalidity,
                                         uid=item.uid, written=written, read=read, batch=batch))
                batch.note(received[-1])
                batch.changed(received[-1])
            if pending is not None:
                received.extend(pending.write())
        return received
    except Exception as exc:
        storage = InboundMail._meta.get_field("raw").storage  # type: ignore[attr-defined]
        for name in written:  # rolled back: the bytes go too (each is written again when stored alone)
            storage.delete(name)
        if pending is not None:
            pending.discard()
        log.warning("a batch of %s messages could not be stored together (%s: %s); storing each alone",
                    len(items), exc.__class__.__name__, exc)
    received = []
    for item in items:
        try:
            received.append(receive(item.raw, source=item.source, uidvalidity=item.uidvalidity, uid=item.uid))
        except TemporaryFailure as exc:
            raise TemporaryFailure(*exc.args, received=received) from exc
    return received


def retry(mail_id: int) -> Received:
    """Try a failed message again (its bytes as kept), without the per-sender rate limit."""
    row = InboundMail.objects.filter(pk=mail_id).first()
    if row is None:
        raise InputError("not_found", _("No received email has id %(id)s.") % {"id": mail_id}, status=404)
    if row.status != InboundMail.Status.FAILED:
        raise InputError("not_failed", _("Email %(id)s is not a failed one (it is %(status)s).")
                         % {"id": mail_id, "status": row.get_status_display()}, status=409)
    with row.raw.open("rb") as handle:
        raw = handle.read()
    try:
        return _process(row, raw, rate_limit=False)
    except (DatabaseError, OSError) as exc:
        raise TemporaryFailure(str(exc) or exc.__class__.__name__) from exc


def _dedup_key(raw: bytes, parsed: ParsedMail | None) -> str:
    if parsed is not None and parsed.message_id:
        return parsed.message_id[:255]
    return "sha256:" + hashlib.sha256(raw).hexdigest()


class _Batch:
    """What :func:`receive_batch` reads once for all its messages, inside its transaction, and keeps up to date as
    each is stored (:meth:`note`): which of them are stored already (UIDVALIDITY+UID, Message-ID), how many
    messages each sender sent in the last hour (the rate limit), which work orders their Message-IDs thread to,
    which customer each sender is (``desk.intake.customers_for_emails``). Four to six statements a batch where
    each message took three to six. A message the batch itself stored is looked
    for again in the database (the same mail twice in one FETCH), and the unique keys still decide a race with
    another process, as they do for :func:`receive`."""

    def __init__(self) -> None:
        self.known_uids: dict[tuple[str, int | None, int], InboundMail] = {}
        self.known_keys: dict[str, InboundMail] = {}
        self.stored_uids: set[tuple[str, int | None, int]] = set()
        self.stored_keys: set[str] = set()
        self.recent: dict[str, int] = {}
        self.threads: dict[str, int] = {}  # a Message-ID of the desk's messages -> its work order
        self.outgoing: dict[str, int] = {}  # a Message-ID of our outgoing mail -> its work order
        self.customers: dict[str, Customer | None] = {}  # a sender's address -> its customer (None: none yet)
        self.opened_for: tuple[str, Customer] | None = None  # the message being stored opened one for a new customer
        self.work_orders: dict[int, WorkOrder] = {}  # the work orders the batch's replies answer, read once, locked

    @classmethod
    def read(cls, items: Sequence[Incoming], reads: Sequence[tuple[ParsedMail | None, Any]]) -> _Batch:
        """The batch's reads, hand-written (building the ORM's queries cost more than running them): four or five
        statements."""
        batch = cls()
        uids = {(item.source[:220], item.uidvalidity, item.uid) for item in items if item.uid is not None}
        keys = sorted({_dedup_key(item.raw, parsed) for item, (parsed, _failure) in zip(items, reads, strict=True)})
        mail, table = rows.shape(InboundMail, "i"), rows.table(InboundMail)
        by_uid = (f" OR (i.source IN ({rows.placeholders(sources := sorted({u[0] for u in uids}))}) AND i.uid IN "
                  f"({rows.placeholders(numbers := sorted({u[2] for u in uids}))}))") if uids else ""
        if not keys:
            return batch
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {mail.columns} FROM {table} i WHERE i.dedup_key IN ({rows.placeholders(keys)})"
                           + by_uid, [*keys, *(sources + numbers if uids else [])])  # type: ignore[operator]
            for row in [mail.build(fetched, 0) for fetched in cursor.fetchall()]:
                if (key := (row.source, row.uidvalidity, row.uid)) in uids:  # type: ignore[union-attr]
                    batch.known_uids[key] = row  # type: ignore[index,assignment]
                if row.dedup_key in keys:  # type: ignore[union-attr]
                    batch.known_keys[row.dedup_key] = row  # type: ignore[union-attr,assignment]
            senders = sorted({parsed.sender.email.lower() for parsed, _failure in reads if parsed is not None})
            if senders:
                since = connection.ops.adapt_datetimefield_value(timezone.now() - timedelta(hours=1))
                cursor.execute(f"SELECT i.sender, COUNT(*) FROM {table} i WHERE i.sender IN "
                               f"({rows.placeholders(senders)}) AND i.received_at >= %s GROUP BY i.sender",
                               [*senders, since])
                batch.recent = dict(cursor.fetchall())
            batch.customers = customers_for_emails(senders)
            ids = {found for parsed, _failure in reads if parsed is not None for found in parsed.thread_ids}
            own = {parsed.message_id for parsed, _failure in reads if parsed is not None and parsed.message_id}
            if ids or own:
                # The desk's messages these Message-IDs name: the ones they thread to, and their own (a message
                # the desk holds already, come another way, is not written again).
                named = sorted(ids | own)
                cursor.execute(f"SELECT m.message_id, m.work_order_id FROM {rows.table(Message)} m "
                               f"WHERE m.message_id IN ({rows.placeholders(named)})", named)
                batch.threads = {found: work_order_id for found, work_order_id in cursor.fetchall() if found}
            if ids:
                named = sorted(ids)
                cursor.execute(f"SELECT o.message_id, o.work_order_id FROM {rows.table(OutboundMail)} o "
                               f"WHERE o.message_id IN ({rows.placeholders(named)}) AND o.work_order_id IS NOT NULL",
                               named)
                batch.outgoing = dict(cursor.fetchall())
            answered = sorted({batch.thread(parsed.thread_ids) for parsed, _failure in reads
                               if parsed is not None and parsed.thread_ids} - {None})  # type: ignore[type-var]
            if answered:
                # Locked as post_message locks the one it writes to (PostgreSQL; SQLite's writer is the batch's).
                order, customer = rows.shape(WorkOrder, "w"), rows.shape(Customer, "c")
                lock = " FOR UPDATE OF w" if connection.features.has_select_for_update_of else ""
                cursor.execute(f"SELECT {order.columns}, {customer.columns} FROM {rows.table(WorkOrder)} w "
                               f"JOIN {rows.table(Customer)} c ON c.id = w.customer_id "
                               f"WHERE w.id IN ({rows.placeholders(answered)}){lock}", answered)
                field = WorkOrder._meta.get_field("customer")
                for fetched in cursor.fetchall():
                    work_order = order.build(fetched, 0)
                    field.set_cached_value(work_order, customer.build(fetched, order.width))  # type: ignore[union-attr]
                    batch.work_orders[work_order.pk] = work_order  # type: ignore[union-attr,assignment]
        return batch

    def stored_uid(self, source: str, uidvalidity: int | None, uid: int) -> InboundMail | None:
        key = (source, uidvalidity, uid)
        if key in self.stored_uids:
            return InboundMail.objects.filter(source=source, uidvalidity=uidvalidity, uid=uid).first()
        return self.known_uids.get(key)

    def stored_key(self, key: str) -> InboundMail | None:
        if key in self.stored_keys:
            return InboundMail.objects.filter(dedup_key=key).first()
        return self.known_keys.get(key)

    def recent_from(self, sender: str) -> int:
        return self.recent.get(sender, 0)

    def thread(self, ids: Sequence[str]) -> int | None:
        """The work order of the nearest of these Message-IDs: the desk's messages first, then our outgoing mail."""
        for known in (self.threads, self.outgoing):
            for found in ids:
                if found in known:
                    return known[found]
        return None

    def changed(self, received: Received) -> None:
        """A message stored one by one may have changed its work order (reopened it, added files): the set's
        copy is dropped, and a later reply to it is stored one by one too."""
        self.work_orders.pop(received.mail.work_order_id or 0, None)  # type: ignore[attr-defined]

    def note(self, received: Received) -> None:
        """A message of the batch taken in: what later ones must find."""
        row = received.mail
        opened_for, self.opened_for = self.opened_for, None
        if received.duplicate or row.pk is None:
            return
        if opened_for is not None and row.status == InboundMail.Status.STORED and row.work_order is not None:
            self.customers[opened_for[0]] = opened_for[1]  # the customer it created: the sender's next mail finds it
        if row.uid is not None:
            self.stored_uids.add((row.source, row.uidvalidity, row.uid))
        self.stored_keys.add(row.dedup_key)
        self.recent[row.sender] = self.recent.get(row.sender, 0) + 1
        if row.message is not None and row.message.message_id:
            self.threads.setdefault(row.message.message_id, row.message.work_order_id)


class _Set:
    """The messages of a batch that :mod:`atiende.desk.bulk` writes as one set: a person's mail (parsed, not
    automatic, not from our address, within the rate limit) that is no duplicate (UIDVALIDITY+UID, Message-ID,
    in the database or earlier in the batch), and either answers an open work order its Message-IDs thread to
    or opens a new one for a sender whose customer the batch knows (or records). Anything else (a failure, a
    duplicate, a bounce, a ``[#123]`` tag to check, a credential, a closed work order, a refused file) is stored
    one by one by :func:`_receive` after what the set holds is written (:meth:`write`), so it reads what came
    before it. The set's rows are the ones :func:`_receive` would write, with the same acknowledgements."""

    def __init__(self, batch: _Batch, written: list[str]) -> None:
        self.batch, self.written = batch, written
        self.items: list[tuple[InboundMail, ParsedMail, bulk.Written, bool]] = []
        self.prepared: list[bulk.Written] = []  # every message the set took, for discard() if the batch fails
        self._clear()

    def _clear(self) -> None:
        self.items = []
        self.keys: set[str] = set()
        self.uids: set[tuple[str, int | None, int]] = set()
        self.threads: dict[str, WorkOrder] = {}  # a Message-ID of the set -> its work order (maybe not written yet)
        self.customers: dict[str, Customer] = {}  # a sender -> the customer the set records
        self.recent: dict[str, int] = {}

    def _work_order(self, ids: Sequence[str]) -> tuple[WorkOrder | None | bool, bool]:
        """The work order these Message-IDs thread to (as :meth:`_Batch.thread` finds it, counting the set's
        messages as stored), None for none, False when it is not one the set may write to; and whether they name
        a message of it (then it holds one before this), not only our outgoing mail."""
        batch = self.batch
        work_order_id = None
        for found in ids:
            if found in self.threads:
                return self.threads[found], True
            if found in batch.threads:
                work_order_id = batch.threads[found]
                break
        else:
            work_order_id = next((batch.outgoing[found] for found in ids if found in batch.outgoing), None)
            if work_order_id is None:
                return None, False
            return batch.work_orders.get(work_order_id, False), False
        return batch.work_orders.get(work_order_id, False), True

    def add(self, item: Incoming, read: tuple[ParsedMail | None, Any]) -> bool:
        """Take this message into the set (True), or leave it to the one-by-one path (False)."""
        parsed, failure = read
        if failure is not None or parsed is None:
            return False
        batch, source = self.batch, item.source[:220]
        uid = (source, item.uidvalidity, item.uid) if item.uid is not None else None
        if uid is not None and (uid in batch.known_uids or uid in batch.stored_uids or uid in self.uids):
            return False
        key = _dedup_key(item.raw, parsed)
        if key in batch.known_keys or key in batch.stored_keys or key in self.keys:
            return False
        if parsed.message_id and (parsed.message_id in batch.threads or parsed.message_id in self.threads):
            return False
        sender = parsed.sender.email.lower()
        if parsed.automatic or sender in config.own_addresses():
            return False
        limits = config.limits()
        recent = batch.recent_from(sender) + self.recent.get(sender, 0)
        if recent >= limits.per_sender_per_hour:
            return False
        work_order, answers_message = self._work_order(parsed.thread_ids) if parsed.thread_ids else (None, False)
        if work_order is False or (work_order is None and tagged_numbers(parsed.subject)):
            return False
        language = parsed.language if parsed.language in ("es", "en") else ""
        new_customer, title = False, ""
        if work_order is None:
            if sender in self.customers:
                customer = self.customers[sender]
            elif sender not in batch.customers:
                return False
            else:
                known = batch.customers[sender]
                new_customer = known is None
                customer = known or bulk.new_customer(email=sender, name=parsed.sender.name, language=language)
            with translation.override(customer.preferred_language or settings.LANGUAGE_CODE):
                title = untagged(parsed.subject) or _("(no subject)")
        else:
            assert isinstance(work_order, WorkOrder)
            customer = work_order.customer
        try:
            prepared = bulk.prepare(
                customer=customer, new=new_customer, email=sender, name=parsed.sender.name, work_order=work_order,
                title=title, body=parsed.shown, html=parsed.html,
                original=parsed.text if parsed.text.strip() != parsed.shown.strip() else "",
                message_id=parsed.message_id or None, in_reply_to=(parsed.in_reply_to or [""])[0][:998],
                attachments=[(part.filename, part.data) for part in parsed.files], at=timezone.now(),
                answers_message=answers_message)
        except bulk.NotForBulk as exc:
            log.debug("email %s stored one by one: %s", key, exc.code)
            return False
        self.prepared.append(prepared)
        row = InboundMail(source=source, uidvalidity=item.uidvalidity, uid=item.uid, dedup_key=key,
                          size=len(item.raw), sender=sender, subject=parsed.subject, automatic="",
                          status=InboundMail.Status.STORED, reason="", detail="", refused_files=[], attempts=1)
        store_new(row.raw, "message.eml", item.raw)
        self.written.append(row.raw.name or "")
        self.items.append((row, parsed, prepared, work_order is None and recent < limits.acknowledgements_per_hour))
        self.keys.add(key)
        if uid is not None:
            self.uids.add(uid)  # type: ignore[arg-type]
        if parsed.message_id:
            self.threads[parsed.message_id] = prepared.work_order
        if new_customer:
            self.customers[sender] = customer
        self.recent[sender] = self.recent.get(sender, 0) + 1
        return True

    def write(self) -> list[Received]:
        """Write what the set holds (in the batch's transaction) and tell the batch, as each stored message does."""
        if not self.items:
            return []
        items = self.items
        bulk.write([prepared for _row, _parsed, prepared, _ack in items], now=timezone.now())
        for row, _parsed, prepared, _ack in items:
            row.work_order, row.message = prepared.work_order, prepared.message
        rows.insert_many([row for row, _parsed, _prepared, _ack in items])
        acknowledgements = []
        for row, parsed, _prepared, ack in items:
            found = notices.acknowledgement(row, parsed) if ack else None
            outgoing = outbox.outgoing(**found) if found is not None else None
            if outgoing is not None:
                acknowledgements.append(outgoing)
        outbox.enqueue_new(acknowledgements)
        received = []
        for row, _parsed, prepared, _ack in items:
            received.append(Received(row))
            if prepared.new_customer:
                self.batch.opened_for = (row.sender, prepared.customer)
            self.batch.note(received[-1])
        self._clear()
        return received

    def discard(self) -> None:
        """The batch was rolled back: the files the set stored go (the raw bytes are in ``written``)."""
        bulk.discard(self.prepared)


def _receive(raw: bytes, *, source: str, uidvalidity: int | None, uid: int | None,
             written: list[str] | None = None, read: tuple[ParsedMail | None, Any] | None = None,
             batch: _Batch | None = None) -> Received:
    if uid is not None:
        known = (batch.stored_uid(source, uidvalidity, uid) if batch is not None else
                 InboundMail.objects.filter(source=source, uidvalidity=uidvalidity, uid=uid).first())
        if known is not None:
            return Received(known, duplicate=True)
    parsed, failure = read if read is not None else _read(raw)
    key = _dedup_key(raw, parsed)
    known = batch.stored_key(key) if batch is not None else InboundMail.objects.filter(dedup_key=key).first()
    if known is not None:
        return Received(known, duplicate=True)
    sender, subject = (parsed.sender.email, parsed.subject) if parsed else peek(raw)
    row = InboundMail(source=source, uidvalidity=uidvalidity, uid=uid, dedup_key=key, size=len(raw),
                      sender=sender.lower(), subject=subject, automatic=parsed.automatic if parsed else "")
    store_new(row.raw, "message.eml", raw)
    if written is not None:
        written.append(row.raw.name or "")
    try:
        return _process(row, raw, parsed=parsed, failure=failure, batch=batch)
    except IntegrityError:
        # Another process stored the same message (Message-ID or UID) a moment ago.
        row.raw.storage.delete(row.raw.name or "")
        known = (InboundMail.objects.filter(dedup_key=key).first()
                 or InboundMail.objects.filter(source=source, uidvalidity=uidvalidity, uid=uid).first())
        if known is None:
            raise
        return Received(known, duplicate=True)
    except BaseException:  # nothing was committed: the bytes go too (the sender delivers them again)
        row.raw.storage.delete(row.raw.name or "")
        raise


def _read(raw: bytes) -> tuple[ParsedMail | None, tuple[str, str] | None]:
    limit = config.limits().max_bytes
    if len(raw) > limit:
        return None, ("too_large", _("The message is %(size)s bytes; ATIENDE_MAIL_MAX_BYTES allows %(limit)s.")
                      % {"size": len(raw), "limit": limit})
    try:
        parsed = parse(raw)
    except UnreadableMail as exc:
        return None, (exc.code, exc.detail)
    if not is_valid_email(parsed.sender.email):  # e.g. a non-ASCII local part: no reply could reach it
        return parsed, ("invalid_sender", _("The sender's address %(address)s is not one mail can be sent to.")
                        % {"address": parsed.sender.email[:254]})
    return parsed, None


def _process(row: InboundMail, raw: bytes, *, parsed: ParsedMail | None = None,
             failure: tuple[str, str] | None = None, rate_limit: bool = True,
             batch: _Batch | None = None) -> Received:
    retrying = row.pk is not None
    if retrying:
        parsed, failure = _read(raw)
    if failure is None and parsed is not None:
        try:
            # Its three or four audit entries written at once; its search entries and SLA clocks once each, at the
            # end, in this transaction (atiende.db.coalesced).
            with transaction.atomic(), audit.deferred(), db.coalesced():
                outcome = _deliver(row, parsed, rate_limit=rate_limit, batch=batch)
                row.attempts = row.attempts + 1 if retrying else 1
                row.save()
                if outcome is not None:
                    outcome()
            return Received(row)
        except IntegrityError as exc:
            if not retrying and _stored_meanwhile(row):
                raise  # the same message, stored by another process: a duplicate (see _receive)
            failure = ("unexpected", f"{exc.__class__.__name__}: {exc}")
            log.exception("email %s could not be stored", row.dedup_key)
        except (OperationalError, InterfaceError, ProgrammingError, InternalError, OSError):
            raise  # the database or the disk, not the message: TemporaryFailure, delivered again later
        except Exception as exc:  # anything else about this message: kept as failed with the reason, never lost
            failure = _failure(exc)
            if isinstance(exc, InputError):
                log.warning("email %s from %s failed: %s", row.dedup_key, row.sender, failure[1])
            else:
                log.exception("email %s from %s failed", row.dedup_key, row.sender)
        _reset(row, retrying)
    assert failure is not None
    # The desk already holds a message with this Message-ID (it came another way): nothing is missing.
    status = InboundMail.Status.IGNORED if failure[0] == "duplicate_message" else InboundMail.Status.FAILED
    row.status, row.reason, row.detail = status, failure[0][:40], failure[1]
    row.attempts = row.attempts + 1 if retrying else 1
    with transaction.atomic():
        row.save()
    return Received(row)


def _stored_meanwhile(row: InboundMail) -> bool:
    same_uid = row.uid is not None and InboundMail.objects.filter(
        source=row.source, uidvalidity=row.uidvalidity, uid=row.uid).exists()
    return same_uid or InboundMail.objects.filter(dedup_key=row.dedup_key).exists()


def _failure(exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, InputError):
        return exc.code, exc.message
    return "unexpected", f"{exc.__class__.__name__}: {exc}"


def _reset(row: InboundMail, retrying: bool) -> None:
    """Forget what the rolled-back transaction set on the row."""
    row.work_order = None
    row.message = None
    row.refused_files = []
    if not retrying:
        row.pk = None
        row._state.adding = True


# ---- delivering into the desk -------------------------------------------------------------


def _deliver(row: InboundMail, mail: ParsedMail, *, rate_limit: bool, batch: _Batch | None = None) -> Any:
    """Decide and write (inside the caller's transaction); returns what to do once the row is saved."""
    sender = mail.sender.email.lower()
    row.status, row.reason, row.detail = InboundMail.Status.STORED, "", ""
    if sender in config.own_addresses():
        row.status, row.reason = InboundMail.Status.IGNORED, loops.OWN_ADDRESS
        row.detail = _("Mail from our own address %(address)s: never taken as a customer's (a loop).") % {
            "address": sender}
        return None
    work_order = _thread(mail, batch)
    if mail.automatic == loops.BOUNCE:
        return _bounce(row, mail, work_order)
    limits = config.limits()
    recent = batch.recent_from(sender) if batch is not None else _recent_from(sender, hours=1)
    if rate_limit and recent >= limits.per_sender_per_hour:
        row.status, row.reason = InboundMail.Status.FAILED, "rate_limited"
        row.detail = _("More than %(limit)s messages in an hour from %(address)s (ATIENDE_MAIL_RATE_LIMIT): set "
                       "aside; retry it once the sender is known to be a person.") % {
            "limit": limits.per_sender_per_hour, "address": sender}
        return None
    language = mail.language if mail.language in ("es", "en") else ""
    new = work_order is None
    if new:
        customer, new_customer = customer_for_email(email=sender, name=mail.sender.name, language=language,
                                                    known=batch.customers if batch is not None else None)
        if batch is not None and new_customer:
            batch.opened_for = (sender, customer)
        with translation.override(customer.preferred_language or settings.LANGUAGE_CODE):
            title = untagged(mail.subject) or _("(no subject)")
        work_order = open_written_request(customer=customer, title=title, problem_story=mail.shown,
                                          new_customer=new_customer)
    assert work_order is not None
    accepted, refused = _check_files(mail, work_order)
    body = mail.shown
    if refused:
        with translation.override(settings.LANGUAGE_CODE):
            lines = [_("File not accepted: %(name)s (%(reason)s)") % item for item in refused]
        body = "\n\n".join(x for x in (body, "\n".join(lines)) if x)
    message = post_message(
        work_order=work_order, body=body, visibility="public", channel=Channel.EMAIL, direction="in",
        author_name=mail.sender.name, author_email=sender, html=mail.html,
        original=mail.text if mail.text.strip() != mail.shown.strip() else "",
        message_id=mail.message_id or None, in_reply_to=(mail.in_reply_to or [""])[0][:998],
        attachments=accepted, at=timezone.now())
    row.work_order, row.message, row.refused_files = work_order, message, refused
    if new and not mail.automatic and recent < limits.acknowledgements_per_hour:
        from atiende.mail import notices

        return lambda: notices.acknowledge(row, mail)
    return None


def _recent_from(sender: str, *, hours: float) -> int:
    since = timezone.now() - timedelta(hours=hours)
    return InboundMail.objects.filter(sender=sender, received_at__gte=since).count()


def _thread(mail: ParsedMail, batch: _Batch | None = None) -> WorkOrder | None:
    ids = mail.thread_ids
    if ids and batch is not None:
        work_order_id = batch.thread(ids)
        if work_order_id is not None:
            return WorkOrder.objects.filter(pk=work_order_id).first()
    elif ids:
        for found in (Message.objects.filter(message_id__in=ids).values_list("work_order_id", flat=True),
                      OutboundMail.objects.filter(message_id__in=ids, work_order__isnull=False)
                      .values_list("work_order_id", flat=True)):
            work_order_id = next(iter(found), None)
            if work_order_id is not None:
                return WorkOrder.objects.filter(pk=work_order_id).first()
    for number in tagged_numbers(mail.subject):
        work_order = WorkOrder.objects.filter(number=number).first()
        if work_order is not None and _knows(work_order, mail.sender.email):
            return work_order
    return None


def _knows(work_order: WorkOrder, address: str) -> bool:
    """Whether the work order knows this address: its customer, requester or decision maker
    (CH-IND), someone who already wrote in it, or a member of the staff."""
    from atiende.people import roles
    from atiende.people.models import User

    people = [x for x in (work_order.customer_id, work_order.requester_id, work_order.decision_maker_id) if x]
    return (ContactPoint.objects.filter(customer_id__in=people, kind=ContactPoint.Kind.EMAIL,
                                        value__iexact=address).exists()
            or Message.objects.filter(work_order=work_order, author_email__iexact=address).exists()
            or User.objects.filter(roles.role_filter(roles.STAFF), email__iexact=address, is_active=True).exists())


def _bounce(row: InboundMail, mail: ParsedMail, work_order: WorkOrder | None) -> None:
    """A delivery failure: an internal note on the work order whose mail bounced, else ignored (kept)."""
    bounced = OutboundMail.objects.filter(message_id__in=mail.reported_ids).first() if mail.reported_ids else None
    if bounced is not None:
        OutboundMail.objects.filter(pk=bounced.pk).update(last_error=(_("Bounced: ") + mail.bounce_summary)[:300])
    if work_order is None:
        row.status, row.reason = InboundMail.Status.IGNORED, loops.BOUNCE
        row.detail = _("A delivery failure report about no mail of ours: kept, not answered.")
        return
    with translation.override(settings.LANGUAGE_CODE):
        note = _("An email of this work order could not be delivered:") + "\n" + (
            mail.bounce_summary or mail.shown or mail.subject)
    # Not a message of the conversation (the customer wrote nothing): a line of the history the staff read.
    record_event(work_order, None, "mail_bounced", {"recipients": (None, mail.bounce_summary[:500])}, note=note[:2000])
    row.work_order, row.reason = work_order, loops.BOUNCE


def _check_files(mail: ParsedMail, work_order: WorkOrder) -> tuple[list[tuple[str, bytes]], list[dict[str, str]]]:
    """The files that pass the upload checks, and those refused with the reason (nothing silently dropped)."""
    if not mail.files:
        return [], []
    room = per_work_order_limit() - Attachment.objects.filter(work_order=work_order).count()
    accepted: list[tuple[str, bytes]] = []
    refused: list[dict[str, str]] = []
    for part in mail.files:
        try:
            name = clean_filename(part.filename)
            check_upload(io.BytesIO(part.data), name=name, size=len(part.data))
        except InputError as exc:
            refused.append({"name": part.filename[:255], "reason": exc.message, "code": exc.code})
            continue
        if len(accepted) >= room:
            refused.append({"name": name, "reason": _("the work order already holds %(limit)s files") % {
                "limit": per_work_order_limit()}, "code": "too_many_attachments"})
            continue
        accepted.append((name, part.data))
    return accepted, refused


def failed(*, include_ignored: bool = False) -> Any:
    """The messages kept raw that did not reach a conversation, newest first."""
    wanted = Q(status=InboundMail.Status.FAILED)
    if include_ignored:
        wanted |= Q(status=InboundMail.Status.IGNORED)
    return InboundMail.objects.filter(wanted).order_by("-received_at", "-id")
