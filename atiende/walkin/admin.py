"""The walk-in desk in Django's admin: services (each a queue and a ticket letter) and booked visits; visits
read only (they are made at the kiosk, and changed by the desk's actions)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from atiende.walkin.models import Booking, Service, Visit


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("letter", "label", "queue", "position", "opens", "closes", "slot_minutes", "slot_capacity")
    ordering = ("position", "letter")


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("starts_at", "service", "customer", "status")
    list_filter = ("service", "status")
    raw_id_fields = ("customer", "work_order")


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("day", "letter", "number", "service", "name", "desk", "calls", "called_at")
    list_filter = ("day", "service")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
