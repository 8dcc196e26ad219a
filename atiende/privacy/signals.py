"""Hooks into the desk without touching its code: its history feeds the audit trail (ET-4),
and closing a work order purges its vault secrets when no grace is configured (ET-3)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from atiende.desk.models import CustomerEvent, WorkOrder, WorkOrderEvent
from atiende.people.models import ApiToken, User
from atiende.privacy import audit


def content_digest(changes: Any, note: str) -> str:
    """SHA-256 of the event's content: the chain vouches for it without copying personal data."""
    canonical = json.dumps({"changes": changes, "note": note}, sort_keys=True, separators=(",", ":"),
                           ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@receiver(post_save, sender=WorkOrderEvent, dispatch_uid="privacy.audit_work_order_event")
def audit_work_order_event(sender: type, instance: WorkOrderEvent, created: bool, raw: bool = False,
                           **kwargs: Any) -> None:
    if raw or not created:
        return
    changes = instance.changes if isinstance(instance.changes, dict) else {}
    audit.record(
        f"workorder.{instance.kind}"[:60],
        actor=instance.actor if instance.actor_id else None,
        object_type="desk.workorder",
        object_id=instance.work_order_id,
        details={"event": instance.pk, "kind": instance.kind, "fields": sorted(map(str, changes)),
                 "digest": content_digest(instance.changes, instance.note)},
        at=instance.at,
    )
    if "closed_at" not in changes and "phase" not in changes:
        return  # only a closing (a change of phase or of closed_at) can leave secrets to purge
    if instance.kind == "created" and _opened_open(instance):
        return  # nothing to purge on a work order that was just opened, not closed
    _purge_if_closed(instance.work_order_id)


def _opened_open(event: WorkOrderEvent) -> bool:
    # The desk passes the work order it has just inserted: its closed_at is what was saved.
    cached = WorkOrderEvent.work_order.field.get_cached_value(event, default=None)
    return isinstance(cached, WorkOrder) and cached.closed_at is None


@receiver(post_save, sender=CustomerEvent, dispatch_uid="privacy.audit_customer_event")
def audit_customer_event(sender: type, instance: CustomerEvent, created: bool, raw: bool = False,
                         **kwargs: Any) -> None:
    if raw or not created:
        return
    changes = instance.changes if isinstance(instance.changes, dict) else {}
    audit.record(
        f"customer.{instance.kind}"[:60],
        actor=instance.actor if instance.actor_id else None,
        object_type="desk.customer", object_id=instance.customer_id,
        details={"event": instance.pk, "kind": instance.kind, "fields": sorted(map(str, changes)),
                 "digest": content_digest(instance.changes, "")},
        at=instance.at,
    )


# --- accounts: who got access, and every sign-in (ET-4) ---------------------------------

_ACCESS_FIELDS = ("role", "is_active", "is_superuser", "is_staff")


@receiver(post_save, sender=User, dispatch_uid="privacy.audit_user_saved")
def audit_user_saved(sender: type, instance: User, created: bool, raw: bool = False,
                     update_fields: Any = None, **kwargs: Any) -> None:
    if raw or (update_fields and set(update_fields) <= {"last_login"}):
        return  # sign-ins are recorded by audit_signed_in
    details = {field: getattr(instance, field) for field in _ACCESS_FIELDS}
    details["teams"] = None if created else sorted(instance.teams.values_list("pk", flat=True))
    audit.record("user.created" if created else "user.saved", obj=instance, details=details)


@receiver(post_delete, sender=User, dispatch_uid="privacy.audit_user_deleted")
def audit_user_deleted(sender: type, instance: User, **kwargs: Any) -> None:
    audit.record("user.deleted", object_type="people.user", object_id=instance.pk,
                 details={"username": instance.username})


@receiver(post_save, sender=ApiToken, dispatch_uid="privacy.audit_token")
def audit_token(sender: type, instance: ApiToken, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    action = "token.issued" if created else ("token.revoked" if instance.revoked_at else "token.saved")
    audit.record(action, actor=instance.user, obj=instance,
                 details={"prefix": instance.prefix, "kind": instance.kind,
                          "expires_at": instance.expires_at.isoformat() if instance.expires_at else None})


@receiver(user_logged_in, dispatch_uid="privacy.audit_signed_in")
def audit_signed_in(sender: type, request: Any, user: User, **kwargs: Any) -> None:
    address = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    audit.record("auth.signed_in", actor=user, obj=user, details={"address": address})


@receiver(user_login_failed, dispatch_uid="privacy.audit_sign_in_failed")
def audit_sign_in_failed(sender: type, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    # Django already replaces the password with stars. A name that is nobody's may be a
    # password typed in the wrong box: the append-only trail keeps only a digest of it.
    address = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    tried = str(credentials.get("username", ""))[:150]
    if not User.objects.filter(username=tried).exists():
        tried = "?" + hashlib.sha256(tried.encode("utf-8")).hexdigest()[:16]
    audit.record("auth.sign_in_failed", details={"username": tried, "address": address})


def _purge_if_closed(work_order_id: int) -> None:
    # ET-3: the desk closes work orders with a conditional UPDATE (no post_save),
    # but it always writes a history event, so both paths lead here.
    from atiende.privacy.models import VaultSecret
    from atiende.privacy.services import purge_grace, purge_work_order

    if purge_grace().total_seconds() > 0:
        return  # `atiende vault purge` removes them once the grace has passed
    closed_at = (
        WorkOrder.objects.filter(pk=work_order_id, closed_at__isnull=False)
        .values_list("closed_at", flat=True).first()
    )
    if closed_at is None:
        return
    if VaultSecret.objects.filter(work_order_id=work_order_id, purged_at__isnull=True).exists():
        purge_work_order(work_order=WorkOrder(pk=work_order_id))


@receiver(post_save, sender=WorkOrder, dispatch_uid="privacy.purge_on_close")
def purge_on_close(sender: type, instance: WorkOrder, raw: bool = False, **kwargs: Any) -> None:
    if raw or instance.closed_at is None:
        return
    _purge_if_closed(instance.pk)
