"""Reads: which cards a user may see (ET-4), a card with its calibration, evidence marks, trends."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.errors import InputError
from atiende.people.models import User
from atiende.people.roles import STAFF, is_admin, is_staff, is_supervisor, role_filter
from atiende.quality.calibration import (
    CalibratedCard,
    Override,
    RuleRate,
    apply_overrides,
    rule_rates,
)
from atiende.quality.card import Item
from atiende.quality.card import Scorecard as Card
from atiende.quality.context import clock
from atiende.quality.notes import note_text
from atiende.scorecards.models import Scorecard


def team_technicians(user: User) -> QuerySet[User]:
    """The people a user's scorecards cover: themselves, their teams' members, or everyone for admins."""
    staff = User.objects.filter(role_filter(STAFF), is_active=True)
    if is_admin(user):
        return staff
    if is_supervisor(user):
        return staff.filter(Q(teams__in=user.teams.all()) | Q(pk=user.pk)).distinct()
    return staff.filter(pk=user.pk)


def visible_scorecards(user: User) -> QuerySet[Scorecard]:
    """ET-4: technicians see their own cards, supervisors their teams', administrators all."""
    qs = Scorecard.objects.select_related("technician", "contact", "work_order")
    if not is_staff(user):
        return qs.none()
    if is_admin(user):
        return qs
    if is_supervisor(user):
        return qs.filter(Q(technician__in=team_technicians(user).values("pk")) | Q(created_by=user))
    return qs.filter(technician=user)


def get_scorecard(user: User, scorecard_id: int) -> Scorecard:
    """The card, or a 404 that does not tell whether it exists (another technician's card)."""
    card = visible_scorecards(user).filter(pk=scorecard_id).first()
    if card is None:
        raise InputError("unknown_scorecard", _("There is no scorecard %(id)s.") % {"id": scorecard_id},
                         status=404)
    return card


def scorer_card(row: Scorecard) -> Card:
    """The scorer's card as stored (before any override)."""
    items = [Item(rule=i["rule"], status=i["status"], evidence=list(i.get("evidence") or []), at=i.get("at"),
                  coaching_es=i.get("coaching_es"), coaching_en=i.get("coaching_en"), note=i.get("note"))
             for i in row.items]
    return Card(items=items, language_available=row.language_available)


def calibrated(row: Scorecard, overrides: Iterable[Any] | None = None) -> CalibratedCard:
    """The card with every override applied in order (the latest word on a rule wins)."""
    card = scorer_card(row)
    known = {item.rule for item in card.items}
    chosen = list(row.overrides.all()) if overrides is None else list(overrides)
    return apply_overrides(card, [
        Override(o.rule, o.new_status, o.comment, o.supervisor.display_name if o.supervisor else "")
        for o in chosen if o.rule in known
    ])


def _person(user: User | None) -> dict[str, Any] | None:
    return None if user is None else {"id": user.pk, "name": user.display_name}


def scorecard_view(row: Scorecard, *, language: str = "es", with_transcript: bool = True) -> dict[str, Any]:
    """Everything the API returns about one card; overrides and answers with who and when."""
    overrides = list(row.overrides.select_related("supervisor"))
    card = calibrated(row, overrides)
    history: dict[str, list[dict[str, Any]]] = {}
    for o in overrides:
        history.setdefault(o.rule, []).append({
            "status": o.new_status, "original_status": o.original_status, "comment": o.comment,
            "supervisor": _person(o.supervisor), "at": o.at,
        })
    items = []
    for c in card.items:
        items.append({
            "rule": c.item.rule, "status": c.item.status, "scorer_status": c.scorer_status,
            "evidence": list(c.item.evidence), "at": c.item.at, "note": note_text(c.item.note, language),
            "coaching": c.item.coaching(language), "overrides": history.get(c.item.rule, []),
        })
    out: dict[str, Any] = {
        "id": row.pk, "contact": row.contact_id,
        "work_order": row.work_order.number if row.work_order_id and row.work_order else None,
        "technician": _person(row.technician), "channel": row.channel, "source": row.source,
        "scorer_score": row.score, "score": card.score, "scored_at": row.scored_at,
        "scorer_version": row.scorer_version, "language_available": row.language_available,
        "items": items, "coaching": card.card.coaching(language),
        "acknowledgements": [
            {"answer": a.answer, "comment": a.comment, "technician": _person(a.technician), "at": a.at}
            for a in row.acknowledgements.select_related("technician")
        ],
    }
    if with_transcript:
        out["transcript"] = row.transcript
    return out


# ---- evidence highlighted in the transcript ---------------------------------------

_QUOTE = re.compile(r"«([^»]+)»")
_EVENT_EVIDENCE = re.compile(r"^(\d+(?::\d\d)+) ([a-z_]+)\b")


@dataclass
class Segment:
    text: str
    rules: list[str] = field(default_factory=list)


@dataclass
class Row:
    """One line of the transcript as shown: a turn split into marked and plain segments, or an event."""

    t: float
    clock: str
    speaker: str | None
    kind: str | None
    segments: list[Segment]
    rules: list[str]
    details: dict[str, Any]


def _quotes(items: Iterable[dict[str, Any]]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for item in items:
        for evidence in item.get("evidence") or []:
            for quote in _QUOTE.findall(str(evidence)):
                quote = quote.rstrip("…").strip()
                if len(quote) >= 3:
                    out.append((quote, item["rule"]))
    return out


def _event_marks(items: Iterable[dict[str, Any]]) -> dict[str, list[str]]:
    """Evidence such as «00:39 hold» names an event by its clock and type."""
    marks: dict[str, list[str]] = {}
    for item in items:
        for evidence in item.get("evidence") or []:
            text = str(evidence)
            if "«" in text:
                continue
            # «00:40 hold (reason='...', customer_consent=True)»: the clock and the event's type.
            found = _EVENT_EVIDENCE.match(text)
            if found:
                marks.setdefault(f"{found.group(1)} {found.group(2)}", []).append(item["rule"])
    return marks


def highlighted_transcript(row: Scorecard, items: list[dict[str, Any]]) -> list[Row]:
    """The stored transcript with each evidence quote marked in the turn it came from."""
    quotes = _quotes(items)
    event_marks = _event_marks(items)
    rows: list[Row] = []
    for event in row.transcript.get("events", []):
        t = float(event.get("t", 0))
        if "speaker" in event:
            text = str(event.get("text", ""))
            spans: list[tuple[int, int, str]] = []
            for quote, rule in quotes:
                start = text.find(quote)
                while start >= 0:
                    spans.append((start, start + len(quote), rule))
                    start = text.find(quote, start + len(quote))
            rows.append(Row(t, clock(t), event["speaker"], None, _segments(text, spans),
                            sorted({s[2] for s in spans}), {}))
        else:
            kind = str(event.get("type", ""))
            rules = sorted(set(event_marks.get(f"{clock(t)} {kind}", [])))
            details = {k: v for k, v in event.items() if k not in ("t", "type")}
            rows.append(Row(t, clock(t), None, kind, [], rules, details))
    return rows


def _segments(text: str, spans: list[tuple[int, int, str]]) -> list[Segment]:
    if not spans:
        return [Segment(text)]
    # Cut the text at every span boundary; each piece carries the rules whose quotes cover it.
    cuts = sorted({0, len(text), *(s for s, _e, _r in spans), *(e for _s, e, _r in spans)})
    out: list[Segment] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        if a == b:
            continue
        rules = sorted({r for s, e, r in spans if s <= a and b <= e})
        if out and out[-1].rules == rules:
            out[-1].text += text[a:b]
        else:
            out.append(Segment(text[a:b], rules))
    return out


# ---- trends -------------------------------------------------------------------------

PERIODS = ("week", "day")


@dataclass
class Period:
    start: date
    cards: int
    mean_score: int
    scores: list[int]


@dataclass
class Trend:
    technician: User
    period: str
    periods: list[Period]
    rules: list[RuleRate]
    cards: int


def _period_start(moment: datetime, period: str) -> date:
    day = timezone.localtime(moment).date()
    return day - timedelta(days=day.weekday()) if period == "week" else day


def technician_trend(technician: User, *, period: str = "week", since: datetime | None = None,
                     until: datetime | None = None) -> Trend:
    """Mean calibrated score per week (or day) and, per rule, how often it was met (rule_rates)."""
    if period not in PERIODS:
        raise InputError("invalid_period", _("The period must be week or day."), field="period")
    qs = Scorecard.objects.filter(technician=technician).prefetch_related("overrides__supervisor")
    if since is not None:
        qs = qs.filter(scored_at__gte=since)
    if until is not None:
        qs = qs.filter(scored_at__lt=until)
    buckets: dict[date, list[int]] = {}
    cards = []
    for row in qs.order_by("scored_at", "id"):
        card = calibrated(row).card
        cards.append(card)
        buckets.setdefault(_period_start(row.scored_at, period), []).append(row.final_score)
    periods = [Period(start, len(scores), round(sum(scores) / len(scores)), scores)
               for start, scores in sorted(buckets.items())]
    from atiende.quality.scorer import CARD_ORDER

    position = {rule: i for i, rule in enumerate(CARD_ORDER)}
    rates = sorted(rule_rates(cards).values(), key=lambda r: position.get(r.rule, len(position)))
    return Trend(technician, period, periods, rates, len(cards))
