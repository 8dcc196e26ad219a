"""Planning pages for supervisors and administrators: calculator, interval plan, day simulation.

Thin: forms bound the input, atiende.planning.calculations calls the staffing
core, and any StaffingInputError from the core becomes a message on the form
(status 200), never a 500.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import number_format
from django.utils.translation import get_language

from atiende.engine.policies import DEFAULT_POLICY
from atiende.people.roles import MANAGERS
from atiende.planning import calculations
from atiende.planning.forms import MAX_SIMULATED_CALLS, CalculatorForm, PlanForm, SimulationForm
from atiende.staffing.erlang import StaffingInputError
from atiende.staffing.plan import PlanError
from atiende.web.access import role_required

# Staffing decides how many technicians a team gets: a manager's page, not a technician's (ET-4).
managers_required = role_required(MANAGERS)

EXAMPLE_CSV = Path(__file__).resolve().parent.parent / "staffing" / "examples" / "dia-tipico.csv"

# Core field names (StaffingInputError.field) that differ from the form's.
_FIELD_ALIASES = {"period": "period_minutes", "patience_seconds": "patience", "max_wait_seconds": "max_wait",
                  "max_call_seconds": "max_call", "answer_within_seconds": "answer_within",
                  "aht_seconds": "aht", "interval_seconds": "interval_minutes"}

# PO-2 as the pages word it ("99 % within 3 minutes"), from the policy's defaults.
PO2_LABELS = {"percent": f"{DEFAULT_POLICY.service_level_target * 100:g}",
              "minutes": f"{DEFAULT_POLICY.max_wait_seconds / 60:g}"}
PRESETS = {
    # PO-2: nobody waits past the maximum wait, as a share close to 1 (Erlang C waits have no upper bound).
    "po2": {"answer_within": DEFAULT_POLICY.max_wait_seconds, "target": DEFAULT_POLICY.service_level_target},
    "80-20": {"answer_within": 20, "target": 0.8},
}


def _language() -> str:
    return get_language() or "es"


def _attach(form: forms.Form, exc: StaffingInputError, *, csv_field: str | None = None) -> None:
    """Show a core error beside the field it is about, or above the form."""
    message = exc.message(_language())
    if isinstance(exc, PlanError) or exc.field == "csv":
        field = csv_field
    else:
        field = _FIELD_ALIASES.get(exc.field, exc.field)
    form.add_error(field if field in form.fields else None, message)


def _csv_field(form: forms.Form) -> str:
    return "csv_file" if form.cleaned_data.get("csv_file") else "csv_text"


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, template, {"nav": "planning", "po2": PO2_LABELS, **context})


@managers_required
def calculator(request: HttpRequest) -> HttpResponse:
    fields = set(CalculatorForm.base_fields)
    result = None
    if fields & set(request.GET):
        form = CalculatorForm(request.GET)
        if form.is_valid():
            try:
                result = calculations.calculator(form.cleaned_data, language=_language())
            except StaffingInputError as exc:
                _attach(form, exc)
    else:
        preset = PRESETS.get(request.GET.get("preset", ""), {})
        form = CalculatorForm(initial=preset)
    return _page(request, "planning/calculator.html", {"form": form, "result": result, "tab": "calculator"})


@managers_required
def interval_plan(request: HttpRequest) -> HttpResponse:
    plan = None
    if request.method == "POST":
        form = PlanForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                plan = calculations.interval_plan(form.cleaned_data)
            except StaffingInputError as exc:
                _attach(form, exc, csv_field=_csv_field(form))
    else:
        initial = {}
        if request.GET.get("ejemplo"):
            initial["csv_text"] = EXAMPLE_CSV.read_text(encoding="utf-8")
        form = PlanForm(initial=initial)
    context: dict[str, Any] = {"form": form, "plan": plan, "tab": "plan"}
    if plan is not None:
        context["chart_svg"] = plan.chart_svg(_language())
    return _page(request, "planning/plan.html", context)


@managers_required
def simulation(request: HttpRequest) -> HttpResponse:
    outcome = None
    if request.method == "POST":
        form = SimulationForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                outcome = calculations.simulation(form.cleaned_data, language=_language(),
                                                  seed=form.cleaned_data.get("seed"))
            except StaffingInputError as exc:
                _attach(form, exc, csv_field=_csv_field(form))
    else:
        form = SimulationForm(initial={"calls": 60})
    context: dict[str, Any] = {"form": form, "outcome": outcome, "tab": "simulation",
                               "max_calls": number_format(MAX_SIMULATED_CALLS, force_grouping=True)}
    return _page(request, "planning/simulation.html", context)
