"""The composer's POST (``desk:work_order_message_add``): check, apply a rewrite, send, or send anyway.

Its rules are in ``conversation.py`` (the panel) and ``atiende.desk.messages`` (the service);
this module only sits between them and the work-order page it re-renders.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from atiende.desk import messages
from atiende.desk.models import MessageDirection, Visibility
from atiende.desk.views.conversation import ACTIONS, apply_rewrite, findings_for
from atiende.desk.views.work_orders import _load, _render_detail
from atiende.errors import InputError
from atiende.people.models import User
from atiende.people.roles import is_staff
from atiende.web.access import not_found, signed_in_required
from atiende.web.pages import error_context, is_htmx


@require_POST
@signed_in_required
def work_order_message_add(request: HttpRequest, number: int) -> HttpResponse:

    user: User = request.user  # type: ignore[assignment]
    work_order = _load(request, number)
    if work_order is None:
        return not_found(request, _("No such work order."))
    staff = is_staff(user)
    body = request.POST.get("body", "")
    visibility = request.POST.get("visibility", Visibility.PUBLIC) if staff else Visibility.PUBLIC
    action = "apply" if "apply" in request.POST else request.POST.get("action", "send")
    action = action if action in ACTIONS else "send"
    channel = messages.default_channel(work_order, user)
    composer: dict[str, Any] = {"body": body, "visibility": visibility, "findings": []}
    checked = staff and visibility == Visibility.PUBLIC
    if checked and action in ("check", "apply", "send"):
        findings = findings_for(work_order, body, channel)
        if action == "apply":
            body = composer["body"] = apply_rewrite(body, findings, request.POST.get("apply", ""), work_order)
            findings = findings_for(work_order, body, channel)
        composer["findings"] = findings
        if action != "send" or findings:
            composer["checked"] = True
            return _render_detail(request, work_order, composer=composer)
    try:
        messages.post_message(
            work_order=work_order, author=user, body=body, visibility=visibility, channel=channel,
            direction=MessageDirection.OUTBOUND if staff else MessageDirection.INBOUND,
            attachments=[(f.name or "", f) for f in request.FILES.getlist("files")],
        )
    except InputError as exc:
        composer["error"] = error_context(exc)
        return _render_detail(request, work_order, status=exc.status, composer=composer)
    fresh = _load(request, number)
    if fresh is None:
        return not_found(request, _("No such work order."))
    if is_htmx(request):
        return _render_detail(request, fresh, composer_sent=True)
    return redirect("desk:work_order_detail", number=fresh.number)
