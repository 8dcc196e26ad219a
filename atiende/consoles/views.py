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
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from atiende.consoles import fragments, selectors
from atiende.consoles.strings import board_strings, console_strings
from atiende.people.roles import MANAGERS, TECHNICIANS
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
