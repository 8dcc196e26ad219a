"""Supervisor and technician pages: list, a card beside its transcript, overrides, answers, trends.

Thin: visibility (ET-4) and every rule live in selectors and services; a card
someone may not see is a 404 page.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from atiende.errors import InputError
from atiende.people.models import User
from atiende.people.roles import is_manager
from atiende.practices import get_rule
from atiende.quality.card import STATUSES
from atiende.quality.notes import event_name, evidence_text, field_name, field_value
from atiende.scorecards import selectors, services
from atiende.scorecards.models import Answer
from atiende.web.access import forbidden, not_found, staff_required


def status_labels() -> dict[str, str]:
    return {"met": _("met"), "missed": _("missed"), "n/a": _("n/a")}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _lang() -> str:
    return get_language() or "es"


def _rule_text(rule: str) -> str:
    try:
        return get_rule(rule).text(_lang())
    except Exception:  # a rule the catalogue does not know is shown by its id only
        return ""


@staff_required
def scorecard_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    rows = list(selectors.visible_scorecards(user).prefetch_related("acknowledgements")[:200])
    for row in rows:
        answers = list(row.acknowledgements.all())
        row.last_answer = answers[-1].answer if answers else ""  # type: ignore[attr-defined]
    people = selectors.team_technicians(user).order_by("username")
    return render(request, "scorecards/list.html", {"nav": "scorecards", "rows": rows, "people": people})


@staff_required
def scorecard_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    try:
        row = selectors.get_scorecard(user, pk)
    except InputError:
        return not_found(request)
    view = selectors.scorecard_view(row, language=_lang())
    labels = status_labels()
    for item in view["items"]:
        item["text"] = _rule_text(item["rule"])
        item["scorer_label"] = labels.get(item["scorer_status"], item["scorer_status"])
        for o in item["overrides"]:
            o["label"] = labels.get(o["status"], o["status"])
            o["original_label"] = labels.get(o["original_status"], o["original_status"])
        item["overridden"] = item["status"] != item["scorer_status"] or bool(item["overrides"])
    transcript = selectors.highlighted_transcript(row, view["items"])
    # Matched on the stored keys above; shown in the reader's words below (issue 22, item 21).
    language = _lang()
    for item in view["items"]:
        item["evidence"] = [evidence_text(str(e), language) for e in item["evidence"]]
    transcript = [line if line.kind is None else replace(
        line, kind=event_name(line.kind, language),
        details={field_name(k, language): field_value(v, language) for k, v in line.details.items()})
        for line in transcript]
    applicable = [i for i in view["items"] if i["status"] != "n/a" or i["overrides"]]
    not_applicable = [i for i in view["items"] if i["status"] == "n/a" and not i["overrides"]]
    may_override = is_manager(user) and row.technician_id != user.pk
    return render(request, "scorecards/detail.html", {
        "nav": "scorecards", "card": row, "view": view, "transcript": transcript, "applicable": applicable,
        "not_applicable": not_applicable, "may_override": may_override,
        "may_answer": row.technician_id == user.pk, "statuses": [(s, labels[s]) for s in STATUSES],
        "answer": view["acknowledgements"][-1] if view["acknowledgements"] else None,
        # a call handled in the console with no words supplied (issue 22, item 19)
        "without_words": not any(isinstance(e, dict) and "speaker" in e for e in row.transcript.get("events", [])),
    })


@require_POST
@staff_required
def scorecard_override(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    try:
        services.override_item(scorecard_id=pk, user=user, rule=request.POST.get("rule", ""),
                               status=request.POST.get("status", ""), comment=request.POST.get("comment", ""))
    except InputError as exc:
        if exc.status == 404:
            return not_found(request)
        if exc.status == 403:
            return forbidden(request, str(exc.message), rule=exc.rule)
        messages.error(request, str(exc.message))
        return redirect("scorecards:detail", pk=pk)
    messages.success(request, _("The override was saved beside the scorer's status."))
    return redirect("scorecards:detail", pk=pk)


@require_POST
@staff_required
def scorecard_answer(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    answer = request.POST.get("answer", "")
    try:
        services.answer_scorecard(scorecard_id=pk, user=user, answer=answer, comment=request.POST.get("comment", ""))
    except InputError as exc:
        if exc.status == 404:
            return not_found(request)
        if exc.status == 403:
            return forbidden(request, str(exc.message), rule=exc.rule)
        messages.error(request, str(exc.message))
        return redirect("scorecards:detail", pk=pk)
    messages.success(request, _("Your answer was recorded.") if answer == Answer.ACKNOWLEDGED
                     else _("Your dispute was recorded; your supervisor will review it."))
    return redirect("scorecards:detail", pk=pk)


@staff_required
def technician_trend(request: HttpRequest, user_id: int) -> HttpResponse:
    user = _user(request)
    technician = selectors.team_technicians(user).filter(pk=user_id).first()
    if technician is None:
        return not_found(request)
    period = request.GET.get("period", "week")
    if period not in selectors.PERIODS:
        period = "week"
    try:
        days = max(1, min(3660, int(request.GET.get("days", "84"))))
    except ValueError:
        days = 84
    data = selectors.technician_trend(technician, period=period, since=timezone.now() - timedelta(days=days))
    bars = _bars(data)
    rules: list[dict[str, Any]] = [
        {"rule": r.rule, "text": _rule_text(r.rule), "met": r.met, "missed": r.missed,
         "percent": None if r.rate is None else round(100 * r.rate)}
        for r in data.rules
    ]
    rules.sort(key=lambda r: (r["percent"] if r["percent"] is not None else 101))
    recent = selectors.visible_scorecards(user).filter(technician=technician)[:20]
    return render(request, "scorecards/trend.html", {
        "nav": "scorecards", "technician": technician, "trend": data, "bars": bars, "rules": rules,
        "period": period, "days": days, "recent": recent,
    })


def _bars(data: selectors.Trend) -> dict[str, Any]:
    """Geometry of a plain SVG bar chart of the mean score per period (no JavaScript)."""
    width_each, gap, height = 36, 8, 120
    bars = []
    for i, p in enumerate(data.periods):
        h = round(height * p.mean_score / 100)
        bars.append({"x": i * (width_each + gap), "y": height - h, "h": h, "w": width_each, "period": p})
    return {"items": bars, "width": max(1, len(bars)) * (width_each + gap), "height": height,
            "label_y": height + 14, "total_height": height + 20}
