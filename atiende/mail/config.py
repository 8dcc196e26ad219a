"""The mail channel's settings, read from the environment (documented in docs/mail.md and the README).

Read at each use, so a test or an operator changing one needs no restart of the code that reads it (inside
one transaction's coalesced block, a batch of mail, the ones each message asks for are read once: ``db.memo``).
A setting that cannot work raises :class:`~atiende.errors.InputError` naming it.
"""

from __future__ import annotations

import contextlib
import functools
import os
from dataclasses import dataclass
from email.utils import parseaddr

from atiende import db, env
from atiende.errors import InputError
from atiende.mail.core.urls import (
    ImapMailbox,
    MailSettingError,
    SmtpServer,
    imap_mailboxes,
    smtp_server,
)

DEFAULT_FROM = "Atiende <atiende@localhost>"


def _setting_error(exc: MailSettingError) -> InputError:
    return InputError("invalid_mail_setting", str(exc))


def mail_from() -> str:
    """``ATIENDE_MAIL_FROM``: who the help desk's mail comes from, e.g. ``Soporte <soporte@example.com>``."""
    return os.environ.get("ATIENDE_MAIL_FROM", "").strip() or DEFAULT_FROM


def from_address() -> str:
    return _parsed(mail_from())[1] or "atiende@localhost"


def from_name() -> str:
    """The display name of ``ATIENDE_MAIL_FROM`` ("" when it gives none)."""
    return _parsed(mail_from())[0]


@functools.lru_cache(maxsize=8)
def _parsed(value: str) -> tuple[str, str]:
    """``ATIENDE_MAIL_FROM``'s display name and lower-cased address, parsed once for each value the setting takes
    (every outgoing mail's Message-ID asks for its domain, every acknowledgement of a batch of mail for the name)."""
    name, address = parseaddr(value)
    return name, address.lower()


def mail_domain() -> str:
    return from_address().rpartition("@")[2] or "localhost"


def smtp() -> SmtpServer | None:
    """``ATIENDE_SMTP_URL`` (None: outgoing mail stays in the local outbox shown in the UI)."""
    try:
        return smtp_server(os.environ.get("ATIENDE_SMTP_URL", ""))
    except MailSettingError as exc:
        raise _setting_error(exc) from exc


def smtp_configured() -> bool:
    """Whether outgoing mail is for an SMTP server (even one whose URL is wrong: it waits to be fixed)."""
    return bool(os.environ.get("ATIENDE_SMTP_URL", "").strip())


def mailboxes() -> list[ImapMailbox]:
    """``ATIENDE_IMAP_URL``: the mailboxes ``atiende mail fetch`` and the worker read."""
    try:
        return imap_mailboxes(os.environ.get("ATIENDE_IMAP_URL", ""))
    except MailSettingError as exc:
        raise _setting_error(exc) from exc


def own_addresses() -> set[str]:
    """Our own addresses: mail from them is our own coming back (a loop), never a customer's. Read once per
    coalesced block (a batch of mail asks for each message), else at each use."""
    return db.memo("mail.own_addresses", _own_addresses)


def _own_addresses() -> set[str]:
    found = {from_address()}
    with contextlib.suppress(InputError):  # a broken IMAP setting is reported where it is used
        found |= {box.username.lower() for box in mailboxes() if "@" in box.username}
    extra = os.environ.get("ATIENDE_MAIL_OWN_ADDRESSES", "")
    found |= {x.strip().lower() for x in extra.split(",") if "@" in x}
    return found


def base_url() -> str:
    """``ATIENDE_BASE_URL``: where customers reach Atiende, for the links in mail (survey, portal)."""
    return (os.environ.get("ATIENDE_BASE_URL", "").strip() or "http://localhost:8000").rstrip("/")


def _number(name: str, default: float, *, minimum: float, whole: bool = True, zero: bool = False) -> float:
    return env.number(name, default, whole=whole, minimum=minimum, zero=zero, code="invalid_mail_setting")


@dataclass(frozen=True)
class Limits:
    max_bytes: int  # a larger message is kept raw and listed as failed (too_large)
    per_sender_per_hour: int  # more from one address is set aside (rate_limited): a robot in a loop
    acknowledgements_per_hour: int  # automatic answers to one address at most


def limits() -> Limits:
    """Read once per coalesced block (a batch of mail), else at each use."""
    return db.memo("mail.limits", _limits)


def _limits() -> Limits:
    return Limits(
        max_bytes=int(_number("ATIENDE_MAIL_MAX_BYTES", 30 * 1024 * 1024, minimum=1024)),
        per_sender_per_hour=int(_number("ATIENDE_MAIL_RATE_LIMIT", 30, minimum=1)),
        acknowledgements_per_hour=3,
    )


@dataclass(frozen=True)
class SendPolicy:
    max_attempts: int
    first_delay: float
    max_delay: float
    timeout: float
    lease: float


def send_policy() -> SendPolicy:
    """Retries of the outbox: 8 attempts, 60 s doubling up to an hour between them, by default."""
    return SendPolicy(
        max_attempts=int(_number("ATIENDE_MAIL_MAX_ATTEMPTS", 8, minimum=1)),
        first_delay=_number("ATIENDE_MAIL_RETRY_SECONDS", 60.0, minimum=0.001, whole=False),
        max_delay=3600.0,
        timeout=_number("ATIENDE_MAIL_TIMEOUT", 30.0, minimum=0.1, whole=False),
        lease=_number("ATIENDE_MAIL_LEASE_SECONDS", 120.0, minimum=1, whole=False),
    )


def poll_seconds() -> float:
    """How often the worker looks at the IMAP mailboxes (IDLE wakes it earlier where offered)."""
    return _number("ATIENDE_IMAP_POLL_SECONDS", 60.0, minimum=0.1, whole=False)


def reminder_hours() -> float:
    """How long before a commitment comes due its customer is reminded (PT-2)."""
    return _number("ATIENDE_MAIL_REMINDER_HOURS", 2.0, minimum=0.0, whole=False, zero=True)
