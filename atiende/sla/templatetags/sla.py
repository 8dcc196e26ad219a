"""``{% sla_badge work_order %}`` for lists and ``{% sla_panel work_order %}`` for the work-order page."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from atiende.sla import selectors, services
from atiende.sla.models import WorkOrderSla

register = template.Library()


@register.inclusion_tag("sla/_badge.html")
def sla_badge(work_order: Any) -> dict[str, Any]:
    summary = selectors.of_work_order(work_order)
    return {"sla": summary, "due": summary.next_due}


@register.inclusion_tag("sla/_panel.html")
def sla_panel(work_order: Any) -> dict[str, Any]:
    row = WorkOrderSla.objects.filter(work_order_id=work_order.pk).first()
    if row is None:
        return {"row": None}
    now = timezone.now()
    status = services.status_of(row, work_order.team_id, now)
    summary = selectors.summary(row, now)
    clocks = []
    for key, clock, state in (("first_response", status.first_response, summary.first_response_state),
                              ("resolution", status.resolution, summary.resolution_state)):
        clocks.append({"key": key, "state": state, "target_minutes": None if clock.target_seconds is None
                       else int(clock.target_seconds // 60), "elapsed_minutes": int(clock.elapsed_seconds // 60),
                       "due_at": clock.due_at, "stopped_at": clock.stopped_at})
    return {"row": row, "clocks": clocks, "summary": summary, "alerts": list(selectors.alerts(work_order)),
            "policy": row.policy}
