"""The caller-block list, the generic CTI calls (callId ↔ contact, replies kept for repeats), the native
CTI events (each answer kept for repeats) and the outgoing webhook's outbox."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from atiende.operations.logs import current_request_id


class BlockedCaller(models.Model):
    """A number (or a prefix ending in ``*``, or ``anonymous``) whose calls are rejected as busy."""

    pattern = models.CharField(
        _("number pattern"), max_length=80, unique=True,
        help_text=_("A number, a prefix ending in * (e.g. +34900*), or anonymous."),
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["pattern"]
        verbose_name = _("blocked caller")
        verbose_name_plural = _("blocked callers")

    def __str__(self) -> str:
        return self.pattern


class CallOutcome(models.TextChoices):
    OPEN = "", _("In progress")
    REJECTED = "rejected", _("Rejected (blocked caller)")
    ENDED = "ended", _("Ended")
    ABANDONED = "abandoned", _("Abandoned")
    MISSED = "missed", _("Missed")


class GenericCall(models.Model):
    """One call reported through the generic CTI protocol: its contact and each event's reply.

    ``replies`` keeps, per event (newCall, answer, hangup), the reply that was
    given: a repeated event gets the very same reply and changes nothing.
    """

    call_id = models.CharField(_("call id"), max_length=250, unique=True)
    contact = models.OneToOneField("contact.Contact", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="generic_call")
    token = models.ForeignKey("people.ApiToken", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    direction = models.CharField(_("direction"), max_length=3, default="in")
    caller = models.CharField(_("from"), max_length=80, blank=True)
    callee = models.CharField(_("to"), max_length=80, blank=True)
    queue = models.CharField(_("queue"), max_length=60, blank=True)
    users = models.JSONField(_("users named by the PBX"), default=list, blank=True)
    technician = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("technician"))
    last_event = models.CharField(_("last event handled"), max_length=10)
    cause = models.CharField(_("hang-up cause"), max_length=20, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=CallOutcome.choices, blank=True, default="")
    replies = models.JSONField(default=dict)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("generic CTI call")
        verbose_name_plural = _("generic CTI calls")

    def __str__(self) -> str:
        return self.call_id


class CtiEvent(models.Model):
    """A telephony event, once per idempotency id and integration, with the answer given (a repeat gets the
    same). ``sender`` is the integration (its token's user): event ids are its own, so one integration never
    reads another's answer (issue 22, item 14). Events stored before that have no sender."""

    sender = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    event_id = models.CharField(max_length=120)
    kind = models.CharField(max_length=30)
    payload = models.JSONField(default=dict)
    status = models.PositiveSmallIntegerField(default=200)
    response = models.JSONField(default=dict)
    contact = models.ForeignKey("contact.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="cti_events")
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "contact_ctievent"  # its table since it lived in the contact app (moved state-only)
        constraints = [models.UniqueConstraint(fields=["sender", "event_id"], name="cti_event_once_per_sender")]


class WebhookDelivery(models.Model):
    """One decision for the telephony side, stored in the transaction that made it (the outbox).

    A worker claims it with a lease, POSTs it signed, and marks it delivered; a
    failed attempt is retried with back-off until it gives up and alerts the
    supervisors (docs/cti.md). ``decision_id`` is the receiver's idempotency key:
    delivery is at least once.
    """

    decision_id = models.UUIDField(_("decision id"), unique=True)
    contact = models.ForeignKey("contact.Contact", on_delete=models.CASCADE, related_name="webhook_deliveries")
    action = models.CharField(_("action"), max_length=20)
    payload = models.JSONField(_("payload"), default=dict)
    created_at = models.DateTimeField(_("created"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    claimed_by = models.CharField(_("claimed by"), max_length=80, blank=True)
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    gave_up_at = models.DateTimeField(_("gave up"), null=True, blank=True)
    # The request that left this work (X-Request-ID): the worker's log lines about it carry it (docs/deploy.md).
    request_id = models.CharField(_("request id"), max_length=64, blank=True, default=current_request_id)

    class Meta:
        db_table = "contact_webhookdelivery"  # its table since it lived in the contact app (moved state-only)
        ordering = ["id"]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="contact_webhook_due",
                         condition=models.Q(delivered_at__isnull=True, gave_up_at__isnull=True)),
            models.Index(fields=["contact", "id"], name="contact_webhook_pending",
                         condition=models.Q(delivered_at__isnull=True, gave_up_at__isnull=True)),
            # The purge, oldest first: delivered rows past their days, given-up ones past theirs. The second
            # also serves ``atiende webhooks``' lists (the rows not delivered, the given-up ones).
            models.Index(fields=["delivered_at", "id"], name="contact_webhook_delivered",
                         condition=models.Q(delivered_at__isnull=False)),
            models.Index(fields=["gave_up_at", "id"], name="contact_webhook_undelivered",
                         condition=models.Q(delivered_at__isnull=True)),
        ]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self) -> str:
        return f"{self.action} #{self.contact_id} ({self.status})"

    @property
    def status(self) -> str:
        """``delivered``, ``failed`` (gave up), ``pending`` (waiting for its turn or its next attempt)."""
        if self.delivered_at is not None:
            return "delivered"
        if self.gave_up_at is not None:
            return "failed"
        return "pending"


class Callback(models.Model):
    """A call-back (CH-PRO, PO-2, PT-2): Atiende calls the customer back, within their window.

    Its contact (``contact``) is an outbound phone contact in the queue, served in arrival order (a call
    accepted on the phone keeps its caller's place): routing gives it to a technician and the PBX is told to
    dial (:mod:`atiende.telephony.dial`). ``not_before`` holds it out of routing until the window opens or
    the next retry is due. See :mod:`atiende.telephony.callbacks`.
    """

    class Status(models.TextChoices):
        PENDING = "pendiente", _("Pending")  # in the queue (or waiting for its window or its next retry)
        DIALLING = "marcando", _("Dialling")
        CONNECTED = "conectada", _("Connected")  # the customer answered: a call with the technician
        FAILED = "fallida", _("Failed")
        CANCELLED = "cancelada", _("Cancelled")

    class Origin(models.TextChoices):
        PHONE = "telefono", _("Offered on the phone")
        PORTAL = "portal", _("Customer portal")
        CHAT = "chat", _("Chat")
        STAFF = "personal", _("Staff")

    contact = models.OneToOneField("contact.Contact", on_delete=models.PROTECT, related_name="callback")
    customer = models.ForeignKey("desk.Customer", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="callbacks", verbose_name=_("customer"))
    work_order = models.ForeignKey("desk.WorkOrder", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="callbacks", verbose_name=_("work order"))
    commitment = models.OneToOneField("desk.Commitment", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="callback", verbose_name=_("commitment"))
    number = models.CharField(_("number to call"), max_length=20)
    # Accepted on the phone: the PBX's id of the caller's own call (its hang-up, after the dial took the
    # contact's call id, still finds the call-back and changes nothing).
    phone_call_id = models.CharField(_("caller's call id"), max_length=120, blank=True, db_index=True)
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING,
                              db_index=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    requested_at = models.DateTimeField(_("requested at"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    window_start = models.DateTimeField(_("call from"))
    window_end = models.DateTimeField(_("call until"), db_index=True)
    not_before = models.DateTimeField(_("not routed before"), db_index=True)
    max_attempts = models.PositiveSmallIntegerField(_("dials at most"))
    retry_minutes = models.PositiveSmallIntegerField(_("minutes between dials"))
    attempts = models.PositiveSmallIntegerField(_("dials made"), default=0)
    first_dialled_at = models.DateTimeField(_("first dialled"), null=True, blank=True)
    last_dialled_at = models.DateTimeField(_("last dialled"), null=True, blank=True)
    last_cause = models.CharField(_("last unanswered cause"), max_length=30, blank=True)
    connected_at = models.DateTimeField(_("connected"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    failure = models.CharField(_("why it failed"), max_length=30, blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        indexes = [models.Index(fields=["requested_at"], name="telephony_callback_requested")]
        verbose_name = _("call-back")
        verbose_name_plural = _("call-backs")

    def __str__(self) -> str:
        return f"{self.number} ({self.get_status_display()})"

    @property
    def kept(self) -> bool:
        """PT-2 kept: dialled within the customer's window."""
        return self.first_dialled_at is not None and self.first_dialled_at <= self.window_end
