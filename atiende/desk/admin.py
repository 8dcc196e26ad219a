"""Django admin for the desk: the administrators' back office.

Work orders and everything hanging from them are read-only here: every change
must go through ``atiende.desk.services`` so that it is versioned, follows the
SP-1 phase rules and lands in the history. Organisations (and the team that
serves them, which decides who sees their customers: ET-4) and customers are
editable; a customer edit is recorded in the customer's history.

Attachments are listed read-only, without their stored file: the bytes are only
served by the audited download of the API and the web pages (ET-4), and files are
only added through ``atiende.desk.attachments`` (which checks them first).
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from atiende.desk.models import (
    Attachment,
    ClosedQuestion,
    Commitment,
    ContactPoint,
    Customer,
    CustomerEvent,
    Organisation,
    SatisfactionSurvey,
    TraitObservation,
    WorkOrder,
    WorkOrderEvent,
)
from atiende.people.models import User


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "team")
    list_filter = ("team",)
    search_fields = ("name",)


class ContactPointInline(admin.TabularInline):
    model = ContactPoint
    fields = ("kind", "value", "preferred")
    extra = 0


class TraitInline(ReadOnlyInline):
    model = TraitObservation
    fields = ("observed_at", "trait", "score", "evidence", "work_order")


class CustomerEventInline(ReadOnlyInline):
    model = CustomerEvent
    fields = ("at", "actor", "kind", "changes")


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("name", "address_as", "organisation", "country", "preferred_language", "knowledge_level", "user")
    list_filter = ("country", "preferred_language", "knowledge_level", "organisation__team")
    search_fields = ("name", "organisation__name", "contact_points__value")
    autocomplete_fields = ("organisation",)
    raw_id_fields = ("user",)
    inlines = [ContactPointInline, TraitInline, CustomerEventInline]

    def save_model(self, request: HttpRequest, obj: Customer, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        changes = {field: [None, str(form.cleaned_data.get(field))] for field in form.changed_data}
        if changes:
            # The admin site only serves signed-in staff: request.user is never anonymous here.
            CustomerEvent.objects.create(customer=obj, actor=cast(User, request.user), kind="admin_change" if change else
                                         "created", changes=changes)

    def has_delete_permission(self, request: HttpRequest, obj: Customer | None = None) -> bool:
        # A customer with work orders is protected by the database too; say so before trying.
        return obj is None or not obj.work_orders.exists()


class ClosedQuestionInline(ReadOnlyInline):
    model = ClosedQuestion
    fields = ("question", "answer", "asked_by", "asked_at")


class CommitmentInline(ReadOnlyInline):
    model = Commitment
    fields = ("description", "due_at", "owner", "status", "resolved_at", "alerted_at")


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ("filename", "content_type", "size", "uploaded_by", "uploaded_at", "internal")


class WorkOrderEventInline(ReadOnlyInline):
    model = WorkOrderEvent
    fields = ("at", "actor", "kind", "changes", "note")


@admin.register(WorkOrder)
class WorkOrderAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("number", "title", "customer", "phase", "priority", "channel", "direction", "team", "assignee",
                    "created_at")
    list_filter = ("phase", "priority", "channel", "direction", "team")
    search_fields = ("=number", "title", "customer__name")
    date_hierarchy = "created_at"
    inlines = [ClosedQuestionInline, CommitmentInline, AttachmentInline, WorkOrderEventInline]


@admin.register(Commitment)
class CommitmentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("work_order", "description", "due_at", "owner", "status", "alerted_at")
    list_filter = ("status",)
    search_fields = ("description", "work_order__title")


@admin.register(SatisfactionSurvey)
class SatisfactionSurveyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("work_order", "sent_at", "answered_at", "rating", "resolved")
    list_filter = ("rating", "resolved")
    exclude = ("token",)  # the token is the customer's key to the survey


@admin.register(WorkOrderEvent)
class WorkOrderEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("at", "work_order", "actor", "kind")
    list_filter = ("kind",)
    search_fields = ("work_order__title",)


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("work_order", "filename", "size", "content_type", "uploaded_by", "uploaded_at", "internal")
    list_filter = ("internal", "content_type")
    list_select_related = ("work_order", "uploaded_by")
    search_fields = ("=work_order__number", "filename", "sha256")
    ordering = ("-work_order__number", "uploaded_at", "id")
    date_hierarchy = "uploaded_at"
    # Not the stored file: its admin link would bypass the audited download.
    fields = ("work_order", "filename", "content_type", "size", "sha256", "uploaded_by", "uploaded_at", "internal")


@admin.register(TraitObservation)
class TraitObservationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("observed_at", "customer", "trait", "score", "work_order")
    list_filter = ("trait",)


admin.site.site_header = _("Atiende administration")
