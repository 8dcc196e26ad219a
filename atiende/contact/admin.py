"""Django admin: the telephony webhook's outbox, read-only (send one again with ``atiende webhooks --retry``)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from atiende.contact import webhooks
from atiende.contact.models import WebhookDelivery
from atiende.privacy.admin import ReadOnlyAdmin


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
