"""Practice room pages under /practica/: scenarios and assignments, the call itself, a trainee's progress.

Thin: who may see what and every rule live in selectors and services. The call page is a chat-like
composer: with htmx a line is sent and the call panel comes back with the customer's answer; without
JavaScript the form posts and the page reloads.
"""

from __future__ import annotations

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
from atiende.practice import selectors, services
from atiende.practice.models import SessionStatus
from atiende.practice.scenarios import scenario_list
from atiende.practices import Refusal
from atiende.staffing.charts import line_chart
from atiende.web.access import not_found, staff_required


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _lang() -> str:
    return get_language() or "es"


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


@staff_required
def index(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    manager = is_manager(user)
    context: dict[str, Any] = {
        "nav": "practice", "scenarios": scenario_list(_lang()),
        "assignments": [selectors.assignment_view(a, _lang())
                        for a in selectors.visible_assignments(user).filter(technician=user)[:20]],
        "sessions": selectors.visible_sessions(user).filter(trainee=user)[:20],
        "is_manager": manager,
    }
    if manager:
        context["team"] = selectors.team_members(user).exclude(pk=user.pk).order_by("username")
        context["team_assignments"] = [selectors.assignment_view(a, _lang())
                                       for a in selectors.visible_assignments(user).exclude(technician=user)[:50]]
    return render(request, "practice/index.html", context)


@staff_required
@require_POST
def start(request: HttpRequest) -> HttpResponse:
    try:
        row = services.start_session(user=_user(request), customer_type=request.POST.get("type") or None,
                                     scenario_id=request.POST.get("scenario") or None,
                                     seed=_int(request.POST.get("seed")),
                                     assignment_id=_int(request.POST.get("assignment")))
    except (InputError, Refusal) as exc:
        messages.error(request, _message(exc))
        return redirect("practice:index")
    return redirect("practice:session", pk=row.pk)


def _message(exc: InputError | Refusal) -> str:
    text = exc.message(_lang()) if isinstance(exc, Refusal) else str(exc.message)
    return f"{text} ({exc.rule})" if exc.rule else text


def _call_context(request: HttpRequest, row: Any, error: str | None = None) -> dict[str, Any]:
    view = selectors.session_view(row, _lang())
    return {"nav": "practice", "row": row, "call": view, "result": view["result"], "error": error,
            "can_speak": row.trainee_id == _user(request).pk and row.status == SessionStatus.ACTIVE}


@staff_required
def session(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        row = selectors.get_session(_user(request), pk)
    except InputError:
        return not_found(request)
    return render(request, "practice/session.html", _call_context(request, row))


@staff_required
@require_POST
def turn(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    error = None
    try:
        row, _new = services.take_turn(user=user, session_id=pk, text=request.POST.get("text", "")[:2000])
    except (InputError, Refusal) as exc:
        if isinstance(exc, InputError) and exc.status == 404:
            return not_found(request)
        error = _message(exc)
        row = selectors.get_session(user, pk)
    if request.headers.get("HX-Request"):
        return render(request, "practice/_call.html", _call_context(request, row, error))
    if error:
        messages.error(request, error)
    return redirect("practice:session", pk=pk)


@staff_required
@require_POST
def assign(request: HttpRequest) -> HttpResponse:
    try:
        services.assign_scenario(user=_user(request), technician_id=_int(request.POST.get("technician")) or 0,
                                 scenario_id=request.POST.get("scenario", ""), note=request.POST.get("note", ""))
        messages.success(request, _("Scenario assigned."))
    except InputError as exc:
        messages.error(request, _message(exc))
    return redirect("practice:index")


@staff_required
@require_POST
def pass_mark(request: HttpRequest) -> HttpResponse:
    value = _int(request.POST.get("pass_mark"))
    try:
        if value is None:
            raise InputError("invalid_pass_mark", _("The pass mark must be between 0 and 100."))
        services.set_pass_mark(user=_user(request), scenario_id=request.POST.get("scenario", ""), pass_mark=value)
        messages.success(request, _("Pass mark saved."))
    except InputError as exc:
        messages.error(request, _message(exc))
    return redirect("practice:index")


@staff_required
def progress(request: HttpRequest, user_id: int) -> HttpResponse:
    technician = selectors.team_members(_user(request)).filter(pk=user_id).first()
    if technician is None:
        return not_found(request)
    days = max(1, min(3660, _int(request.GET.get("days")) or 84))
    data = selectors.progress(technician, since=timezone.now() - timedelta(days=days), language=_lang())
    labels = [p.start.strftime("%d/%m") for p in data.periods]
    chart = line_chart(_("Mean practice score by week"), labels, [p.mean_score for p in data.periods],
                       y_label=_("score"), target=data.pass_mark,
                       target_label=_("pass mark") if data.pass_mark is not None else "") if data.periods else ""
    chosen = request.GET.get("rule") or ""
    rule = next((r for r in data.rules if r.rule == chosen), None)
    rule_chart = ""
    if rule is not None:
        rule_chart = line_chart(_("%(rule)s met, by week") % {"rule": rule.rule}, labels,
                                [v or 0.0 for v in rule.by_period], y_label=_("share met"), percent=True)
    rules = sorted(data.rules, key=lambda r: (r.rate if r.rate is not None else 2.0))
    return render(request, "practice/progress.html", {
        "nav": "practice", "technician": technician, "data": data, "chart": chart, "rule": rule,
        "rule_chart": rule_chart, "rules": rules, "days": days, "labels": labels,
        "recent": selectors.visible_sessions(_user(request)).filter(trainee=technician)[:20],
    })
