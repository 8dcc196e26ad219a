"""Django admin for administrators: people, teams and tokens are managed here;
customers and work orders are shown read-only, because every change to them
must go through the desk services (history, versions, SP-1 rules).

Registered from the web app so each model has one admin; a model another app
already registered is left alone.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from atiende.desk.models import (
    ClosedQuestion,
    Commitment,
    ContactPoint,
    Customer,
    Organisation,
    SatisfactionSurvey,
    WorkOrder,
    WorkOrderEvent,
)
from atiende.people.models import ApiToken, Role, Team, User

admin.site.site_header = _("Atiende administration")
admin.site.site_title = _("Atiende administration")
admin.site.index_title = _("Administration")


def _administrators_only(request: HttpRequest) -> bool:
    """ET-4: the admin shows every record, so only administrators may open it."""
    user = request.user
    return bool(user.is_active and user.is_staff and (user.is_superuser or user.role == Role.ADMINISTRATOR))


admin.site.has_permission = _administrators_only  # type: ignore[method-assign]


def _register(model: type[Model], model_admin: type[admin.ModelAdmin]) -> None:
    if not admin.site.is_registered(model):
        admin.site.register(model, model_admin)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AtiendeUserAdmin(UserAdmin):
    list_display = ("username", "first_name", "last_name", "role", "tier", "is_active")
    list_filter = ("role", "tier", "is_active", "teams")
    fieldsets = (
        *UserAdmin.fieldsets,  # type: ignore[misc]
        (_("Help desk"), {"fields": ("role", "tier", "skills", "teams", "extension", "language")}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        (_("Help desk"), {"fields": ("role", "tier", "teams")}),
    )


class TeamAdmin(admin.ModelAdmin):
    list_display = ("name",)
    search_fields = ("name",)


class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued from the command line (the raw value is shown once); here they are revoked."""

    list_display = ("prefix", "name", "user", "kind", "created_at", "expires_at", "last_used_at", "revoked_at")
    list_filter = ("kind",)
    fields = ("user", "name", "kind", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    readonly_fields = ("user", "name", "kind", "prefix", "created_at", "expires_at", "last_used_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "team")
    search_fields = ("name",)


class ContactPointInline(ReadOnlyInline):
    model = ContactPoint
    fields = ("kind", "value", "preferred")


class CustomerAdmin(ReadOnlyAdmin):
    list_display = ("name", "address_as", "organisation", "country", "preferred_language", "knowledge_level")
    list_filter = ("preferred_language", "knowledge_level", "country")
    search_fields = ("name", "organisation__name", "contact_points__value")
    inlines = [ContactPointInline]


class ClosedQuestionInline(ReadOnlyInline):
    model = ClosedQuestion
    fields = ("question", "answer", "asked_by", "asked_at")


class CommitmentInline(ReadOnlyInline):
    model = Commitment
    fields = ("description", "due_at", "owner", "status", "resolved_at")


class WorkOrderEventInline(ReadOnlyInline):
    model = WorkOrderEvent
    fields = ("at", "actor", "kind", "changes", "note")


class WorkOrderAdmin(ReadOnlyAdmin):
    list_display = ("number", "title", "customer", "phase", "priority", "channel", "assignee", "created_at")
    list_filter = ("phase", "priority", "channel", "team")
    search_fields = ("title", "customer__name")
    inlines = [ClosedQuestionInline, CommitmentInline, WorkOrderEventInline]


class SurveyAdmin(ReadOnlyAdmin):
    list_display = ("work_order", "sent_at", "answered_at", "rating", "resolved")
    exclude = ("token",)


_register(User, AtiendeUserAdmin)
_register(Team, TeamAdmin)
_register(ApiToken, ApiTokenAdmin)
_register(Organisation, OrganisationAdmin)
_register(Customer, CustomerAdmin)
_register(WorkOrder, WorkOrderAdmin)
_register(SatisfactionSurvey, SurveyAdmin)
