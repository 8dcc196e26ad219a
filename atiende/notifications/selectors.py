"""Reads of notifications and of what each person wants to hear of."""

from __future__ import annotations

from django.db.models import QuerySet

from atiende.notifications.models import Delivery, Kind, Notification, Preference
from atiende.people.models import User

# What a person gets before touching the preferences page: everything in the app; by email
# what is theirs to act on (an assignment, their customer's reply, their commitment), not every
# new request of the team.
DEFAULTS: dict[tuple[str, str], bool] = {
    **{(kind, Delivery.IN_APP.value): True for kind in Kind.values},
    (Kind.NEW_REQUEST.value, Delivery.EMAIL.value): False,
    (Kind.ASSIGNED.value, Delivery.EMAIL.value): True,
    (Kind.CUSTOMER_REPLY.value, Delivery.EMAIL.value): True,
    (Kind.COMMITMENT_DUE.value, Delivery.EMAIL.value): True,
    (Kind.SLA_WARNING.value, Delivery.EMAIL.value): False,
    (Kind.SLA_BREACH.value, Delivery.EMAIL.value): True,
    (Kind.LOW_SATISFACTION.value, Delivery.EMAIL.value): True,
}


def preferences(user: User) -> dict[tuple[str, str], bool]:
    """Every (kind, delivery) switch of this person: the defaults with their own choices over them."""
    found = dict(DEFAULTS)
    if getattr(user, "pk", None):
        for kind, delivery, enabled in Preference.objects.filter(user=user).values_list("kind", "delivery",
                                                                                         "enabled"):
            found[(kind, delivery)] = enabled
    return found


def wants(user: User, kind: str, delivery: str) -> bool:
    if not getattr(user, "pk", None) or not user.is_active:
        return False
    chosen = Preference.objects.filter(user=user, kind=kind, delivery=delivery).values_list("enabled", flat=True)
    for enabled in chosen:
        return bool(enabled)
    return DEFAULTS.get((kind, delivery), False)


def wants_email(user: User, kind: str) -> bool:
    """Whether this person wants the email copy of a notification of this kind (and has an address)."""
    return bool(getattr(user, "email", "")) and wants(user, kind, Delivery.EMAIL)


def shown(user: User) -> QuerySet[Notification]:
    """The person's notifications shown in the app, newest first."""
    return Notification.objects.filter(recipient_id=user.pk, in_app=True).select_related("work_order")


def unread_count(user: User) -> int:
    if not getattr(user, "pk", None):
        return 0
    return shown(user).filter(read_at__isnull=True).count()
