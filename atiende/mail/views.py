"""The staff page «Correo saliente»: the outbox, and the received mail that failed.

Without ``ATIENDE_SMTP_URL`` this is where outgoing mail lands (the local outbox), so
``make run`` needs no mail server. What a person sees follows the desk's rule (ET-4):
mail about the work orders they may see; administrators see everything, including the received mail that failed.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from atiende.desk.selectors import visible_work_orders
from atiende.mail import intake
from atiende.mail.models import OutboundMail
from atiende.people import roles
from atiende.web.access import not_found, staff_required

PAGE = 100


def _visible(request: HttpRequest) -> object:
    user = request.user
    found = OutboundMail.objects.select_related("work_order").order_by("-created_at", "-id")
    if roles.is_admin(user):
        return found
    return found.filter(work_order__in=visible_work_orders(user).values("pk"))  # type: ignore[arg-type]


@staff_required
def outgoing(request: HttpRequest) -> HttpResponse:
    from atiende.mail import config

    rows = list(_visible(request)[:PAGE])  # type: ignore[index]
    administrator = roles.is_admin(request.user)
    failed = list(intake.failed()[:PAGE]) if administrator else []
    return render(request, "mail/outgoing.html", {"rows": rows, "failed": failed, "nav": "mail",
                                                  "local": not config.smtp_configured()})


@staff_required
def outgoing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    row = _visible(request).filter(pk=pk).first()  # type: ignore[attr-defined]
    if row is None:
        return not_found(request)
    return render(request, "mail/outgoing_detail.html", {"row": row, "text": row.text, "nav": "mail"})
