"""Django admin: administrators keep the caller-block list; generic CTI calls and the webhook's outbox are
listed read-only (send a delivery again with ``atiende webhooks --retry``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from atiende.errors import InputError
from atiende.privacy.admin import ReadOnlyAdmin
from atiende.telephony import webhooks
from atiende.telephony.directory import clean_pattern
from atiende.telephony.models import BlockedCaller, GenericCall, WebhookDelivery


class BlockedCallerForm(forms.ModelForm):
    class Meta:
        model = BlockedCaller
        fields = ("pattern", "reason", "active")

    def clean_pattern(self) -> str:
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


class _StatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("pending", _("pending")), ("failed", _("failed")), ("delivered", _("delivered"))]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        if self.value() == "pending":
            return queryset.filter(webhooks.PENDING)
        if self.value() == "failed":
            return queryset.filter(delivered_at__isnull=True, gave_up_at__isnull=False)
        if self.value() == "delivered":
            return queryset.filter(delivered_at__isnull=False)
        return queryset


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("id", "decision_id", "contact", "action", "status", "attempts", "next_attempt_at",
                    "last_status", "last_error", "delivered_at", "gave_up_at")
    list_filter = (_StatusFilter, "action")
    search_fields = ("decision_id", "contact__external_id")
    list_select_related = ("contact",)
    date_hierarchy = "created_at"
