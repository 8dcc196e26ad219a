"""Django admin for people: users with their role, tier, skills and teams; teams; API tokens.

Tokens are issued from the command line or the API (the raw value is shown
once), so the admin only lists and revokes them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from atiende.people.models import ApiToken, Team, User


@admin.register(User)
class AtiendeUserAdmin(UserAdmin):
    list_display = ("username", "first_name", "last_name", "role", "tier", "extension", "is_active")
    list_filter = ("role", "tier", "is_active", "teams")
    filter_horizontal = ("teams", "groups", "user_permissions")
    fieldsets = (
        *UserAdmin.fieldsets,  # type: ignore[misc]
        (_("Help desk"), {"fields": ("role", "tier", "skills", "teams", "extension", "language")}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        (_("Help desk"), {"fields": ("role", "tier", "teams")}),
    )


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "member_count")
    search_fields = ("name",)

    @admin.display(description=_("members"))
    def member_count(self, obj: Team) -> int:
        return obj.members.count()


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "name", "user", "kind", "created_at", "expires_at", "last_used_at", "revoked_at")
    list_filter = ("kind",)
    search_fields = ("prefix", "name", "user__username")
    readonly_fields = ("user", "name", "kind", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    exclude = ("digest",)
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset:
            token.revoke()
        self.message_user(request, _("Tokens revoked."), messages.SUCCESS)
