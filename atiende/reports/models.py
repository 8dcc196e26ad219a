"""Reports sent by email on a schedule (weekly or monthly), through the mail outbox."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from atiende.reports.core.catalogue import REPORTS


class ScheduledReport(models.Model):
    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Weekly (Monday, the week before)")
        MONTHLY = "monthly", _("Monthly (the 1st, the month before)")

    report = models.CharField(_("report"), max_length=40, choices=[(name, name) for name in REPORTS])
    frequency = models.CharField(_("frequency"), max_length=8, choices=Frequency.choices, default=Frequency.WEEKLY)
    recipients = models.TextField(_("recipients"), help_text=_("Email addresses, separated by commas."))
    team = models.ForeignKey("people.Team", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="scheduled_reports", verbose_name=_("team"),
                             help_text=_("Blank: every team."))
    language = models.CharField(_("language"), max_length=2, choices=[("es", "Español"), ("en", "English")],
                                default="es")
    active = models.BooleanField(_("active"), default=True)
    # The first day of the last period sent: a period is sent once, however many workers look.
    last_period_start = models.DateField(_("last period sent"), null=True, blank=True)

    class Meta:
        ordering = ["report", "id"]
        verbose_name = _("scheduled report")
        verbose_name_plural = _("scheduled reports")

    def __str__(self) -> str:
        return f"{self.report} ({self.get_frequency_display()})"
