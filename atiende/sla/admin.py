"""Service levels in the admin: policies, team calendars with their holidays, and the alerts (read-only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext as _

from atiende.sla.core.calendar import CalendarError, parse_hours, zone
from atiende.sla.models import WEEKDAYS, Holiday, SlaAlert, SlaPolicy, TeamCalendar


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "priority", "team", "organisation", "first_response_minutes", "resolution_minutes",
                    "rank", "active")
    list_filter = ("active", "priority", "team")


class TeamCalendarForm(ModelForm):
    class Meta:
        model = TeamCalendar
        fields = "__all__"

    def clean_time_zone(self) -> str:
        value = str(self.cleaned_data["time_zone"]).strip()
        try:
            zone(value)
        except CalendarError as exc:
            raise ValidationError(_("Unknown time zone: %(name)s (use an IANA name such as Europe/Madrid).")
                                  % {"name": value}) from exc
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opened = False
        for day in WEEKDAYS:
            try:
                opened = bool(parse_hours(data.get(day) or "")) or opened
            except CalendarError:
                self.add_error(day, _("Write the open hours as 09:00-14:00, 15:00-18:00 (blank: closed)."))
        if not opened and not self.errors:
            raise ValidationError(_("The calendar must be open some hours of the week."))
        return data


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 1


@admin.register(TeamCalendar)
class TeamCalendarAdmin(admin.ModelAdmin):
    form = TeamCalendarForm
    list_display = ("team", "time_zone", *WEEKDAYS)
    inlines = [HolidayInline]


@admin.register(SlaAlert)
class SlaAlertAdmin(admin.ModelAdmin):
    list_display = ("work_order", "clock", "kind", "at", "due_at")
    list_filter = ("clock", "kind")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
