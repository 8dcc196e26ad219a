"""Customers and work orders ("solicitudes de trabajo").

Models hold data and invariants only; what changes them lives in
``services/`` (one module per noun) and what reads them in ``selectors.py``.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from atiende.telephony.numbers import normalise_number


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    team = models.ForeignKey(
        "people.Team", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="organisations", verbose_name=_("team"),
        help_text=_("The team that serves this organisation."),
    )
    # CH-PRO: outbound calls respect the customer's clock; an organisation's zone serves its customers.
    time_zone = models.CharField(_("time zone"), max_length=60, blank=True,
                                 help_text=_("IANA name, e.g. Europe/Madrid, America/Mexico_City."))

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class KnowledgeLevel(models.TextChoices):
    """CO-3: how much the customer knows about computers."""

    BASIC = "basico", _("Basic")
    INTERMEDIATE = "intermedio", _("Intermediate")
    ADVANCED = "avanzado", _("Advanced")


class FormOfAddress(models.TextChoices):
    """PH-5: the form of address used in the customer's country."""

    SR = "Sr.", "Sr."
    SRA = "Sra.", "Sra."
    SRTA = "Srta.", "Srta."
    DON = "Don", "Don"
    DONA = "Doña", "Doña"
    DR = "Dr.", "Dr."
    DRA = "Dra.", "Dra."
    NONE = "", _("(none)")


class Customer(models.Model):
    name = models.CharField(_("name"), max_length=200)
    address_as = models.CharField(
        _("form of address"), max_length=10, choices=FormOfAddress.choices, blank=True
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="customers", verbose_name=_("organisation"),
    )
    country = models.CharField(_("country"), max_length=2, blank=True, help_text=_("ISO code, e.g. ES, MX, AR."))
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="es"
    )
    knowledge_level = models.CharField(
        _("knowledge level"), max_length=12, choices=KnowledgeLevel.choices, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    # CH-PRO: the customer's own clock for outbound calls (else their organisation's, else their number's).
    time_zone = models.CharField(_("time zone"), max_length=60, blank=True,
                                 help_text=_("IANA name, e.g. Europe/Madrid, America/Mexico_City."))
    # CH-PRO: the customer asked not to be called by campaigns (the do-not-call list holds numbers too).
    do_not_call = models.BooleanField(_("do not call"), default=False,
                                      help_text=_("Campaigns never call this customer."))
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="customer", verbose_name=_("portal account"),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return self.greeting_name

    @property
    def greeting_name(self) -> str:
        """CO-1 / PH-5: the name to greet with, e.g. "Doña Carmen Ruiz"."""
        return f"{self.address_as} {self.name}".strip()


class ContactPoint(models.Model):
    class Kind(models.TextChoices):
        EMAIL = "email", _("Email")
        PHONE = "telefono", _("Phone")
        MOBILE = "movil", _("Mobile")
        ADDRESS = "direccion", _("Postal address")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contact_points")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    value = models.CharField(_("value"), max_length=254)
    preferred = models.BooleanField(_("preferred"), default=False)
    # The phone as the telephony compares it (digits, + for the international
    # prefix), so an incoming call finds its customer with one indexed lookup;
    # blank for emails and addresses. Kept in step by save() and phone_number().
    number = models.CharField(_("number"), max_length=254, blank=True, default="", editable=False)

    class Meta:
        ordering = ["-preferred", "kind", "id"]
        verbose_name = _("contact point")
        verbose_name_plural = _("contact points")
        indexes = [models.Index(fields=["kind", "value"]), models.Index(fields=["number"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"

    @staticmethod
    def phone_number(kind: str, value: str) -> str:
        """The normalised number of a phone or mobile, blank for any other kind."""
        if kind not in (ContactPoint.Kind.PHONE, ContactPoint.Kind.MOBILE):
            return ""
        return normalise_number(value or "", settings.ATIENDE_DEFAULT_REGION)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.number = self.phone_number(self.kind, self.value)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and ("value" in update_fields or "kind" in update_fields):
            kwargs["update_fields"] = {*update_fields, "number"}
        super().save(*args, **kwargs)


class TraitObservation(models.Model):
    """A difficult-customer trait seen in a contact (CT-*), kept as history."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="trait_observations")
    trait = models.CharField(_("trait"), max_length=10)  # CT-LOC, CT-DES, CT-ENF, CT-ENT, CT-INX
    score = models.FloatField(_("score"), validators=[MinValueValidator(0), MaxValueValidator(1)])
    evidence = models.JSONField(_("evidence"), default=list, blank=True)
    work_order = models.ForeignKey(
        "WorkOrder", null=True, blank=True, on_delete=models.SET_NULL, related_name="trait_observations"
    )
    observed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-observed_at"]
        verbose_name = _("trait observation")
        verbose_name_plural = _("trait observations")


class Channel(models.TextChoices):
    """CH-*: how the request reached us."""

    IN_PERSON = "presencial", _("In person")
    PHONE = "telefonico", _("Phone")
    EMAIL = "email", _("Email")
    PORTAL = "portal", _("Web portal")
    CHAT = "chat", _("Chat")


class Direction(models.TextChoices):
    REACTIVE = "reactivo", _("Reactive (inbound)")  # CH-REA
    PROACTIVE = "proactivo", _("Proactive (outbound)")  # CH-PRO


class Phase(models.TextChoices):
    """SP-1: identificación → satisfacción → cierre."""

    IDENTIFICATION = "identificacion", _("Identification")
    SATISFACTION = "satisfaccion", _("Satisfaction")
    CLOSURE = "cierre", _("Closure")


class Priority(models.TextChoices):
    LOW = "baja", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "alta", _("High")
    URGENT = "urgente", _("Urgent")


class WorkOrder(models.Model):
    """A "solicitud de trabajo": everything gathered about one request (AL-6)."""

    number = models.PositiveIntegerField(_("number"), unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="work_orders", verbose_name=_("customer")
    )
    # CH-DIR / CH-IND: who asks and who decides. When they differ both are kept informed.
    requester = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT,
        related_name="requested_work_orders", verbose_name=_("requester"),
    )
    decision_maker = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT,
        related_name="decided_work_orders", verbose_name=_("decision maker"),
    )
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices, default=Channel.PHONE)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.REACTIVE
    )
    equipment_type = models.CharField(_("equipment"), max_length=100, blank=True)
    os_name = models.CharField(_("operating system"), max_length=100, blank=True)
    os_version = models.CharField(_("OS version"), max_length=50, blank=True)
    knowledge_level = models.CharField(
        _("customer's knowledge level"), max_length=12, choices=KnowledgeLevel.choices, blank=True
    )
    problem_story = models.TextField(_("problem story"), blank=True)
    paraphrase = models.TextField(_("paraphrase"), blank=True)
    phase = models.CharField(
        _("phase"), max_length=16, choices=Phase.choices, default=Phase.IDENTIFICATION, db_index=True
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL, db_index=True
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="assigned_work_orders", verbose_name=_("assignee"),
    )
    team = models.ForeignKey(
        "people.Team", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="work_orders", verbose_name=_("team"),
    )
    resolution = models.TextField(_("resolution"), blank=True)
    # SP-1 / SP-4: the contact in which the customer confirmed the outcome.
    closing_contact_at = models.DateTimeField(_("closing contact at"), null=True, blank=True)
    closing_contact_channel = models.CharField(
        _("closing contact channel"), max_length=12, choices=Channel.choices, blank=True
    )
    closing_contact_note = models.TextField(_("closing contact note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="created_work_orders",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Set when the help desk answers the customer publicly and the next move is theirs; cleared
    # when the customer writes back (the reply "wakes" the work order). Not an edit: no version bump.
    awaiting_customer_since = models.DateTimeField(_("awaiting the customer since"), null=True, blank=True)
    # Optimistic concurrency: every change must name the version it read.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        # closed_at: reports read the work orders closed in a period (first-contact resolution).
        indexes = [models.Index(fields=["phase", "priority", "created_at"]),
                   models.Index(fields=["closed_at"], name="desk_wo_closed_idx")]

    def __str__(self) -> str:
        return f"#{self.number} {self.title}"

    @property
    def is_indirect(self) -> bool:
        """CH-IND: the person asking is not the one who decides."""
        return (
            self.decision_maker_id is not None
            and self.decision_maker_id != (self.requester_id or self.customer_id)
        )


class ClosedQuestion(models.Model):
    """AL-5: a closed question asked during identification, with its answer."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="closed_questions")
    question = models.CharField(_("question"), max_length=300)
    answer = models.CharField(_("answer"), max_length=300, blank=True)
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    asked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["asked_at", "id"]
        verbose_name = _("closed question")
        verbose_name_plural = _("closed questions")


class Commitment(models.Model):
    """PT-2: a promise to the customer, with the time it is due, tracked until kept."""

    class Status(models.TextChoices):
        PENDING = "pendiente", _("Pending")
        KEPT = "cumplido", _("Kept")
        MISSED = "incumplido", _("Missed")
        CANCELLED = "cancelado", _("Cancelled")

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="commitments")
    description = models.CharField(_("description"), max_length=300)
    due_at = models.DateTimeField(_("due at"), db_index=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="commitments"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    alerted_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the missed-commitment alert was raised.")
    )
    reminded_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When its owner was reminded that it comes due.")
    )

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")


class SatisfactionSurvey(models.Model):
    """SP-4: the customer's verdict, asked when the work order closes."""

    work_order = models.OneToOneField(WorkOrder, on_delete=models.CASCADE, related_name="survey")
    token = models.CharField(max_length=64, unique=True)
    sent_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("rating"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    resolved = models.BooleanField(_("problem solved"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")


class Counter(models.Model):
    """A named sequence (work order numbers). Incremented with a row lock, so
    concurrent creations never share a number on PostgreSQL or SQLite."""

    name = models.CharField(max_length=40, unique=True)
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("counter")
        verbose_name_plural = _("counters")

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class CustomerEvent(models.Model):
    """One line of a customer record's history (ET-4: who changed customer data)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    kind = models.CharField(max_length=40)  # created, changed, contact_points
    changes = models.JSONField(default=dict, blank=True)  # {"field": [old, new]}
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("customer history entry")
        verbose_name_plural = _("customer history")


class WorkOrderEvent(models.Model):
    """One line of a work order's history: who changed what, when."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    kind = models.CharField(max_length=40)  # created, changed, phase, question, commitment, survey...
    changes = models.JSONField(default=dict, blank=True)  # {"field": [old, new]}
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("history entry")
        verbose_name_plural = _("history")


def attachment_storage_name(instance: Any, filename: str) -> str:
    """Where an attachment's bytes live under ``MEDIA_ROOT``: a random name with no extension.

    The name the user gave is kept in ``Attachment.filename`` only; it never becomes part
    of a path, so it can neither escape the folder nor be run by a web server.
    """
    key = secrets.token_hex(16)
    return f"attachments/{key[:2]}/{key}"


class MessageDirection(models.TextChoices):
    INBOUND = "in", _("From the customer")
    OUTBOUND = "out", _("From the help desk")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public reply")
    INTERNAL = "internal", _("Internal note")  # ET-4: never shown to the customer


class Message(models.Model):
    """One message of a work order's conversation, whatever channel carried it (CH-VIR).

    ``body`` is the plain text shown; ``body_html`` the sanitised HTML when it came as
    HTML; ``original`` the full text or HTML when quoted history or a signature was cut
    from what is shown. Internal notes are for the help desk staff only.
    """

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="messages",
                                   verbose_name=_("work order"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="messages", verbose_name=_("author"),
    )
    # A sender with no account (an email from an address): who they said they were.
    author_name = models.CharField(_("author's name"), max_length=200, blank=True)
    author_email = models.CharField(_("author's email"), max_length=254, blank=True)
    direction = models.CharField(_("direction"), max_length=3, choices=MessageDirection.choices)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    visibility = models.CharField(_("visibility"), max_length=8, choices=Visibility.choices,
                                  default=Visibility.PUBLIC)
    body = models.TextField(_("text"), blank=True)
    body_html = models.TextField(_("HTML"), blank=True)
    original = models.TextField(_("original"), null=True, blank=True)
    # RFC 5322 Message-ID (without angle brackets) and what it answered, for threading email.
    message_id = models.CharField(_("Message-ID"), max_length=998, null=True, blank=True, unique=True)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=998, blank=True)
    # NT / DN / PT-2: what the language assistant found in a public reply that was sent anyway.
    checked_findings = models.JSONField(_("findings sent anyway"), default=list, blank=True)
    created_at = models.DateTimeField(_("written at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [models.Index(fields=["work_order", "created_at"])]

    def __str__(self) -> str:
        return f"#{self.work_order_id} {self.direction} {self.visibility} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_internal(self) -> bool:
        return self.visibility == Visibility.INTERNAL

    @property
    def sender_name(self) -> str:
        """The name to show: the account's, else the one the sender gave, else their address."""
        if self.author is not None:
            return str(getattr(self.author, "display_name", "") or self.author.get_username())
        return self.author_name or self.author_email


class Attachment(models.Model):
    """A file attached to a work order (a screenshot, a log), checked before it was stored."""

    work_order = models.ForeignKey(
        WorkOrder, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("work order")
    )
    file = models.FileField(_("stored file"), upload_to=attachment_storage_name, max_length=200)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="uploaded_attachments", verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    # ET-4: an internal file (a log naming internal hosts) is for the help desk staff only;
    # the customer never sees it listed nor can download it. Files customers attach never are.
    internal = models.BooleanField(
        _("internal"), default=False, help_text=_("Only the help desk staff see it; never the customer."))
    # The message it came with, if any (an email's files, a reply's screenshot).
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="attachments", verbose_name=_("message"))

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename

