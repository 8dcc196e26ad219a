"""Scheduled reports in the admin: which report, how often, to whom."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.forms import ModelForm
from django.utils.translation import gettext as _

from atiende.reports.models import ScheduledReport


class ScheduledReportForm(ModelForm):
    class Meta:
        model = ScheduledReport
        fields = ["report", "frequency", "recipients", "team", "language", "active"]

    def clean_recipients(self) -> str:
        addresses = [a.strip() for a in str(self.cleaned_data["recipients"]).split(",") if a.strip()]
        if not addresses:
            raise ValidationError(_("Give at least one email address."))
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError:
                raise ValidationError(_("%(value)s is not a valid email address.") % {"value": address}) from None
        return ", ".join(addresses)


@admin.register(ScheduledReport)
class ScheduledReportAdmin(admin.ModelAdmin):
    form = ScheduledReportForm
    list_display = ("report", "frequency", "recipients", "team", "language", "active", "last_period_start")
    list_filter = ("frequency", "active")
