"""Django admin: administrators keep the caller-block list; generic CTI calls are listed read-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from atiende.errors import InputError
from atiende.telephony.models import BlockedCaller, GenericCall


class BlockedCallerForm(forms.ModelForm):
    class Meta:
        model = BlockedCaller
        fields = ("pattern", "reason", "active")

    def clean_pattern(self) -> str:
        from atiende.telephony.services import clean_pattern

        try:
            return clean_pattern(self.cleaned_data["pattern"])
        except InputError as exc:
            raise forms.ValidationError(str(exc.message)) from None


@admin.register(BlockedCaller)
class BlockedCallerAdmin(admin.ModelAdmin):
    form = BlockedCallerForm
    list_display = ("pattern", "reason", "active", "created_by", "created_at")
    list_filter = ("active",)
    search_fields = ("pattern", "reason")
    readonly_fields = ("created_by", "created_at")

    def save_model(self, request: HttpRequest, obj: BlockedCaller, form: Any, change: bool) -> None:
        if not change and obj.created_by_id is None:
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


@admin.register(GenericCall)
class GenericCallAdmin(admin.ModelAdmin):
    list_display = ("call_id", "direction", "caller", "callee", "technician", "last_event", "outcome", "created_at")
    list_filter = ("direction", "last_event", "outcome")
    search_fields = ("call_id", "caller", "callee")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
