"""POST /api/v1/analyze: the language assistant over HTTP, the same JSON as `atiende analyze --format json`.

Send one message ``{"text", "as", "level", "channel"}`` or a list of them (at
most 200 messages and 200,000 characters); get one analysis or a list back. Any signed-in user may call it.
Finding messages follow Accept-Language (Spanish by default).
"""

from __future__ import annotations

import json
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from pydantic import TypeAdapter, ValidationError

from atiende.api.errors import ApiError
from atiende.language import analyze as analyze_text

PREFIX = "analyze"
router = Router(tags=["language assistant"])

MAX_BATCH = 200
MAX_TEXT = 20_000
MAX_BATCH_CHARS = 200_000  # a few hundred milliseconds of work at most per request


class AnalyzeIn(Schema):
    text: str = Field(..., max_length=MAX_TEXT, description="One message (a customer's or a technician's draft)")
    as_: Literal["cliente", "tecnico"] = Field("cliente", alias="as", description="Who wrote it")
    level: Literal["basico", "intermedio", "avanzado"] | None = Field(
        None, description="tecnico: the customer's knowledge level (CO-3), to adapt the jargon check (DN-2)")
    channel: Literal["email", "chat", "telefonico", "presencial"] | None = Field(
        None, description="tecnico: email adds the greeting and name checks (NT-5, CO-1)")

    model_config = {"populate_by_name": True}


class TraitFoundOut(Schema):
    id: str
    score: float
    evidence: list[str]


class FindingOut(Schema):
    rule: str
    start: int
    end: int
    excerpt: str
    message: str
    suggestion: str | None


class StrategyOut(Schema):
    do: list[str]
    avoid: list[str]


class SuggestedQuestionOut(Schema):
    text: str
    closed: bool = Field(..., description="True for a closed question (yes/no or a named choice: AL-5)")


class AnalysisOut(Schema):
    text: str
    as_: str = Field(..., alias="as")
    traits: list[TraitFoundOut]
    knowledge_level: str | None
    findings: list[FindingOut]
    redacted: str
    strategy: dict[str, StrategyOut] = Field(
        ..., description="cliente: the do / avoid card of each trait found (CT-*); empty for a draft")
    paraphrase: str | None = Field(..., description="cliente: the paraphrase draft (AL-4), null when there is no story")
    questions: list[SuggestedQuestionOut] = Field(..., description="cliente: questions to ask, closed ones first (AL-5)")

    model_config = {"populate_by_name": True}


_IN_SCHEMA = AnalyzeIn.model_json_schema(by_alias=True)
_ONE = TypeAdapter(AnalyzeIn)
_MANY = TypeAdapter(list[AnalyzeIn])


def _parse(raw: Any) -> AnalyzeIn | list[AnalyzeIn]:
    try:
        if isinstance(raw, list):
            if not raw:
                raise ApiError(400, "empty_batch", _("Send at least one message."))
            if len(raw) > MAX_BATCH:
                raise ApiError(400, "batch_too_large",
                               _("Send at most %(count)d messages at a time.") % {"count": MAX_BATCH})
            items = _MANY.validate_python(raw)
            if sum(len(item.text) for item in items) > MAX_BATCH_CHARS:
                raise ApiError(400, "batch_too_large",
                               _("Send at most %(count)d characters at a time.") % {"count": MAX_BATCH_CHARS})
            return items
        return _ONE.validate_python(raw)
    except ValidationError as exc:
        details = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or _('message')}: {err['msg']}" for err in exc.errors()[:5])
        raise ApiError(422, "invalid_input", _("Invalid input: %(details)s") % {"details": details}) from None


def _run(item: AnalyzeIn, language: str) -> dict[str, Any]:
    return analyze_text(item.text, as_=item.as_, level=item.level, channel=item.channel,
                        language=language).to_json()


@router.post(
    "",
    response={200: AnalysisOut | list[AnalysisOut]},
    by_alias=True,
    summary="Analyse a message or a list of messages",
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {
        "oneOf": [_IN_SCHEMA, {"type": "array", "items": _IN_SCHEMA, "minItems": 1, "maxItems": MAX_BATCH}],
    }}}}},
)
def analyze(request: HttpRequest) -> Any:
    """Customer traits (CT-*) with evidence, strategy cards, knowledge level (CO-3), paraphrase (AL-4) and
    questions (AL-5), or the findings on a technician's draft (DN, PT, NT, CO-1) with spans and rewrites;
    always the redacted text (ET-3)."""
    # Parsed by hand (one object or a list) so that errors stay short and clear.
    try:
        raw = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "invalid_json", _("The body must be JSON: a message or a list of messages.")) from None
    payload = _parse(raw)
    language = "en" if (get_language() or "es").startswith("en") else "es"
    if isinstance(payload, list):
        return [_run(item, language) for item in payload]
    return _run(payload, language)

