"""The live screens' JSON: the technician's console (/consola/...) and the supervisor's wallboard (/panel/...).

The pages themselves are ``atiende/consoles/views.py``: a frame whose script reads
a snapshot here (``estado/``) and redraws it whenever the websocket says something
changed. These endpoints keep their paths beside their pages, so they are served by a
second django-ninja API mounted at the site's root (``consoles_api``, URL names
``consoles_api:console_state`` ...), with the same
authentication (session or bearer) and the one error format (``atiende/api/errors.py``)
as /api/v1/. Call actions go through the contact API (/api/v1/contacts/...).
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from django.urls import URLPattern, URLResolver
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router, Status

from atiende.api.auth import default_auth
from atiende.api.errors import ApiError, install_error_handlers
from atiende.api.permissions import require_role
from atiende.consoles import selectors
from atiende.desk.services.work_orders import create_work_order
from atiende.language import analyze, closed_questions, strategy, suggest_paraphrase
from atiende.people.roles import MANAGERS, TECHNICIANS

MAX_ASSIST_CHARS = 20_000

router = Router(tags=["consoles"])


def _lang() -> str:
    return get_language() or "es"


def _json_object(request: HttpRequest) -> dict[str, Any] | None:
    """The body as a JSON object, or None when it is not one."""
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


@router.get("consola/estado/", url_name="console_state")
def console_state(request: HttpRequest) -> Any:
    """The technician's console snapshot: their state, calls, offers, queue and the caller's card."""
    user = require_role(request, TECHNICIANS)
    return selectors.technician_snapshot(user, language=_lang())


@router.post("consola/asistente/", url_name="console_assist")
def console_assist(request: HttpRequest) -> Any:
    """The assistant panel for what the customer said: traits with strategy, paraphrase draft, closed questions."""
    require_role(request, TECHNICIANS)
    body = _json_object(request)
    text = body.get("text") if body is not None else None
    if not isinstance(text, str):
        raise ApiError(400, "invalid_body", _("Send the customer's words as text."))
    if len(text) > MAX_ASSIST_CHARS:
        raise ApiError(400, "text_too_long", _("The text is too long."))
    language = _lang()
    if not text.strip():
        return {"traits": [], "knowledge_level": None, "paraphrase": "", "questions": []}
    analysis = analyze(text, as_="cliente", language=language)
    traits = []
    for trait in analysis.traits:
        card = strategy(trait.id, language)
        traits.append({"id": trait.id, "score": round(trait.score, 2), "evidence": list(trait.evidence),
                       "do": card.do, "avoid": card.avoid})
    return {
        "traits": traits, "knowledge_level": analysis.knowledge_level,
        "paraphrase": suggest_paraphrase([text], language),  # AL-4
        "questions": closed_questions([text], language),  # AL-5
    }


@router.post("consola/solicitud/", url_name="console_work_order", response={201: dict[str, Any]})
def console_work_order(request: HttpRequest) -> Any:
    """Open a work order for the caller from the console (SP-1: it starts in identification)."""
    user = require_role(request, TECHNICIANS)
    body = _json_object(request)
    if body is None:
        raise ApiError(400, "invalid_body", _("Send the work order as a JSON object."))
    title = body.get("title")
    customer_id = body.get("customer")
    texts = {k: body.get(k, "") for k in ("problem_story", "paraphrase")}
    if not isinstance(title, str) or not title.strip() or len(title) > 200:
        raise ApiError(400, "title_required", _("Give the work order a title (at most 200 characters)."))
    if not isinstance(customer_id, int) or isinstance(customer_id, bool):
        raise ApiError(400, "customer_required", _("Choose the customer."))
    if any(not isinstance(v, str) or len(v) > MAX_ASSIST_CHARS for v in texts.values()):
        raise ApiError(400, "invalid_text", _("The text is too long."))
    # ET-4: the desk's own lookup decides, so a customer of another team and a missing id get the same 404
    # (unknown_customer). A Refusal or an InputError of the service becomes the API's error body.
    order = create_work_order(actor=user, customer=customer_id, title=title.strip(), channel="telefonico",
                              assignee=user, problem_story=texts["problem_story"], paraphrase=texts["paraphrase"])
    return Status(201, {"number": order.number, "phase": order.phase})


@router.get("panel/estado/", url_name="wallboard_state")
def wallboard_state(request: HttpRequest) -> Any:
    """The wallboard snapshot: queues, technicians, alerts, charts (supervisors and administrators)."""
    user = require_role(request, MANAGERS)
    return selectors.board_snapshot(user=user, language=_lang())


consoles_api = NinjaAPI(
    title="Atiende consoles", version="consoles", auth=default_auth,
    urls_namespace="consoles_api", docs_url=None, openapi_url=None,
)
install_error_handlers(consoles_api)
consoles_api.add_router("", router)


def consoles_urls() -> tuple[list[URLPattern | URLResolver], str]:
    """The routes for ``include()`` at the site's root: ninja's own root route (a 404 that would
    take the home page's "") left out."""
    patterns, _app, namespace = consoles_api.urls
    return [p for p in patterns if getattr(p, "name", None) != "api-root"], namespace
