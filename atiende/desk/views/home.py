"""The start page: what needs this person's attention now, by role."""

from __future__ import annotations

from typing import cast

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from atiende.desk import selectors
from atiende.desk.models import Phase
from atiende.people.models import User
from atiende.people.roles import is_customer, is_technician
from atiende.web.access import signed_in_required


@signed_in_required
def home(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # signed_in_required: never anonymous here
    visible = selectors.visible_work_orders(user)
    open_orders = visible.exclude(phase=Phase.CLOSURE)
    customer = is_customer(user)
    context: dict[str, object] = {"nav": "home", "is_customer": customer, "can_create": not customer}
    if customer:
        mine = open_orders
    else:
        mine = open_orders.filter(assignee=user)
        overdue = (
            selectors.past_due_commitments()
            .filter(work_order__in=visible.values("pk"))
            .select_related("work_order", "owner")
        )
        if is_technician(user):
            overdue = overdue.filter(Q(work_order__assignee=user) | Q(owner=user))
            context["unassigned_count"] = None
        else:
            context["unassigned_count"] = open_orders.filter(assignee__isnull=True).count()
        context["overdue"] = list(overdue.order_by("due_at")[:20])
    context["open_count"] = mine.count()
    context["mine"] = list(mine.select_related("customer", "sla")[:10])
    return render(request, "desk/home.html", context)
