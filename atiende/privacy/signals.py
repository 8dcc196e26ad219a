"""Hooks into the desk without touching its code: its history feeds the audit trail (ET-4),
and closing a work order purges its vault secrets when no grace is configured (ET-3)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from atiende.desk.models import WorkOrder, WorkOrderEvent
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
    _purge_if_closed(instance.work_order_id)


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
