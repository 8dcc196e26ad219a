"""The two live screens: the technician's console (/consola/) and the supervisor's wallboard (/panel/).

Pages are thin: the HTML is a frame, the script fetches a JSON snapshot
(``estado/``) and redraws it whenever the websocket says something changed.
Actions go through the contact API (/api/v1/contacts/...), so the same rules,
locks and refusals apply as for any other client.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from atiende.consoles import selectors
from atiende.consoles.strings import board_strings, console_strings
from atiende.errors import InputError
from atiende.people.roles import MANAGERS, TECHNICIANS
from atiende.web.access import role_required

MAX_ASSIST_CHARS = 20_000


def _lang() -> str:
    return get_language() or "es"


@require_GET
@role_required(TECHNICIANS)
def console(request: HttpRequest) -> HttpResponse:
    snapshot = selectors.technician_snapshot(request.user, language=_lang())  # type: ignore[arg-type]
    return render(request, "consoles/console.html", {
        "nav": "console", "snapshot": snapshot, "strings": console_strings(),
    })


@require_GET
@role_required(TECHNICIANS)
def console_state(request: HttpRequest) -> JsonResponse:
    return JsonResponse(selectors.technician_snapshot(request.user, language=_lang()))  # type: ignore[arg-type]


@require_POST
@role_required(TECHNICIANS)
def console_assist(request: HttpRequest) -> JsonResponse:
    """The assistant panel for what the customer said: traits with strategy, paraphrase draft, closed questions."""
    from atiende.language import analyze, closed_questions, strategy, suggest_paraphrase

    try:
        body: Any = json.loads(request.body or b"{}")
    except ValueError:
        body = None
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str):
        return JsonResponse({"error": {"code": "invalid_body", "rule": None,
                                       "message": _("Send the customer's words as text.")}}, status=400)
    if len(text) > MAX_ASSIST_CHARS:
        return JsonResponse({"error": {"code": "text_too_long", "rule": None,
                                       "message": _("The text is too long.")}}, status=400)
    language = _lang()
    if not text.strip():
        return JsonResponse({"traits": [], "knowledge_level": None, "paraphrase": "", "questions": []})
    analysis = analyze(text, as_="cliente", language=language)
    traits = []
    for trait in analysis.traits:
        card = strategy(trait.id, language)
        traits.append({"id": trait.id, "score": round(trait.score, 2), "evidence": list(trait.evidence),
                       "do": card.do, "avoid": card.avoid})
    return JsonResponse({
        "traits": traits, "knowledge_level": analysis.knowledge_level,
        "paraphrase": suggest_paraphrase([text], language),  # AL-4
        "questions": closed_questions([text], language),  # AL-5
    })


@require_POST
@role_required(TECHNICIANS)
def console_work_order(request: HttpRequest) -> JsonResponse:
    """Open a work order for the caller from the console (SP-1: it starts in identification)."""
    from atiende.desk.services.work_orders import create_work_order
    from atiende.practices import Refusal

    try:
        body: Any = json.loads(request.body or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return _bad("invalid_body", _("Send the work order as a JSON object."))
    title = body.get("title")
    customer_id = body.get("customer")
    texts = {k: body.get(k, "") for k in ("problem_story", "paraphrase")}
    if not isinstance(title, str) or not title.strip() or len(title) > 200:
        return _bad("title_required", _("Give the work order a title (at most 200 characters)."))
    if not isinstance(customer_id, int) or isinstance(customer_id, bool):
        return _bad("customer_required", _("Choose the customer."))
    if any(not isinstance(v, str) or len(v) > MAX_ASSIST_CHARS for v in texts.values()):
        return _bad("invalid_text", _("The text is too long."))
    try:
        # ET-4: the desk's own lookup decides, so a customer of another team and a missing id get the same 404.
        order = create_work_order(actor=request.user, customer=customer_id, title=title.strip(),  # type: ignore[arg-type]
                                  channel="telefonico", assignee=request.user,  # type: ignore[arg-type]
                                  problem_story=texts["problem_story"], paraphrase=texts["paraphrase"])
    except Refusal as refusal:
        return JsonResponse({"error": {"code": refusal.code, "rule": refusal.rule,
                                       "message": refusal.message(_lang())}}, status=refusal.status)
    except InputError as error:
        return JsonResponse({"error": {"code": error.code, "rule": error.rule, "message": str(error.message)}},
                            status=error.status)
    return JsonResponse({"number": order.number, "phase": order.phase}, status=201)


def _bad(code: str, message: str, *, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "rule": None, "message": message}}, status=status)


@require_GET
@role_required(MANAGERS)
def wallboard(request: HttpRequest) -> HttpResponse:
    snapshot = selectors.board_snapshot(user=request.user, language=_lang())  # type: ignore[arg-type]
    return render(request, "consoles/wallboard.html", {
        "nav": "wallboard", "snapshot": snapshot, "strings": board_strings(),
    })


@require_GET
@role_required(MANAGERS)
def wallboard_state(request: HttpRequest) -> JsonResponse:
    return JsonResponse(selectors.board_snapshot(user=request.user, language=_lang()))  # type: ignore[arg-type]
