"""Logs a machine can read: JSON lines on request, a request id on every line, secrets never written.

- ``ATIENDE_LOG_FORMAT=json`` writes one JSON object a line (``time``,
  ``level``, ``logger``, ``message``, ``request_id``, ``exception``); the
  default is plain text with the request id in brackets.
- The request id is the request's ``X-Request-ID`` when it sends a sensible one
  (letters, digits, ``.``, ``_``, ``-``; at most 64), otherwise a new one; it is
  sent back in the response's ``X-Request-ID`` and kept on the background work
  the request stored (``request_id`` of the webhook outbox, the mail outbox and
  the scoring jobs), so a worker's lines about that work carry it too.
- :class:`RedactSecrets` removes from every line, whatever logged it, the
  values of the secrets in the environment (the secret key, the vault keys, the
  audit key, the webhook secret, passwords inside database, Redis, IMAP and SMTP URLs) and
  bearer tokens. Vault values are never given to a logger in the first place
  (ET-3: tests/operations/test_logs.py follows a credential through a work order
  and its vault with every logger captured).
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import os
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("atiende_request_id", default="")
_SENSIBLE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")
REDACTED = "[REDACTED]"
# Settings whose whole value is a secret, and settings that are URLs that may carry a password.
SECRET_SETTINGS = ("ATIENDE_SECRET_KEY", "ATIENDE_VAULT_KEYS", "ATIENDE_AUDIT_KEY", "ATIENDE_WEBHOOK_SECRET")
URL_SETTINGS = ("DATABASE_URL", "REDIS_URL", "ATIENDE_IMAP_URL", "ATIENDE_SMTP_URL")


def current_request_id() -> str:
    """The id of the request (or of the stored job) this thread is working for; ``""`` outside one."""
    return _request_id.get()


def request_id_from(header: str | None) -> str:
    """The caller's ``X-Request-ID`` when it is a sensible one, otherwise a new id."""
    if header and _SENSIBLE_ID.match(header):
        return header
    return uuid.uuid4().hex


@contextlib.contextmanager
def working_for(request_id: str) -> Iterator[None]:
    """Log lines written inside carry ``request_id`` (a request, or a stored job the request left)."""
    token = _request_id.set(request_id or "")
    try:
        yield
    finally:
        _request_id.reset(token)


def carry_on_for(request_id: str) -> None:
    """From here on, this thread's log lines carry ``request_id``: a worker taking up a stored job the request
    left (atiende/job_queue.py, ``held``). A request's own id is restored when it ends (:func:`working_for`)."""
    _request_id.set(request_id or "")


def secret_values(environ: dict[str, str] | None = None) -> list[str]:
    """The secrets of the environment that must never appear in a log line (longest first)."""
    environ = dict(os.environ) if environ is None else environ
    found: set[str] = set()
    for name in SECRET_SETTINGS:
        for part in environ.get(name, "").split(","):
            if len(part.strip()) >= 6:
                found.add(part.strip())
    for name in URL_SETTINGS:
        for url in environ.get(name, "").split(","):
            with contextlib.suppress(ValueError):
                password = urlsplit(url.strip()).password
                if password and len(password) >= 4:
                    found.add(password)
    return sorted(found, key=len, reverse=True)


class RedactSecrets(logging.Filter):
    """Replaces secret values and bearer tokens in a record's final message (and its traceback)."""

    def __init__(self, name: str = "") -> None:
        super().__init__(name)
        self.secrets = secret_values()

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return _BEARER.sub(lambda m: m.group(1) + REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.scrub(message)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        return True


class RequestIdFilter(logging.Filter):
    """Every record gets ``request_id`` (``-`` outside a request or a job)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line."""

    # Attributes every LogRecord has; anything else a caller passed in ``extra=`` goes out as a field.
    _STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "request_id"}

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": current_request_id() or None,
        }
        for key, value in vars(record).items():
            if key not in self._STANDARD and not key.startswith("_"):
                line[key] = value if isinstance(value, str | int | float | bool | None) else str(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


def logging_config(*, fmt: str, level: str) -> dict[str, Any]:
    """The ``LOGGING`` setting: ``fmt`` is ``json`` or ``text``."""
    formatter = ({"()": "atiende.operations.logs.JsonFormatter"} if fmt == "json"
                 else {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"})
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "atiende.operations.logs.RequestIdFilter"},
                    "redact": {"()": "atiende.operations.logs.RedactSecrets"}},
        "formatters": {"atiende": formatter},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "atiende",
                                 "filters": ["request_id", "redact"]}},
        # At INFO, ``atiende.request`` writes one line per request (route, status, milliseconds).
        "root": {"handlers": ["console"], "level": level},
    }
