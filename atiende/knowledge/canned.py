"""Canned answers: replies ready to insert, checked by the language assistant when saved and when used.

- The staff read the canned answers for everyone (no team) and those of their teams;
  administrators read all. Anyone else: "not found" (ET-4).
- A technician writes them for everyone or for one of their teams; the author, a
  supervisor or an administrator changes or deletes one.
- Saving runs the language assistant's draft checks (NT, DN, PT-2) on the text, and on
  the plain version with the basic level's jargon rule (DN-2, CO-3); the findings are
  kept with the answer and shown, never silently dropped.
- Using one for a work order fills {cliente}, {numero} and {tecnico}, picks the plain
  version for a customer of basic level when there is one, and checks the result again
  for that customer's level and channel (``desk.messages.language_findings``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.desk.messages import language_findings
from atiende.desk.models import KnowledgeLevel, WorkOrder
from atiende.desk.services.checks import clean_text, forbidden, require_visible_work_order
from atiende.errors import InputError
from atiende.knowledge import index, placeholders
from atiende.knowledge.articles import _clean_language, parse_id
from atiende.knowledge.models import CannedAnswer, SearchKind
from atiende.people.models import Team, User
from atiende.people.roles import is_admin, is_manager, is_staff
from atiende.search import scope as scopes

TITLE_LIMIT = 200
BODY_LIMIT = 10_000
# What the placeholders stand for while the text is checked on saving (the checks read names and numbers).
SAMPLE = {"cliente": "Sra. García", "numero": "1234", "tecnico": "Lucía"}


def _staff(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and is_staff(user)


def visible_canned_answers(user: User | None) -> QuerySet[CannedAnswer]:
    qs = CannedAnswer.objects.select_related("team")
    if not _staff(user):
        return qs.none()
    assert user is not None
    if is_admin(user):
        return qs
    mine = User.teams.through.objects.filter(user_id=user.pk).values("team_id")
    return qs.filter(Q(team__isnull=True) | Q(team__in=mine))



def get_canned_answer(user: User | None, pk: Any) -> CannedAnswer:
    key = parse_id(pk)
    found = visible_canned_answers(user).filter(pk=key).first() if key is not None else None
    if found is None:
        raise InputError("not_found", _("No such canned answer."), status=404)
    return found


def check_text(text: str, *, level: str | None = None, language: str = "es") -> list[dict[str, Any]]:
    """The language assistant's findings on a canned text, its placeholders read as sample values."""
    from atiende.language import analyze

    if not text:
        return []
    filled = placeholders.fill(text, SAMPLE)
    findings = analyze(filled, as_="tecnico", level=level, language="en" if language == "en" else "es").findings
    return [finding.to_json() for finding in findings]


def _clean_team(actor: User, value: Any) -> Team | None:
    if value in (None, ""):
        return None
    key = parse_id(value.pk if isinstance(value, Team) else value)
    team = Team.objects.filter(pk=key).first() if key is not None else None
    if team is None:
        raise InputError("unknown_team", _("No such team: %(id)s.") % {"id": value}, field="team", status=404)
    if not is_admin(actor) and not actor.teams.filter(pk=team.pk).exists():
        raise forbidden(_("You can only write canned answers for your own teams."))
    return team


def _clean(actor: User, fields: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    unknown = set(fields) - {"title", "body", "plain_body", "language", "team"}
    if unknown:
        name = sorted(unknown)[0]
        raise InputError("invalid_input", _("Unknown field: %(field)s.") % {"field": name}, field=name)
    clean: dict[str, Any] = {}
    if creating or "title" in fields:
        clean["title"] = clean_text(fields.get("title"), "title", TITLE_LIMIT, required=True, label=_("Title"))
    if creating or "body" in fields:
        clean["body"] = clean_text(fields.get("body"), "body", BODY_LIMIT, required=True, label=_("Text"))
    if creating or "plain_body" in fields:
        clean["plain_body"] = clean_text(fields.get("plain_body"), "plain_body", BODY_LIMIT,
                                         label=_("Plain text for basic-level customers"))
    if creating or "language" in fields:
        clean["language"] = _clean_language(fields.get("language"))
    if creating or "team" in fields:
        clean["team"] = _clean_team(actor, fields.get("team"))
    return clean


def _check(answer: CannedAnswer) -> None:
    answer.findings = check_text(answer.body, language=answer.language)
    answer.plain_findings = check_text(answer.plain_body, level=KnowledgeLevel.BASIC, language=answer.language)


def canned_document(answer: CannedAnswer) -> index.Document:
    return index.Document(SearchKind.CANNED_ANSWER, answer.pk, answer.title,
                          "\n".join(p for p in (answer.body, answer.plain_body) if p), language=answer.language,
                          scope=scopes.team_token(answer.team_id))  # for everyone, or the team's members


def create_canned_answer(*, actor: User, title: str, body: str, plain_body: str = "", language: str = "es",
                         team: Any = None) -> CannedAnswer:
    if not _staff(actor):
        raise forbidden(_("Only the help desk staff may write canned answers."))
    answer = CannedAnswer(**_clean(actor, {"title": title, "body": body, "plain_body": plain_body,
                                           "language": language, "team": team}, creating=True), created_by=actor)
    _check(answer)
    with transaction.atomic():
        answer.save()
        index.store(canned_document(answer))
    return answer


def _may_change(actor: User, answer: CannedAnswer) -> bool:
    return is_manager(actor) or answer.created_by_id == actor.pk


def update_canned_answer(*, actor: User, answer: CannedAnswer, version: Any, **changes: Any) -> CannedAnswer:
    current = get_canned_answer(actor, answer.pk)
    if not _may_change(actor, current):
        raise forbidden(_("Only its author, a supervisor or an administrator may change this canned answer."))
    if isinstance(version, bool) or not isinstance(version, int):
        raise InputError("invalid_input", _("version must be the number you read."), field="version")
    clean = _clean(actor, changes, creating=False)
    for key, value in clean.items():
        setattr(current, key, value)
    _check(current)
    with transaction.atomic():
        rows = CannedAnswer.objects.filter(pk=current.pk, version=version).update(
            **clean, findings=current.findings, plain_findings=current.plain_findings,
            version=F("version") + 1, updated_at=timezone.now())
        if rows == 0:
            raise InputError("stale_version", _("The canned answer was changed by someone else; reload it and try "
                                                "again."), status=409, field="version")
        current.refresh_from_db()
        index.store(canned_document(current))
    return current


def delete_canned_answer(*, actor: User, answer: CannedAnswer) -> None:
    current = get_canned_answer(actor, answer.pk)
    if not _may_change(actor, current):
        raise forbidden(_("Only its author, a supervisor or an administrator may delete this canned answer."))
    with transaction.atomic():
        index.remove(SearchKind.CANNED_ANSWER, current.pk)
        current.delete()


@dataclass(frozen=True)
class FilledAnswer:
    text: str
    plain: bool  # the plain version was used (a customer of basic level: DN-2)
    findings: list[dict[str, Any]]
    unfilled: list[str]  # placeholders with no value yet, left for the technician


def use_canned_answer(*, actor: User, answer: CannedAnswer, work_order: WorkOrder,
                      channel: str | None = None) -> FilledAnswer:
    """The answer ready for this work order's customer, checked again for their level and channel."""
    current = get_canned_answer(actor, answer.pk)
    order = require_visible_work_order(actor, work_order)
    level = order.knowledge_level or (order.customer.knowledge_level if order.customer_id else "")
    filled, plain, unfilled = fill_answer(current, level=level, values={
        "cliente": order.customer.greeting_name if order.customer_id else "", "numero": str(order.number),
        "tecnico": technician_name(actor)})
    findings = language_findings(work_order=order, body=filled, channel=channel or order.channel)
    CannedAnswer.objects.filter(pk=current.pk).update(times_used=F("times_used") + 1)
    return FilledAnswer(filled, plain, findings, unfilled)


def technician_name(actor: User) -> str:
    """What {tecnico} stands for: the name the customer sees."""
    return str(getattr(actor, "display_name", "") or actor.get_username())


def fill_answer(answer: CannedAnswer, *, level: str | None, values: dict[str, str]) -> tuple[str, bool, list[str]]:
    """The answer's text for a customer of ``level``: the plain version for a basic-level customer when there is
    one (DN-2, CO-3), the placeholders filled from ``values``. Returns (text, plain version used, placeholders
    left to fill by hand)."""
    plain = level == KnowledgeLevel.BASIC and bool(answer.plain_body)
    filled = placeholders.fill(answer.plain_body if plain else answer.body, values)
    return filled, plain, placeholders.used(filled)


def _canned_documents(batch: int) -> Any:
    last = 0
    while True:
        rows = list(CannedAnswer.objects.filter(pk__gt=last).order_by("pk")[:batch])
        if not rows:
            return
        for answer in rows:
            yield canned_document(answer)
        last = rows[-1].pk


index.SOURCES[SearchKind.CANNED_ANSWER] = _canned_documents
