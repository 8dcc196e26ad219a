"""IMAP: a real Dovecot. Each message stored once, then marked; IDLE wakes the worker at once."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import OperationalError

from atiende.desk.models import Message
from atiende.mail import config, imap, intake
from atiende.mail.models import InboundMail
from tests.mail.conftest import append, mail, unmarked


@pytest.fixture
def box(imap_url, mail_settings, team):
    mail_settings.setenv("ATIENDE_IMAP_URL", imap_url)
    return imap_url


@pytest.mark.django_db
def test_a_pass_stores_each_new_message_once_and_marks_it(box):
    append(box, mail(message_id="a@example.org"), mail(sender="otro@example.com", message_id="b@example.org"))
    report = imap.fetch()
    assert (report.stored, report.duplicates, report.failed, report.errors) == (2, 0, 0, [])
    assert len(report.numbers) == 2 and unmarked(box) == []
    assert imap.fetch().stored == 0  # nothing new
    append(box, mail(message_id="a@example.org"))  # the same message delivered twice
    report = imap.fetch()
    assert (report.stored, report.duplicates) == (0, 1)
    assert Message.objects.count() == 2 and unmarked(box) == []


@pytest.mark.django_db
def test_a_message_stored_before_a_crash_but_not_marked_is_only_marked(box):
    raw = mail(message_id="crash@example.org")
    append(box, raw)
    intake.receive(raw, source=config.mailboxes()[0].key)  # stored; the process died before marking it
    assert unmarked(box) != []
    report = imap.fetch()
    assert (report.stored, report.duplicates) == (0, 1)
    assert unmarked(box) == [] and InboundMail.objects.count() == 1


@pytest.mark.django_db
def test_a_mailbox_that_cannot_be_reached_is_reported_and_the_others_are_read(box, mail_settings, dovecot):
    from tests.mail.conftest import free_port

    mail_settings.setenv("ATIENDE_IMAP_URL", f"imap://x:y@127.0.0.1:{free_port()}/INBOX,{box}")
    append(box, mail())
    report = imap.fetch()
    assert report.stored == 1 and len(report.errors) == 1


@pytest.mark.django_db(transaction=True)
def test_the_worker_takes_new_mail_at_once_where_the_server_offers_idle(box):
    stop = threading.Event()
    watcher = threading.Thread(target=imap.watch, args=(config.mailboxes()[0], stop), kwargs={"poll_seconds": 60},
                               daemon=True)
    watcher.start()
    try:
        time.sleep(0.5)  # connected and idling
        append(box, mail(message_id="idle@example.org"))
        # Watched through the mailbox, not the database: the watcher marks a message once it is stored
        # (and this thread reading the in-memory SQLite database meanwhile would lock it out).
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and unmarked(box):
            time.sleep(0.1)
        taken = not unmarked(box)
    finally:
        stop.set()
        watcher.join(10)
    assert taken  # long before the 60 s poll: IDLE woke the watcher
    assert InboundMail.objects.filter(dedup_key="idle@example.org").exists()


@pytest.mark.django_db
def test_with_move_to_each_stored_message_is_moved_to_that_folder(box, mail_settings, dovecot):
    from imapclient import IMAPClient

    from atiende.mail.core.urls import imap_mailboxes

    source = imap_mailboxes(box)[0]
    moved = f"{source.folder}-guardado"  # created by the first pass
    mail_settings.setenv("ATIENDE_IMAP_URL", f"{box}?move_to={moved}")
    append(box, mail(message_id="m1@example.org"), mail(sender="otro@example.com", message_id="m2@example.org"))
    report = imap.fetch()
    assert (report.stored, report.errors) == (2, [])
    assert imap.fetch().stored == 0  # nothing left to read, nothing stored twice

    def folder_ids(folder: str) -> list[bytes]:
        with IMAPClient("127.0.0.1", port=dovecot.port, ssl=False) as client:
            client.login(source.username, source.password)
            client.select_folder(folder, readonly=True)
            found = client.fetch(client.search(["ALL"]), ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
            return sorted(v[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"].strip() for v in found.values())

    assert folder_ids(source.folder) == []
    assert folder_ids(moved) == [b"Message-ID: <m1@example.org>", b"Message-ID: <m2@example.org>"]
    assert InboundMail.objects.count() == 2 and Message.objects.count() == 2


@pytest.mark.django_db
def test_messages_are_read_and_marked_in_batches_and_a_failure_mid_batch_loses_nothing(box, monkeypatch):
    monkeypatch.setattr(imap, "BATCH_MESSAGES", 3)
    append(box, *(mail(sender=f"cliente{i}@example.org", message_id=f"batch-{i}@example.org") for i in range(8)))
    real = intake._receive

    def the_fifth_cannot_be_stored_now(raw, **kwargs):
        if b"batch-4@" in raw:  # the database refuses it (in its batch, and again alone)
            raise OperationalError("database is locked")
        return real(raw, **kwargs)

    real_add = intake._Set.add

    def nor_in_a_set(self, item, read):  # the batch writes its mail as a set: it fails there first
        if b"batch-4@" in item.raw:
            raise OperationalError("database is locked")
        return real_add(self, item, read)

    monkeypatch.setattr(intake, "_receive", the_fifth_cannot_be_stored_now)
    monkeypatch.setattr(intake._Set, "add", nor_in_a_set)
    report = imap.fetch()
    assert (report.stored, len(report.errors)) == (4, 1)
    assert len(unmarked(box)) == 4  # the four stored were marked, in the second batch too; the rest wait
    monkeypatch.setattr(intake, "_receive", real)
    monkeypatch.setattr(intake._Set, "add", real_add)
    report = imap.fetch()
    assert (report.stored, report.duplicates, report.errors) == (4, 0, [])
    assert unmarked(box) == [] and InboundMail.objects.count() == 8 and Message.objects.count() == 8
