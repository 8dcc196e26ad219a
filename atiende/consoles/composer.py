"""The console's chat composer: what the language assistant says about a draft and about the customer.

One component for every chat the technician writes in (a live chat, a practice chat): the
templates ``consoles/_composer.html`` (the form), ``_findings.html`` (the findings, re-drawn as the
technician types) and ``_reading.html`` (the customer's traits with their strategy cards), and the
script ``consoles/composer.js``. The checks are the language assistant's own
(``atiende.language.analyze``, channel ``chat``: NT-6 capitals, emoticons and slang, NT-7, the DN
don'ts, PT-1/PT-2 promises, jargon against the customer's knowledge level, DN-2/CO-3), the same the
work-order reply composer and the scorecard apply, so what the composer flags is what the scorecard
would mark.

Sending with findings is allowed, as in the reply composer: a first "send" with findings shows them
and offers "send anyway"; the findings sent anyway are kept with the line (``checked_findings``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from atiende.consoles.selectors import LEVEL_LABELS
from atiende.knowledge import canned
from atiende.knowledge.models import SearchKind
from atiende.knowledge.search import search
from atiende.language import LEVELS, analyze, strategy
from atiende.language.suggest import apply_finding
from atiende.people.models import User

MAX_DRAFT = 2000  # a chat line (the practice room's limit too, NT-1: short messages)
MAX_CUSTOMER_TEXT = 20_000  # what is read of the customer's lines for their traits
ACTIONS = ("check", "send", "send_anyway", "apply")
TRAIT_LABELS = {
    "CT-LOC": ("locuaz", "talkative"), "CT-DES": ("descortés", "rude"), "CT-ENF": ("enfadado", "angry"),
    "CT-ENT": ("entendido", "knowledgeable"), "CT-INX": ("inexperto", "inexperienced"),
}


def _en(language: str) -> bool:
    return language.startswith("en")


def clean_level(value: Any) -> str | None:
    """A knowledge level the checks accept, or None (the assistant's default, intermedio)."""
    return value if isinstance(value, str) and value in LEVELS else None


def findings(text: str, *, level: str | None, language: str = "es") -> list[dict[str, Any]]:
    """The assistant's findings on a chat draft, numbered for the rewrite buttons. Commands of the practice
    room (a line starting with ``/``) and empty drafts have none."""
    if not text.strip() or text.lstrip().startswith("/"):
        return []
    analysis = analyze(text[:MAX_DRAFT], as_="tecnico", level=clean_level(level), channel="chat",
                       language="en" if _en(language) else "es")
    return [{**finding.to_json(), "index": index} for index, finding in enumerate(analysis.findings)]


def apply(text: str, found: list[dict[str, Any]], raw_index: str, *, name: str = "") -> str:
    """The draft with finding number ``raw_index``'s rewrite applied (unchanged if it no longer fits)."""
    if not raw_index.isdigit() or int(raw_index) >= len(found):
        return text
    return apply_finding(text, found[int(raw_index)], name=name)


def reading(customer_lines: Iterable[str], *, language: str = "es") -> dict[str, Any]:
    """The customer as their messages show them: traits with evidence and strategy card (CT-*), knowledge
    level (CO-3). Read anew from all their lines, so the card follows the conversation."""
    text = "\n".join(line for line in customer_lines if line and line.strip())[-MAX_CUSTOMER_TEXT:]
    if not text.strip():
        return {"traits": [], "knowledge_level": None, "knowledge_label": ""}
    analysis = analyze(text, as_="cliente", language="en" if _en(language) else "es", suggestions=False)
    traits = []
    for trait in analysis.traits:
        card = strategy(trait.id, language)
        names = TRAIT_LABELS.get(trait.id, (trait.id, trait.id))
        traits.append({"id": trait.id, "label": names[1] if _en(language) else names[0],
                       "score": round(trait.score, 2), "evidence": list(trait.evidence)[:3],
                       "do": card.do, "avoid": card.avoid})
    level = analysis.knowledge_level
    labels = LEVEL_LABELS.get(level or "")
    return {"traits": traits, "knowledge_level": level,
            "knowledge_label": (labels[1] if _en(language) else labels[0]) if labels else ""}


def findings_summary(found: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """What is kept of findings sent anyway: the rule, the words and the suggestion (no offsets)."""
    return [{"rule": f["rule"], "excerpt": f.get("excerpt", ""), "suggestion": f.get("suggestion")} for f in found]


MAX_CANNED = 8  # canned answers shown at once; the search narrows them


def canned_choices(user: User, query: str, *, level: str | None, values: dict[str, str],
                   language: str = "es") -> list[dict[str, Any]]:
    """The canned answers the technician may insert (ET-4: their teams' and everyone's), ready for this customer:
    the best matches of ``query`` by the knowledge search, or the most used ones without a query; each filled
    (``fill_answer``: placeholders, the plain version for a basic-level customer) and checked for the chat."""
    visible = canned.visible_canned_answers(user)
    if query.strip():
        ids = [r.id for r in search(user, query, kinds=[SearchKind.CANNED_ANSWER], limit=MAX_CANNED)]
        by_id = visible.in_bulk(ids)
        answers = [by_id[i] for i in ids if i in by_id]
    else:
        answers = list(visible.filter(language__in=[language[:2], "es"])
                       .order_by("-times_used", "title", "pk")[:MAX_CANNED])
    choices = []
    for answer in answers:
        text, plain, unfilled = canned.fill_answer(answer, level=level, values=values)
        choices.append({"id": answer.pk, "title": answer.title, "text": text, "plain": plain, "unfilled": unfilled,
                        "findings": findings(text, level=level, language=language)})
    return choices


@dataclass(frozen=True)
class Review:
    """What the composer's POST decided: send ``body`` (``show`` is None; ``anyway`` when sent despite
    ``findings``), or show the composer again (``show``: the draft, the findings or the error) with ``status``."""

    body: str
    findings: list[dict[str, Any]]
    show: dict[str, Any] | None = None
    status: int = 200
    anyway: bool = False


def review(post: Mapping[str, str], *, checked: bool = True, name: str = "", language: str = "es") -> Review:
    """The composer's POST (``body``, ``nivel``, ``action=send|send_anyway|check``, ``apply=N``), read the same
    way for every chat: an empty or too long line is said; ``check`` and ``apply`` show the findings; a ``send``
    with findings is held back once (they are shown with "send anyway"); otherwise the line goes. ``checked``
    False (an internal note) skips the assistant."""
    body = post.get("body", "").replace("\r\n", "\n")
    action = "apply" if "apply" in post else post.get("action", "send")
    action = action if action in ACTIONS else "send"
    if not body.strip():
        return Review(body, [], {"body": body, "error": _("Write something to send.")})
    if len(body) > MAX_DRAFT:
        return Review(body, [], {"body": body, "error": _(
            "A chat line can be %(max)d characters at most (NT-1: keep it short).") % {"max": MAX_DRAFT}}, 400)
    level = clean_level(post.get("nivel"))
    found = findings(body, level=level, language=language) if checked else []
    if action == "apply":
        body = apply(body, found, post.get("apply", ""), name=name)
        found = findings(body, level=level, language=language)
    if action in ("check", "apply") or (action == "send" and found):
        return Review(body, found, {"body": body, "findings": found, "checked": True})
    return Review(body, found, anyway=action == "send_anyway")
