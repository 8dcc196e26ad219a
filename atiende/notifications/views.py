"""The staff's notifications page (``/avisos/``) and their switches (``/avisos/preferencias/``)."""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from atiende.notifications import selectors, services
from atiende.notifications.models import Delivery, Kind
from atiende.people.models import User
from atiende.web.access import not_found, staff_required

PAGE = 50


@staff_required
def notification_list(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    return render(request, "notifications/list.html", {
        "notifications": list(selectors.shown(user)[:PAGE]), "unread": selectors.unread_count(user),
    })


@staff_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one read and go where it points (only ever a path of this site)."""
    user = cast(User, request.user)
    found = selectors.shown(user).filter(pk=pk).first()
    if found is None:
        return not_found(request)
    services.mark_read(user=user, ids=[found.pk])
    if found.url and url_has_allowed_host_and_scheme(found.url, allowed_hosts={request.get_host()}):
        return redirect(found.url)
    return redirect("notifications:list")


@staff_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    services.mark_read(user=cast(User, request.user))
    return redirect("notifications:list")


@staff_required
def notification_preferences(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    if request.method == "POST":
        for kind in Kind.values:
            for delivery in Delivery.values:
                services.set_preference(user=user, kind=kind, delivery=delivery,
                                        enabled=f"{kind}:{delivery}" in request.POST)
        return redirect("notifications:preferences")
    chosen = selectors.preferences(user)
    rows = [{"kind": kind, "label": label,
             "switches": [{"name": f"{kind}:{delivery}", "label": delivery_label, "on": chosen[(kind, delivery)]}
                          for delivery, delivery_label in Delivery.choices]}
            for kind, label in Kind.choices]
    return render(request, "notifications/preferences.html", {
        "rows": rows, "deliveries": Delivery.choices, "has_email": bool(user.email)})
