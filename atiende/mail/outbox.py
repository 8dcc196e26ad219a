"""Email out: a stored outbox, sent by the worker over SMTP, never inside a request.

:func:`enqueue` stores what to send (recipients, subject, the one text, threading
headers) as an :class:`OutboundMail` row in the caller's transaction: a rolled-back change sends
nothing, a committed one is never lost. Each row has a key naming what it is about
(``reply:<message id>``...), so a signal received twice enqueues once.

Without ``ATIENDE_SMTP_URL`` the row stays in the local outbox (status ``local``), which
the staff page «Correo saliente» shows: ``make run`` needs no mail server.

:func:`send_due` is the worker's: it claims due rows with a lease through the shared
lease loop (``atiende/job_queue.py``: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the
single writer on SQLite), builds each message (:func:`build`: text and HTML parts from
the one text, the files of the reply) and sends them over one SMTP connection, and marks each sent
while it still holds it. A failure is retried with back-off (60 s doubling, up to an
hour; ``ATIENDE_MAIL_MAX_ATTEMPTS`` attempts); a permanent refusal (a 5xx answer) gives
up at once. A worker that dies mid-send loses its lease and another sends the row
again: delivery is at least once, and the receiving side drops a repeat by its
Message-ID.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
import threading
from collections.abc import Iterable
from datetime import datetime
from email import policy
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from atiende import job_queue
from atiende.desk import rows as desk_rows
from atiende.desk.messages import is_valid_email
from atiende.mail import config
from atiende.mail.core import compose
from atiende.mail.core.threads import new_message_id
from atiende.mail.core.urls import SmtpServer
from atiende.mail.models import OutboundMail

log = logging.getLogger(__name__)

_wake = threading.Event()


def valid_addresses(addresses: Iterable[str]) -> list[str]:
    """The addresses mail can go to, once each, in order; invalid ones are left out (and logged)."""
    found: list[str] = []
    for address in addresses:
        address = (address or "").strip()
        if not is_valid_email(address):
            if address:
                log.warning("not sending mail to the invalid address %r", address[:100])
            continue
        if address.lower() not in (x.lower() for x in found):
            found.append(address)
    return found


def enqueue(*, kind: str, key: str, to: Iterable[str], subject: str, text: str, work_order: Any = None,
            message: Any = None, in_reply_to: str = "", references: Iterable[str] = (), automatic: str = "",
            language: str = "es", now: datetime | None = None) -> OutboundMail | None:
    """Store one outgoing message (inside the caller's transaction, if any); None when there is nobody
    to send it to or the same key was enqueued before. ``message``: the conversation's message it
    carries, whose files (not internal ones) go with it."""
    row = outgoing(kind=kind, key=key, to=to, subject=subject, text=text, work_order=work_order, message=message,
                   in_reply_to=in_reply_to, references=references, automatic=automatic, language=language, now=now)
    if row is None:
        return None
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:  # the same key, enqueued before (or by another process a moment ago)
        return None
    if row.status == OutboundMail.Status.QUEUED:
        transaction.on_commit(_wake.set)
    return row


def outgoing(*, kind: str, key: str, to: Iterable[str], subject: str, text: str, work_order: Any = None,
             message: Any = None, in_reply_to: str = "", references: Iterable[str] = (), automatic: str = "",
             language: str = "es", now: datetime | None = None) -> OutboundMail | None:
    """The row :func:`enqueue` stores, not saved (None when there is nobody to send it to)."""
    recipients = valid_addresses(to)
    if not recipients:
        return None
    now = now or timezone.now()
    status = OutboundMail.Status.QUEUED if config.smtp_configured() else OutboundMail.Status.LOCAL
    return OutboundMail(kind=kind, key=key[:120], work_order=work_order, sent_message=message, recipients=recipients,
                        subject=" ".join(subject.split())[:300], text=text,
                        message_id=new_message_id(config.mail_domain()), in_reply_to=in_reply_to[:255],
                        references=[x for x in references if x][-20:], automatic=automatic, language=language,
                        status=status, created_at=now, next_attempt_at=now)


def enqueue_new(rows: list[OutboundMail]) -> None:
    """Store rows of :func:`outgoing` whose keys no row can hold yet (a batch's acknowledgements, keyed by
    the received mail's new id) with one INSERT, inside the caller's transaction."""
    if not rows:
        return
    desk_rows.insert_many(rows)
    if any(row.status == OutboundMail.Status.QUEUED for row in rows):
        transaction.on_commit(_wake.set)


def build(row: OutboundMail) -> Any:
    """The MIME message of a stored row (``core/compose.py``), with the files of the message it carries."""
    files = []
    if row.sent_message_id is not None:
        for item in row.sent_message.attachments.filter(internal=False):  # type: ignore[union-attr]
            with item.file.open("rb") as handle:
                files.append(compose.Attachment(filename=item.filename, content_type=item.content_type,
                                                data=bytes(handle.read())))
    return compose.build(compose.OutgoingMail(
        sender=config.mail_from(), to=list(row.recipients), subject=row.subject, text=row.text,
        message_id=row.message_id, date=row.created_at, in_reply_to=row.in_reply_to,
        references=list(row.references), automatic=row.automatic, language=row.language, attachments=files))


def as_bytes(row: OutboundMail) -> bytes:
    """The message as SMTP sends it (CRLF line ends)."""
    return bytes(build(row).as_bytes(policy=policy.SMTP))


# ---- sending --------------------------------------------------------------------------------


class _Connection:
    """One SMTP session for a batch, opened at the first message."""

    def __init__(self, server: SmtpServer, timeout: float) -> None:
        self.server, self.timeout = server, timeout
        self.smtp: smtplib.SMTP | None = None

    def get(self) -> smtplib.SMTP:
        if self.smtp is None:
            server = self.server
            context = ssl.create_default_context()
            if server.security == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(server.host, server.port, timeout=self.timeout,
                                                      context=context)
            else:
                smtp = smtplib.SMTP(server.host, server.port, timeout=self.timeout)
                if server.security == "starttls":
                    smtp.starttls(context=context)
            if server.username:
                smtp.login(server.username, server.password)
            self.smtp = smtp
        return self.smtp

    def close(self) -> None:
        if self.smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.smtp.quit()
            self.smtp = None


def _permanent(exc: BaseException) -> bool:
    """A 5xx answer: sending it again will not help (an unknown recipient, a message refused)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _text in exc.recipients.values())
    code = getattr(exc, "smtp_code", 0)
    return isinstance(exc, smtplib.SMTPResponseException) and code >= 500 and code != 530


def send_due(*, worker: str, limit: int = 20, now: datetime | None = None) -> int:
    """Send the due rows of the outbox this worker can claim; returns how many were sent."""
    server = config.smtp()
    if server is None:
        return 0
    policy_ = config.send_policy()
    moment = now or timezone.now()
    queued = OutboundMail.objects.filter(status=OutboundMail.Status.QUEUED)
    ids = job_queue.claim(queued, worker=worker, moment=moment, limit=limit, lease=policy_.lease,
                          count_attempt=True)
    sent = 0
    connection = _Connection(server, policy_.timeout)
    try:
        for pk in ids:
            row = job_queue.held(queued, pk, worker=worker)
            if row is None:
                continue
            error: BaseException | None = None
            refused: dict[str, Any] = {}
            try:
                refused = connection.get().sendmail(config.from_address(), list(row.recipients), as_bytes(row))
            except (smtplib.SMTPException, OSError) as exc:
                error = exc
                connection.close()  # a broken session is not reused for the next message
            sent += _record_attempt(row, worker=worker, error=error, refused=refused, policy_=policy_)
    finally:
        connection.close()
    return sent


def _record_attempt(row: OutboundMail, *, worker: str, error: BaseException | None, refused: dict[str, Any],
                    policy_: config.SendPolicy) -> int:
    moment = timezone.now()
    with transaction.atomic():
        current = job_queue.held(OutboundMail.objects.all(), row.pk, worker=worker, lock=True)
        if current is None:  # our lease ran out and another worker has it now
            return 0
        if error is None:
            job_queue.release(current)
            current.status, current.sent_at = OutboundMail.Status.SENT, moment
            current.last_error = (f"refused: {', '.join(refused)}" if refused else "")[:300]
            current.save(update_fields=["status", "sent_at", "last_error", *job_queue.SCHEDULE_FIELDS])
            return 1
        current.last_error = f"{error.__class__.__name__}: {error}"[:300]
        if _permanent(error):
            current.attempts = max(current.attempts, policy_.max_attempts)
        outcome = job_queue.retry_or_give_up(
            current, moment=moment, max_attempts=policy_.max_attempts,
            delay=lambda attempts: job_queue.backoff(attempts, first=policy_.first_delay,
                                                     longest=policy_.max_delay))
        if outcome == job_queue.GAVE_UP:
            current.status = OutboundMail.Status.FAILED
            log.warning("gave up sending mail %s to %s: %s", current.pk, current.recipients, current.last_error)
        current.save(update_fields=["status", "attempts", "last_error", *job_queue.SCHEDULE_FIELDS])
    return 0


def wait_for_work(seconds: float) -> None:
    """Sleep until something is enqueued in this process or ``seconds`` pass."""
    _wake.wait(seconds)
    _wake.clear()


def wake() -> None:
    _wake.set()
