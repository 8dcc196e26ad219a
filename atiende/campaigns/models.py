"""Outbound campaigns (CH-PRO): a campaign, the people on its list, each call attempt, the do-not-call list.

A campaign belongs to a queue (:class:`atiende.contact.models.Queue`): the queue's team is
the campaign's team (ET-4: who sees it, as for the queue's calls), and a reached person's
call is a contact of that queue. The people on the list (:class:`Target`) come from a
CSV file or a filter of the desk's customers; each keeps its number in E.164, the time
zones it is called by (:mod:`atiende.campaigns.core.hours`), where it stands
(:class:`~atiende.campaigns.core.TargetStatus`) and, while a technician previews it,
who holds it. Each try is an :class:`Attempt`, kept for the reports.
"""

from __future__ import annotations

from datetime import time
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from atiende.campaigns.core import Outcome as CoreOutcome
from atiende.campaigns.core import TargetStatus as CoreStatus


def _choices(name: str, members: Any) -> Any:
    """Django choices for one of the core's enums, its values stored, labels translated here."""
    return models.TextChoices(name, [(member.name, (member.value, label)) for member, label in members])  # type: ignore[call-overload]


TargetStatus = _choices("TargetStatus", (
    (CoreStatus.PENDING, _("To call")), (CoreStatus.SCHEDULED, _("Scheduled")), (CoreStatus.REACHED, _("Reached")),
    (CoreStatus.REFUSED, _("Refused")), (CoreStatus.WRONG_NUMBER, _("Wrong number")),
    (CoreStatus.EXHAUSTED, _("No answer (tries used up)")), (CoreStatus.DO_NOT_CALL, _("Do not call"))))
Outcome = _choices("Outcome", (
    (CoreOutcome.REACHED, _("Reached")), (CoreOutcome.NO_ANSWER, _("No answer")),
    (CoreOutcome.CALL_BACK, _("Call back later")), (CoreOutcome.REFUSED, _("Refused")),
    (CoreOutcome.WRONG_NUMBER, _("Wrong number"))))


def _weekdays() -> list[int]:
    return [0, 1, 2, 3, 4]


class Campaign(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        FINISHED = "finished", _("Finished")

    name = models.CharField(_("name"), max_length=120)
    queue = models.ForeignKey("contact.Queue", on_delete=models.PROTECT, related_name="campaigns",
                              verbose_name=_("queue"))
    purpose = models.CharField(_("purpose"), max_length=300, blank=True)
    script = models.TextField(_("script"), blank=True)
    # The language assistant's findings on the script when it was last saved (the composer's shape).
    script_findings = models.JSONField(default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    calling_from = models.TimeField(_("call from (customer's time)"), default=time(9, 0))
    calling_until = models.TimeField(_("call until (customer's time)"), default=time(20, 0))
    calling_days = models.JSONField(_("calling days"), default=_weekdays,
                                    help_text=_("Weekdays, 0 = Monday ... 6 = Sunday."))
    max_attempts = models.PositiveSmallIntegerField(_("tries when nobody answers"), default=3)
    retry_minutes = models.PositiveIntegerField(_("minutes between tries"), default=120)
    technicians = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="campaigns",
                                         verbose_name=_("technicians"),
                                         help_text=_("Who works the list; nobody named: the queue's technicians."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        return self.name


class Target(models.Model):
    """A person on a campaign's list: who, the number, the clock they are called by, where they stand."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="targets")
    line = models.PositiveIntegerField(_("line"), null=True, blank=True)  # the CSV line, for the supervisor
    customer = models.ForeignKey("desk.Customer", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="campaign_targets")
    name = models.CharField(_("name"), max_length=200)
    address_as = models.CharField(_("form of address"), max_length=10, blank=True)
    phone = models.CharField(_("phone as given"), max_length=60)
    number = models.CharField(_("number"), max_length=40)  # E.164
    zones = models.CharField(_("time zones"), max_length=200)  # comma-separated IANA names
    zone_source = models.CharField(_("time zone from"), max_length=12)
    note = models.CharField(_("note"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=TargetStatus.choices, default=CoreStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("tries"), default=0)
    next_attempt_at = models.DateTimeField(_("next try"), null=True, blank=True)
    held_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")  # in preview at this technician
    held_at = models.DateTimeField(null=True, blank=True)
    call_back_with = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+")  # a call-back goes to who agreed it, first
    last_outcome = models.CharField(_("last outcome"), max_length=12, choices=Outcome.choices, blank=True)
    work_order = models.ForeignKey("desk.WorkOrder", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="campaign_targets")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "number"], name="campaign_number_once")]
        indexes = [models.Index(fields=["campaign", "status", "next_attempt_at"], name="campaign_next_idx")]
        verbose_name = _("person to call")
        verbose_name_plural = _("people to call")

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"

    @property
    def zone_list(self) -> list[str]:
        return [z for z in self.zones.split(",") if z]


class RejectedRow(models.Model):
    """A CSV line that was not imported, as it was, with its problems: nothing of the file is lost."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="rejected_rows")
    line = models.PositiveIntegerField(_("line"))
    raw = models.TextField(_("line as written"))
    problems = models.JSONField(default=list)  # [{"field", "code", "es", "en"}]
    file_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]


class Attempt(models.Model):
    """One try at one person: the technician who previewed and dialled, when, and what came of it."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="tries")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="attempts")
    technician = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    dialled_at = models.DateTimeField(_("dialled at"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)
    call_back_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    contact = models.ForeignKey("contact.Contact", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="campaign_attempts")

    class Meta:
        ordering = ["dialled_at", "id"]
        indexes = [models.Index(fields=["campaign", "dialled_at"], name="campaign_attempt_idx")]


class DoNotCall(models.Model):
    """The do-not-call list: numbers a campaign never dials (beside the customer's own flag)."""

    number = models.CharField(_("number"), max_length=40, unique=True)  # E.164, as Target.number
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-added_at"]
        verbose_name = _("do-not-call number")
        verbose_name_plural = _("do-not-call list")

    def __str__(self) -> str:
        return self.number
