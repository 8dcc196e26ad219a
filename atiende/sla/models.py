"""Service-level policies, team calendars and each work order's SLA clocks (wraps ``sla/core``).

``SlaPolicy`` and ``TeamCalendar`` are what an administrator sets in the admin.
``WorkOrderSla`` keeps, per work order, the targets that applied and the facts and
instants read from its history (``services.refresh``): when it was first answered,
when it was resolved, its pauses, when each clock warns and comes due, and whether
it breached, so lists and reports filter and count them in SQL. ``SlaAlert`` is
each warning (80 %) and breach raised, once per work order and clock.
"""

from __future__ import annotations

from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from atiende.desk.models import Priority

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MINUTES_LIMIT = 10 * 366 * 24 * 60  # ten years of business minutes: more is a typing mistake


def _minutes(label: Any, help_text: Any) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(label, null=True, blank=True, help_text=help_text,
                                       validators=[MinValueValidator(1), MaxValueValidator(MINUTES_LIMIT)])


class SlaPolicy(models.Model):
    """Targets for the work orders that match; the most specific policy applies (core/policy.py)."""

    name = models.CharField(_("name"), max_length=120)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, blank=True,
                                help_text=_("Blank: any priority."))
    team = models.ForeignKey("people.Team", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="sla_policies", verbose_name=_("queue (team)"),
                             help_text=_("Blank: any queue."))
    organisation = models.ForeignKey("desk.Organisation", null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="sla_policies", verbose_name=_("organisation"),
                                     help_text=_("Blank: any organisation."))
    first_response_minutes = _minutes(_("first response within (business minutes)"),
                                      _("Blank: no first-response target."))
    resolution_minutes = _minutes(_("resolution within (business minutes)"), _("Blank: no resolution target."))
    rank = models.PositiveIntegerField(_("order"), default=0,
                                       help_text=_("Among equally specific policies the lowest order applies."))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["rank", "id"]
        verbose_name = _("service-level policy")
        verbose_name_plural = _("service-level policies")

    def __str__(self) -> str:
        return self.name


class TeamCalendar(models.Model):
    """A team's business hours and time zone; without one, a team's clock runs all day, every day."""

    team = models.OneToOneField("people.Team", on_delete=models.CASCADE, related_name="calendar",
                                verbose_name=_("team"))
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Madrid",
                                 help_text=_("IANA name, e.g. Europe/Madrid, America/Mexico_City."))
    monday = models.CharField(_("Monday"), max_length=100, blank=True, default="09:00-18:00")
    tuesday = models.CharField(_("Tuesday"), max_length=100, blank=True, default="09:00-18:00")
    wednesday = models.CharField(_("Wednesday"), max_length=100, blank=True, default="09:00-18:00")
    thursday = models.CharField(_("Thursday"), max_length=100, blank=True, default="09:00-18:00")
    friday = models.CharField(_("Friday"), max_length=100, blank=True, default="09:00-18:00")
    saturday = models.CharField(_("Saturday"), max_length=100, blank=True, default="")
    sunday = models.CharField(_("Sunday"), max_length=100, blank=True, default="")

    class Meta:
        verbose_name = _("team calendar")
        verbose_name_plural = _("team calendars")

    def __str__(self) -> str:
        return f"{self.team} ({self.time_zone})"


class Holiday(models.Model):
    calendar = models.ForeignKey(TeamCalendar, on_delete=models.CASCADE, related_name="holidays",
                                 verbose_name=_("calendar"))
    day = models.DateField(_("day"))
    name = models.CharField(_("name"), max_length=120, blank=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        constraints = [models.UniqueConstraint(fields=["calendar", "day"], name="sla_holiday_once")]


class ClockName(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    RESOLUTION = "resolution", _("Resolution")


class WorkOrderSla(models.Model):
    work_order = models.OneToOneField("desk.WorkOrder", on_delete=models.CASCADE, primary_key=True,
                                      related_name="sla", verbose_name=_("work order"))
    policy = models.ForeignKey(SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    first_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(null=True, blank=True)
    started_at = models.DateTimeField()
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    pauses = models.JSONField(default=list, blank=True)  # [[start ISO, end ISO or null], ...]
    paused = models.BooleanField(default=False)
    first_response_due = models.DateTimeField(null=True, blank=True)
    resolution_due = models.DateTimeField(null=True, blank=True)
    first_response_state = models.CharField(max_length=10, default="none")
    resolution_state = models.CharField(max_length=10, default="none")
    first_response_breached = models.BooleanField(default=False)
    resolution_breached = models.BooleanField(default=False)
    # Business seconds from the work order's creation to its first response and to its resolution (pauses
    # left out), as the team's calendar counted them when the clock stopped: reports average them in SQL.
    first_response_seconds = models.FloatField(null=True, blank=True)
    resolution_seconds = models.FloatField(null=True, blank=True)
    # The next instant a warning or a breach may have to be raised (the worker looks then).
    next_check_at = models.DateTimeField(null=True, blank=True, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("work order service level")
        verbose_name_plural = _("work order service levels")

    @property
    def breached(self) -> bool:
        return self.first_response_breached or self.resolution_breached


class SlaAlert(models.Model):
    class Kind(models.TextChoices):
        WARNING = "warning", _("Warning (80 %)")
        BREACH = "breach", _("Breach")

    work_order = models.ForeignKey("desk.WorkOrder", on_delete=models.CASCADE, related_name="sla_alerts",
                                   verbose_name=_("work order"))
    clock = models.CharField(_("clock"), max_length=16, choices=ClockName.choices)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("service-level alert")
        verbose_name_plural = _("service-level alerts")
        constraints = [models.UniqueConstraint(fields=["work_order", "clock", "kind"], name="sla_alert_once")]
