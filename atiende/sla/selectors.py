"""Reads of the SLA clocks: what lists, pages, the wallboard and the API show of a work order.

The stored row (``WorkOrderSla``) is kept current by every change and by the worker
twice a minute; a clock whose due time has just passed is shown breached at once,
without waiting for the worker's round.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from atiende.sla.core.clock import ClockState
from atiende.sla.models import SlaAlert, WorkOrderSla

RUNNING = (ClockState.RUNNING.value, ClockState.WARNING.value)


@dataclass(frozen=True)
class Summary:
    first_response_due: datetime | None
    resolution_due: datetime | None
    first_response_state: str
    resolution_state: str
    paused: bool
    breached: bool
    warning: bool

    @property
    def has_targets(self) -> bool:
        return self.first_response_state != "none" or self.resolution_state != "none"

    @property
    def next_due(self) -> datetime | None:
        dues = [d for d, s in ((self.first_response_due, self.first_response_state),
                               (self.resolution_due, self.resolution_state)) if d is not None and s in RUNNING]
        return min(dues) if dues else None

    def to_json(self) -> dict[str, Any]:
        return {"first_response_due": self.first_response_due, "resolution_due": self.resolution_due,
                "sla_paused": self.paused, "sla_breached": self.breached, "sla_warning": self.warning,
                "sla_first_response": self.first_response_state, "sla_resolution": self.resolution_state}


EMPTY = Summary(None, None, "none", "none", False, False, False)


def _live(state: str, due: datetime | None, now: datetime) -> str:
    if state in RUNNING and due is not None and due <= now:
        return ClockState.BREACHED.value
    return state


def summary(row: WorkOrderSla | None, now: datetime | None = None) -> Summary:
    if row is None:
        return EMPTY
    now = now or timezone.now()
    first = _live(row.first_response_state, row.first_response_due, now)
    resolution = _live(row.resolution_state, row.resolution_due, now)
    return Summary(
        first_response_due=row.first_response_due, resolution_due=row.resolution_due,
        first_response_state=first, resolution_state=resolution, paused=row.paused and resolution == "paused",
        breached=ClockState.BREACHED.value in (first, resolution),
        warning=ClockState.WARNING.value in (first, resolution),
    )


def of_work_order(work_order: Any, now: datetime | None = None) -> Summary:
    """The SLA of a work order (``select_related("sla")`` spares a query per row in lists)."""
    try:
        row = work_order.sla
    except WorkOrderSla.DoesNotExist:
        row = None
    return summary(row, now)


def breached_filter(now: datetime | None = None, prefix: str = "sla__") -> Q:
    """Work orders whose SLA breached, as a query filter (for lists and the wallboard)."""
    now = now or timezone.now()
    return (Q(**{f"{prefix}first_response_breached": True}) | Q(**{f"{prefix}resolution_breached": True})
            | Q(**{f"{prefix}first_response_state__in": RUNNING, f"{prefix}first_response_due__lte": now})
            | Q(**{f"{prefix}resolution_state__in": RUNNING, f"{prefix}resolution_due__lte": now}))


def at_risk_filter(now: datetime | None = None, prefix: str = "sla__") -> Q:
    """Work orders with a clock that warned (80 %) and has not breached yet."""
    now = now or timezone.now()
    return ((Q(**{f"{prefix}first_response_state": "warning"}) | Q(**{f"{prefix}resolution_state": "warning"}))
            & ~breached_filter(now, prefix))


SLA_STATES = ("on_track", "warning", "breached", "paused")


def state_filter(state: str, now: datetime | None = None, prefix: str = "sla__") -> Q:
    """Work orders whose SLA is in this state, as their badge shows it (the first that applies): ``breached``,
    ``warning`` (at risk: 80 % reached), ``paused`` (waiting for the customer), ``on_track`` (a clock running,
    none of the above)."""
    now = now or timezone.now()
    breached = breached_filter(now, prefix)
    warning = at_risk_filter(now, prefix)
    paused = Q(**{f"{prefix}paused": True, f"{prefix}resolution_state": "paused"}) & ~breached & ~warning
    if state == "breached":
        return breached
    if state == "warning":
        return warning
    if state == "paused":
        return paused
    if state == "on_track":
        running = Q(**{f"{prefix}first_response_state__in": RUNNING}) | Q(**{f"{prefix}resolution_state__in": RUNNING})
        return running & ~breached & ~warning & ~paused
    raise ValueError(f"unknown SLA state {state!r}; one of {', '.join(SLA_STATES)}")


def alerts(work_order: Any) -> QuerySet[SlaAlert]:
    return SlaAlert.objects.filter(work_order=work_order).order_by("at", "id")


def board(work_orders: QuerySet[Any], now: datetime | None = None, limit: int = 10) -> dict[str, Any]:
    """The wallboard's service levels over the open work orders given (already scoped to the reader):
    how many breached, at risk (80 %) and paused, and the most urgent ones."""
    now = now or timezone.now()
    open_ = work_orders.exclude(phase="cierre")
    breached = open_.filter(breached_filter(now))
    at_risk = open_.filter(at_risk_filter(now))
    urgent: list[dict[str, Any]] = []
    for work_order in list(breached.select_related("sla").order_by("sla__resolution_due", "number")[:limit]) + list(
            at_risk.select_related("sla").order_by("sla__resolution_due", "number")[:limit]):
        found = of_work_order(work_order, now)
        if len(urgent) < limit:
            urgent.append({"number": work_order.number, "title": work_order.title,
                           "state": "breached" if found.breached else "warning", "due": found.next_due})
    return {"breached": breached.count(), "at_risk": at_risk.count(),
            "paused": open_.filter(sla__paused=True).count(), "urgent": urgent}
