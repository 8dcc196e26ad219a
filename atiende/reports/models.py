"""Reports sent by email on a schedule (weekly or monthly), through the mail outbox."""

from __future__ import annotations

from django.conf import settings
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


# ---- the calls added up by hour (reports/rollup.py) ------------------------------------------------

class CallHour(models.Model):
    """The phone calls that arrived in one UTC hour, added up by queue, the customer's organisation,
    technician, direction and local day of the answer: what ``aggregates.call_facts`` adds up from the calls,
    kept so that a report over a million calls reads a few thousand of these (issue 20). Written only by
    ``rollup.roll_up_calls`` for hours of :class:`CallHourBuilt`; read only for hours still current."""

    hour = models.DateTimeField()
    queue = models.ForeignKey("contact.Queue", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    organisation_id = models.BigIntegerField(null=True)  # the customer's, when the hour was added up
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.DO_NOTHING,
                                 db_constraint=False, related_name="+")
    outbound = models.BooleanField()
    day = models.IntegerField(null=True)  # days since 1970-01-01 of the answer's local date (zone: CallHourBuilt)
    # The limits the counts below were judged against (microseconds): read only while they are still the
    # queue's and organisation's (contact.selectors.policy_for); otherwise the calls are read instead.
    wait_limit_us = models.BigIntegerField()
    call_limit_us = models.BigIntegerField()
    offered = models.IntegerField()
    answered = models.IntegerField()
    abandoned = models.IntegerField()
    wait_us = models.BigIntegerField()
    handled = models.IntegerField()
    handle_us = models.BigIntegerField()
    po1 = models.IntegerField()
    po2_met = models.IntegerField()
    po2_late = models.IntegerField()
    transferred = models.IntegerField()
    transfers = models.BigIntegerField()
    with_hold = models.IntegerField()
    holds = models.BigIntegerField()
    hold_seconds = models.FloatField()
    hold_overruns = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["hour"], name="reports_callhour_hour_idx")]


class CallHourBuilt(models.Model):
    """An hour whose calls are in :class:`CallHour`, added up when :class:`CallHourChange` had ``version``
    for it, with local days in ``zone``. The hour is current while the change's version is still that."""

    hour = models.DateTimeField(primary_key=True)
    version = models.BigIntegerField(default=0)
    zone = models.CharField(max_length=64)
    built_at = models.DateTimeField()


class CallHourChange(models.Model):
    """Bumped whenever a call of an hour older than a day is written (on PostgreSQL once per transaction): by a
    database trigger on contact_contact (migrations reports/0005, 0006), so no code path that writes calls (a
    save, an ``update()``, a delete, a cascade) can leave an hour's sums stale unnoticed. Calls younger than
    a day (every live call) do not touch it: their hours are not added up yet."""

    hour = models.DateTimeField(primary_key=True)
    version = models.BigIntegerField(default=0)
    # PostgreSQL: the transaction that bumped ``version`` last. A transaction bumps an hour once, however many
    # of its calls it writes (an import of a million old calls in one statement would otherwise rewrite the
    # same row a million times, each time behind a longer chain of its own dead versions).
    last_txid = models.BigIntegerField(null=True)
