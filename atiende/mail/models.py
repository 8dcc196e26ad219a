"""What the mail channel stores: every message received (raw, first) and every message to send.

:class:`InboundMail` keeps the bytes of each message as it arrived, whatever became of
it (a message in a conversation, a failure with its reason, a loop ignored), so
nothing is lost and a failure can be retried. :class:`OutboundMail` is the outbox:
written in the transaction that decided to write, sent by the worker with leases and
back-off (``atiende/job_queue.py``), or kept locally when no SMTP server is set.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from atiende.operations.logs import current_request_id


def raw_storage_name(instance: Any, filename: str) -> str:
    key = secrets.token_hex(16)
    return f"mail/{key[:2]}/{key}.eml"


class InboundMail(models.Model):
    class Status(models.TextChoices):
        STORED = "stored", _("Stored")  # in a work order's conversation
        FAILED = "failed", _("Failed")  # kept raw; `atiende mail failed --retry ID` once fixed
        IGNORED = "ignored", _("Ignored")  # our own mail coming back, a bounce of nothing we know

    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    source = models.CharField(_("source"), max_length=220)  # "pipe" or the IMAP mailbox (no password)
    # IMAP: the mailbox's UIDVALIDITY and the message's UID, so a message is fetched into one row only.
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    uid = models.BigIntegerField(null=True, blank=True)
    # The Message-ID (without brackets), else "sha256:<digest of the bytes>": a message is stored once.
    dedup_key = models.CharField(_("Message-ID"), max_length=255, unique=True)
    raw = models.FileField(_("message as received"), upload_to=raw_storage_name, max_length=200)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    sender = models.CharField(_("from"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, db_index=True)
    reason = models.CharField(_("reason"), max_length=40, blank=True)
    detail = models.TextField(_("detail"), blank=True)
    automatic = models.CharField(_("automatic mail"), max_length=20, blank=True)  # loops.py reason
    refused_files = models.JSONField(_("refused files"), default=list, blank=True)
    work_order = models.ForeignKey("desk.WorkOrder", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="inbound_mail")
    message = models.OneToOneField("desk.Message", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="inbound_mail")
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=1)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("received email")
        verbose_name_plural = _("received email")
        constraints = [models.UniqueConstraint(fields=["source", "uidvalidity", "uid"], name="mail_inbound_uid",
                                               condition=models.Q(uid__isnull=False))]
        indexes = [models.Index(fields=["sender", "received_at"], name="mail_inbound_sender")]

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d %H:%M} {self.sender} {self.subject}"


class OutboundMail(models.Model):
    class Kind(models.TextChoices):
        ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement")
        REPLY = "reply", _("Reply")
        SURVEY = "survey", _("Closing and survey")
        REMINDER = "reminder", _("Commitment reminder")
        NOTIFICATION = "notification", _("Notification to staff")
        TRANSCRIPT = "transcript", _("Chat transcript")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")  # every attempt failed, or the server refused it for good
        LOCAL = "local", _("Local outbox")  # no ATIENDE_SMTP_URL: kept here, shown in the UI

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    # What it is about, once: "acknowledgement:<inbound id>", "reply:<message id>"... A second
    # enqueue of the same key (a retried signal) writes nothing.
    key = models.CharField(max_length=120, unique=True)
    work_order = models.ForeignKey("desk.WorkOrder", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="outbound_mail")
    # The conversation's message this mail carries (a reply written in Atiende).
    sent_message = models.ForeignKey("desk.Message", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="outbound_mail")
    recipients = models.JSONField(_("to"), default=list)
    subject = models.CharField(_("subject"), max_length=300)
    # The one source of the text and HTML parts; the MIME message is built when it is sent
    # (outbox.build), so what the local outbox shows is exactly what leaves.
    text = models.TextField(_("text"))
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    in_reply_to = models.CharField(max_length=255, blank=True)
    references = models.JSONField(default=list, blank=True)
    automatic = models.CharField(_("automatic mail"), max_length=20, blank=True)  # RFC 3834 Auto-Submitted
    language = models.CharField(_("language"), max_length=8, default="es")
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, db_index=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # The shared lease loop's fields (atiende/job_queue.py).
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_by = models.CharField(_("claimed by"), max_length=80, blank=True)
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    gave_up_at = models.DateTimeField(_("gave up"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    # The request that left this work (X-Request-ID): the worker's log lines about it carry it (docs/deploy.md).
    request_id = models.CharField(_("request id"), max_length=64, blank=True, default=current_request_id)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing email")
        indexes = [models.Index(fields=["next_attempt_at"], name="mail_outbound_due",
                                condition=models.Q(status="queued"))]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {', '.join(self.recipients)}: {self.subject}"
