"""The mail part of ``atiende worker``: send the outbox, remind commitments, watch the mailboxes.

One thread sends the outbox (woken at once when this process enqueues, else every few
seconds for what others enqueued or what is due again) and enqueues the commitment
reminders twice a minute; one thread per IMAP mailbox watches it (``imap.watch``).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from atiende.mail import config, notices, outbox

log = logging.getLogger(__name__)

REMINDER_CHECK_SECONDS = 30.0
SEND_IDLE_SECONDS = 5.0


def _send_loop(stop: threading.Event, *, name: str) -> None:
    from django.db import close_old_connections

    reminders_checked = 0.0
    while not stop.is_set():
        try:
            if time.monotonic() - reminders_checked >= REMINDER_CHECK_SECONDS:
                notices.remind_due_commitments()
                reminders_checked = time.monotonic()
            while outbox.send_due(worker=name) and not stop.is_set():
                pass
        except Exception:  # keep sending: the next round retries
            log.exception("mail round failed")
        finally:
            close_old_connections()
        outbox.wait_for_work(SEND_IDLE_SECONDS)


def start(stop: threading.Event, *, name: str) -> list[threading.Thread]:
    """Start the mail threads; they end soon after ``stop`` is set (call :func:`outbox.wake` then)."""
    threads = [threading.Thread(target=_send_loop, args=(stop,), kwargs={"name": name}, name="atiende-mail-out",
                                daemon=True)]
    poll = config.poll_seconds()
    boxes = config.mailboxes()
    if boxes:
        from atiende.mail import imap  # imapclient only where there are mailboxes
    for box in boxes:
        threads.append(threading.Thread(target=imap.watch, args=(box, stop), kwargs={"poll_seconds": poll},
                                        name=f"atiende-mail-in-{box.host}", daemon=True))
    for thread in threads:
        thread.start()
    return threads


@dataclass
class Pass:
    sent: int
    reminders: int
    fetched: Any  # imap.Report, or None without mailboxes


def run_once(*, name: str) -> Pass:
    """What ``atiende worker --once`` does for mail: remind, fetch every mailbox once, send what is due."""
    reminders = notices.remind_due_commitments()
    fetched = None
    if config.mailboxes():
        from atiende.mail import imap

        fetched = imap.fetch()
    return Pass(sent=outbox.send_due(worker=name, limit=1000), reminders=reminders, fetched=fetched)


def check_settings() -> None:
    """Raise :class:`~atiende.errors.InputError` for a mail setting that cannot work (before starting)."""
    config.smtp()
    config.mailboxes()
    config.send_policy()
    config.poll_seconds()
    config.limits()
