"""The history of customers and work orders: every change is kept as ``{"field": [old, new]}``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import models
from django.utils import timezone

from atiende.desk import rows
from atiende.desk.models import Customer, CustomerEvent, WorkOrder, WorkOrderEvent
from atiende.people.models import User


def history_value(value: Any) -> Any:
    """A value as a history line keeps it (JSON): a row as its id and name, a time in ISO 8601."""
    if isinstance(value, models.Model):
        return {"id": value.pk, "name": str(value)}
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def history_changes(changes: Mapping[str, tuple[Any, Any]]) -> dict[str, list[Any]]:
    """``{"field": (old, new)}`` as a history line's ``changes`` keeps it: ``{"field": [old, new]}``."""
    return {k: [history_value(old), history_value(new)] for k, (old, new) in changes.items()}


def record_event(work_order: WorkOrder, actor: User | None, kind: str, changes: Mapping[str, tuple[Any, Any]],
                 note: str = "", at: datetime | None = None) -> WorkOrderEvent:
    event = WorkOrderEvent(
        work_order=work_order,
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        kind=kind,
        changes=history_changes(changes),
        note=note,
        at=at or timezone.now(),
    )
    rows.insert(event)  # hand-written, receivers told as by save() (issue 25)
    return event


def record_customer_event(customer: Customer, actor: User | None, kind: str,
                          changes: Mapping[str, tuple[Any, Any]]) -> None:
    CustomerEvent.objects.create(
        customer=customer, actor=actor if getattr(actor, "pk", None) else None, kind=kind,
        changes=history_changes(changes),
    )

