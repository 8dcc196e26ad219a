"""Reads: whose practice calls a user may see (ET-4), a call as the API shows it, progress by rule over time."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from atiende.errors import InputError
from atiende.people.models import User
from atiende.people.roles import is_admin, is_staff, is_supervisor
from atiende.practice.models import (
    Assignment,
    PracticeSession,
    PracticeTurn,
    SessionStatus,
    Speaker,
)
from atiende.practice.scenarios import library
from atiende.practices import Refusal, all_rules, rule_text
from atiende.quality import Item, Scorecard
from atiende.quality.scorer import CARD_ORDER
from atiende.scorecards.selectors import team_technicians
from atiende.training import Result, Session


def team_members(user: User) -> QuerySet[User]:
    """The people whose practice a user sees: themselves, their teams' members, or everyone for admins."""
    return team_technicians(user)


def visible_sessions(user: User) -> QuerySet[PracticeSession]:
    """ET-4: a technician sees their own practice, a supervisor their teams', an administrator all."""
    qs = PracticeSession.objects.select_related("trainee")
    if not is_staff(user):
        return qs.none()
    if is_admin(user):
        return qs
    if is_supervisor(user):
        return qs.filter(trainee__in=team_members(user).values("pk"))
    return qs.filter(trainee=user)


def get_session(user: User, session_id: int) -> PracticeSession:
    """The session, or a 404 that does not tell whether it exists (another team's practice)."""
    row = visible_sessions(user).filter(pk=session_id).first()
    if row is None:
        raise InputError("unknown_session", _("There is no practice session %(id)s.") % {"id": session_id},
                         status=404, rule="ET-4")
    return row


def visible_assignments(user: User) -> QuerySet[Assignment]:
    qs = Assignment.objects.select_related("technician", "assigned_by")
    if not is_staff(user):
        return qs.none()
    if is_admin(user):
        return qs
    if is_supervisor(user):
        return qs.filter(technician__in=team_members(user).values("pk"))
    return qs.filter(technician=user)


# ---- one session ------------------------------------------------------------------------

def turn_view(turn: PracticeTurn, language: str) -> dict[str, Any]:
    text = turn.text_en if turn.speaker == Speaker.NOTICE and language.startswith("en") and turn.text_en else turn.text
    return {"index": turn.index, "speaker": turn.speaker, "text": text, "rule": turn.rule or None,
            "at": round(turn.at, 1), "checked_findings": turn.checked_findings or []}


def session_result(row: PracticeSession, language: str) -> dict[str, Any] | None:
    """The finished call's card (as scored then), the customer's final state and the verdict; None while it runs.

    The same shape as ``atiende train --format json``."""
    if row.status != SessionStatus.FINISHED:
        return None
    card = Scorecard([Item(rule=i["rule"], status=i["status"], evidence=list(i.get("evidence") or []), at=i.get("at"),
                           coaching_es=i.get("coaching_es"), coaching_en=i.get("coaching_en")) for i in row.items])
    try:
        session = Session.from_dict(library(), row.state)
    except Refusal:  # the scenario was an organisation's and its file is gone: the card is still the record
        return {**card.as_dict(language), "passed": bool(row.passed), "pass_mark": row.pass_mark,
                "customer_state": {"outcome": row.outcome}}
    state = session.state.public(session.scenario, language)
    return Result(session.scenario, card, state, row.outcome, bool(row.passed), row.pass_mark).as_dict(language)


def session_channel(row: PracticeSession) -> str:
    """``telefonico`` (a practice call) or ``chat`` (a practice chat in the console's composer)."""
    return str((row.state or {}).get("channel") or "telefonico")


def session_view(row: PracticeSession, language: str, *, turns: list[PracticeTurn] | None = None) -> dict[str, Any]:
    scenario = library().get(row.scenario_id)
    return {
        "id": row.pk, "trainee": {"id": row.trainee_id, "name": row.trainee.display_name},
        "scenario": scenario.summary_dict(language) if scenario else {"id": row.scenario_id},
        "customer_type": row.customer_type, "channel": session_channel(row), "seed": row.seed, "status": row.status,
        "pass_mark": row.pass_mark,
        "assignment": row.assignment_id, "started_at": row.started_at, "finished_at": row.finished_at,
        "score": row.score, "passed": row.passed,
        "turns": [turn_view(t, language) for t in (row.turns.all() if turns is None else turns)],
        "result": session_result(row, language),
    }


def assignment_view(row: Assignment, language: str) -> dict[str, Any]:
    scenario = library().get(row.scenario_id)
    best = row.sessions.filter(status=SessionStatus.FINISHED).order_by("-score").values("score", "passed").first()
    return {"id": row.pk, "technician": {"id": row.technician_id, "name": row.technician.display_name},
            "scenario": scenario.summary_dict(language) if scenario else {"id": row.scenario_id},
            "assigned_by": row.assigned_by.display_name if row.assigned_by else None, "note": row.note,
            "created_at": row.created_at, "best_score": best["score"] if best else None,
            "passed": bool(best and best["passed"])}


# ---- progress ----------------------------------------------------------------------------

@dataclass(slots=True)
class Period:
    start: date
    sessions: int = 0
    passed: int = 0
    scores: list[int] = field(default_factory=list)

    @property
    def mean_score(self) -> int:
        return round(sum(self.scores) / len(self.scores)) if self.scores else 0


@dataclass(slots=True)
class RuleProgress:
    rule: str
    text: str
    met: int
    missed: int
    by_period: list[float | None]  # the share met in each period, None where the rule never applied

    @property
    def rate(self) -> float | None:
        total = self.met + self.missed
        return None if total == 0 else self.met / total


@dataclass(slots=True)
class Progress:
    periods: list[Period]
    rules: list[RuleProgress]
    sessions: int
    pass_mark: int | None  # the pass mark most of these sessions had


def _week(moment: datetime | None) -> date:
    assert moment is not None  # finished sessions have a finish time
    day = moment.date()
    return day - timedelta(days=day.weekday())


def progress(technician: User, *, since: datetime, language: str = "es") -> Progress:
    """A trainee's finished practice calls since ``since``, week by week: the mean score, and per rule how
    often it was met (the rules in catalogue order, only those that applied)."""
    rows = list(PracticeSession.objects.filter(trainee=technician, status=SessionStatus.FINISHED,
                                               finished_at__gte=since).order_by("finished_at")
                .values("finished_at", "score", "passed", "pass_mark", "items"))
    periods: dict[date, Period] = {}
    counts: dict[str, dict[date, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    marks: dict[int, int] = defaultdict(int)
    for row in rows:
        start = _week(row["finished_at"])
        period = periods.setdefault(start, Period(start))
        period.sessions += 1
        period.passed += bool(row["passed"])
        period.scores.append(row["score"] or 0)
        marks[row["pass_mark"]] += 1
        for item in row["items"]:
            if item["status"] in ("met", "missed"):
                counts[item["rule"]][start][0 if item["status"] == "met" else 1] += 1
    ordered = [periods[k] for k in sorted(periods)]
    known = all_rules()
    rules = []
    for rule in sorted(counts, key=lambda r: CARD_ORDER.index(r) if r in CARD_ORDER else len(CARD_ORDER)):
        by_period = [counts[rule].get(p.start) for p in ordered]
        met = sum(c[0] for c in counts[rule].values())
        missed = sum(c[1] for c in counts[rule].values())
        rules.append(RuleProgress(rule, rule_text(rule, language) if rule in known else rule, met, missed,
                                  [None if c is None else c[0] / (c[0] + c[1]) for c in by_period]))
    mark = max(marks, key=lambda m: marks[m]) if marks else None
    return Progress(ordered, rules, len(rows), mark)


def progress_view(technician: User, data: Progress) -> dict[str, Any]:
    return {
        "technician": {"id": technician.pk, "name": technician.display_name}, "sessions": data.sessions,
        "pass_mark": data.pass_mark,
        "periods": [{"start": p.start, "sessions": p.sessions, "passed": p.passed, "mean_score": p.mean_score}
                    for p in data.periods],
        "rules": [{"rule": r.rule, "text": r.text, "met": r.met, "missed": r.missed,
                   "rate": None if r.rate is None else round(r.rate, 3),
                   "by_period": [None if v is None else round(v, 3) for v in r.by_period]} for r in data.rules],
    }
