"""Scorecards of finished contacts, supervisors' overrides and technicians' answers to them.

Everything here is append-only except the card's own score columns: an
override never rewrites the scorer's items (the original status stays beside
the supervisor's), and ``final_score`` is recomputed from the items and every
override so trends read the calibrated figure.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from atiende.operations.logs import current_request_id


class Channel(models.TextChoices):
    PHONE = "telefonico", _("Phone")
    WALK_IN = "presencial", _("Walk-in")
    EMAIL = "email", _("Email")
    CHAT = "chat", _("Chat")


class Source(models.TextChoices):
    CONTACT = "contact", _("Contact that ended")
    UPLOAD = "upload", _("Uploaded transcript")


class ContactTranscript(models.Model):
    """What was said in a call, as the telephony side or the technician supplied it (redacted, ET-3)."""

    contact = models.OneToOneField("contact.Contact", on_delete=models.CASCADE, related_name="transcript")
    customer = models.JSONField(default=dict, blank=True)  # {"name", "address_as"} when the caller is known
    # SPEC speech events: {"t" (seconds since the answer), "speaker", "text", "end"?}
    turns = models.JSONField(default=list)
    supplied_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("contact transcript")
        verbose_name_plural = _("contact transcripts")


class Scorecard(models.Model):
    contact = models.OneToOneField("contact.Contact", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="scorecard")
    work_order = models.ForeignKey("desk.WorkOrder", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="scorecards", verbose_name=_("work order"))
    technician = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="scorecards", verbose_name=_("technician"))
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.CONTACT)
    transcript = models.JSONField(_("transcript"))  # SPEC format, redacted before storing (ET-3, NT-3)
    score = models.PositiveSmallIntegerField(_("score"))  # the scorer's own total
    final_score = models.PositiveSmallIntegerField(_("score after calibration"))
    # The scorer's items: {"rule", "status", "evidence", "at", "coaching_es", "coaching_en", "note"}
    items = models.JSONField(_("items"))
    coaching = models.JSONField(_("coaching"), default=dict)  # {"es": [...], "en": [...]} as scored
    language_available = models.BooleanField(default=True)
    scored_at = models.DateTimeField(_("scored at"), default=timezone.now, db_index=True)
    scorer_version = models.CharField(_("scorer version"), max_length=40)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["-scored_at", "-id"]
        indexes = [models.Index(fields=["technician", "scored_at"])]
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")

    def __str__(self) -> str:
        return f"#{self.pk} {self.final_score}"


class ItemOverride(models.Model):
    """A supervisor's correction of one item, with the comment that explains it (calibration)."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="overrides")
    rule = models.CharField(_("rule"), max_length=12)
    original_status = models.CharField(_("scorer's status"), max_length=8)
    new_status = models.CharField(_("new status"), max_length=8)
    comment = models.TextField(_("comment"))
    supervisor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("supervisor"))
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("item override")
        verbose_name_plural = _("item overrides")


class Answer(models.TextChoices):
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    DISPUTED = "disputed", _("Disputed")


class Acknowledgement(models.Model):
    """The technician's answer to their card: acknowledged, or disputed with a comment."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="acknowledgements")
    technician = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    answer = models.CharField(_("answer"), max_length=12, choices=Answer.choices)
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("acknowledgement")
        verbose_name_plural = _("acknowledgements")


class ScoringJob(models.Model):
    """A call that ended and waits for its scorecard: stored in the ending's own transaction.

    ``atiende worker`` claims due jobs with a lease (``FOR UPDATE SKIP LOCKED``
    on PostgreSQL; SQLite has a single writer), scores the call and deletes the
    job. Ending a call therefore never waits for the scorer, and a crash after
    the commit loses nothing: the row is still there for the next worker. A
    failing call is tried ``MAX_ATTEMPTS`` times (its error kept), then left with
    ``gave_up_at`` set, listed in the admin, until someone queues it again.
    """

    contact = models.OneToOneField("contact.Contact", on_delete=models.CASCADE, related_name="scoring_job",
                                   verbose_name=_("contact"))
    created_at = models.DateTimeField(_("created"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    claimed_by = models.CharField(_("claimed by"), max_length=80, blank=True)
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    gave_up_at = models.DateTimeField(_("gave up"), null=True, blank=True)
    # The request that left this work (X-Request-ID): the worker's log lines about it carry it (docs/deploy.md).
    request_id = models.CharField(_("request id"), max_length=64, blank=True, default=current_request_id)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["next_attempt_at"], name="scorecards_job_due",
                                condition=models.Q(gave_up_at__isnull=True))]
        verbose_name = _("scoring job")
        verbose_name_plural = _("scoring jobs")

    def __str__(self) -> str:
        return f"#{self.contact_id} ({self.status})"

    @property
    def status(self) -> str:
        """``failed`` (gave up after every attempt) or ``pending`` (due, leased, or waiting to retry)."""
        return "failed" if self.gave_up_at is not None else "pending"
