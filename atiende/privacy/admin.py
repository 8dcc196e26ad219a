"""Administration pages: consents and the audit trail to read, never to edit (ET-4).

Vault secrets are listed by label only; their ciphertext is never shown and
nothing here can reveal them (that is the assignee's, through the API, after
consent).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from atiende.privacy.models import AuditEntry, Consent, LoginThrottle, VaultSecret


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["seq", "at", "actor_name", "action", "object_type", "object_id"]
    list_filter = ["action"]
    search_fields = ["actor_name", "action", "object_id"]
    ordering = ["-seq"]


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdmin):
    list_display = ["customer", "scope", "method", "work_order", "contact_ref", "given_at", "withdrawn_at",
                    "recorded_by"]
    list_filter = ["scope", "method"]
    raw_id_fields = ["customer", "work_order"]


@admin.register(VaultSecret)
class VaultSecretAdmin(ReadOnlyAdmin):
    list_display = ["label", "kind", "work_order", "admin_account", "created_at", "purged_at"]
    exclude = ["ciphertext"]
    list_filter = ["kind"]


@admin.register(LoginThrottle)
class LoginThrottleAdmin(admin.ModelAdmin):
    """An administrator can lift a lock early by deleting the row."""

    list_display = ["kind", "key", "failures", "last_failure_at", "locked_until"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
