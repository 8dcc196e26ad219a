"""The two live screens: the technician's console (/consola/) and the supervisor's wallboard (/panel/).

Pages are thin: the HTML is a frame, the script fetches a JSON snapshot
(``estado/``, served by ``atiende/api/consoles.py`` with the API's error format)
and redraws it whenever the websocket says something changed. Actions go through
the contact API (/api/v1/contacts/...), so the same rules, locks and refusals
apply as for any other client.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from atiende.consoles import fragments, selectors
from atiende.consoles.strings import board_strings, console_strings
from atiende.contact.clock import now
from atiende.people.roles import MANAGERS, TECHNICIANS
from atiende.reports import services as reports
from atiende.reports.selectors import Scope
from atiende.telephony.models import Callback
from atiende.web.access import role_required


def _lang() -> str:
    return get_language() or "es"


@require_GET
@role_required(TECHNICIANS)
def console(request: HttpRequest) -> HttpResponse:
    snapshot = selectors.technician_snapshot(request.user, language=_lang())  # type: ignore[arg-type]
    return render(request, "consoles/console.html", {
        "nav": "console", "snapshot": snapshot, "strings": console_strings(),
        **fragments.panel_context(request),  # the chats panel, server-rendered (?practica=ID opens one)
    })


@require_GET
@role_required(MANAGERS)
def wallboard(request: HttpRequest) -> HttpResponse:
    snapshot = selectors.board_snapshot(user=request.user, language=_lang())  # type: ignore[arg-type]
    return render(request, "consoles/wallboard.html", {
        "nav": "wallboard", "snapshot": snapshot, "strings": board_strings(),
    })


@require_GET
@role_required(MANAGERS)
def callbacks_card(request: HttpRequest) -> HttpResponse:
    """Today's call-backs on the supervisors' wallboard (the callbacks report in their scope, ET-4), and the
    ones waiting now: pending, due (their window open) or held for a retry."""
    moment = now()
    day = timezone.localdate(moment).isoformat()
    report = reports.build(name="callbacks", first=day, last=day, user=request.user)  # type: ignore[arg-type]
    summary = next(s for s in report.sections if s.key == "summary")
    figures = {row["key"]: row["value"] for row in summary.rows}
    open_now = Callback.objects.filter(status__in=(Callback.Status.PENDING, Callback.Status.DIALLING)).filter(
        Scope(request.user).teams("contact__queue__team_id"))  # type: ignore[arg-type]
    return render(request, "consoles/_callbacks_card.html", {
        "figures": figures, "pending": open_now.count(),
        "due": open_now.filter(status=Callback.Status.PENDING, not_before__lte=moment).count(),
        "overdue": open_now.filter(window_end__lte=moment).count(),
        "shown": figures.get("offered") or figures.get("callbacks") or open_now.exists()})
