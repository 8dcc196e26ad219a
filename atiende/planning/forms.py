"""Forms of the planning pages: they bound every number so one web request stays cheap.

The staffing core checks its own inputs too (StaffingInputError); the views
attach those messages to these forms, so bad input is a message, never a 500.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from atiende.engine.policies import DEFAULT_POLICY

# A web request must stay short: the CLI (`atiende simulate-day`) has no caps.
MAX_CSV_BYTES = 1024 * 1024
MAX_INTERVALS = 1440           # a day of one-minute intervals
MAX_CALLS_PER_PERIOD = 100_000
MAX_SIMULATED_CALLS = 50_000
MAX_TECHNICIANS = 10_000         # per interval; more could never be busy with 50,000 calls a day
MAX_AHT_SECONDS = 4 * 3600
MAX_SEED = 2**63 - 1


def _number(label: Any, *, initial: float | None = None, min_value: float | None = 0,
            max_value: float | None = None, required: bool = True, help_text: Any = "",
            step: str = "any") -> forms.FloatField:
    return forms.FloatField(
        label=label, initial=initial, min_value=min_value, max_value=max_value, required=required,
        help_text=help_text, widget=forms.NumberInput(attrs={"step": step}),
    )


def _fraction(label: Any, *, initial: float | None, required: bool = True, help_text: Any = "") -> forms.FloatField:
    return _number(label, initial=initial, min_value=0, max_value=1, required=required, help_text=help_text)


class TargetFields(forms.Form):
    """The service target shared by the calculator and the interval plan."""

    answer_within = _number(_("Answer within (seconds)"), initial=DEFAULT_POLICY.max_wait_seconds, max_value=86_400,
                            help_text=format_lazy(_("PO-2: nobody should wait more than {seconds} s."),
                                                  seconds=DEFAULT_POLICY.max_wait_seconds))
    target = _fraction(_("Target (fraction of calls)"), initial=DEFAULT_POLICY.service_level_target, help_text=_(
        "For example 0.8 for 80 %. Waits have no upper bound in Erlang C, so PO-2 is a share close to 1."))
    max_occupancy = _fraction(_("Maximum occupancy (fraction, optional)"), initial=None, required=False,
                              help_text=_("For example 0.85: nobody takes call after call all day."))
    shrinkage = _fraction(_("Shrinkage (fraction)"), initial=0.0, help_text=_(
        "Breaks, training and absence, for example 0.3."))

    def clean_target(self) -> float:
        value = self.cleaned_data["target"]
        if not 0 < value < 1:
            raise ValidationError(_("The target is a fraction above 0 and below 1, for example 0.8 for 80 %."))
        return value

    def clean_max_occupancy(self) -> float | None:
        value = self.cleaned_data.get("max_occupancy")
        if value is not None and value <= 0:
            raise ValidationError(_("The maximum occupancy is a fraction above 0 and up to 1."))
        return value

    def clean_shrinkage(self) -> float:
        value = self.cleaned_data["shrinkage"]
        if value >= 1:
            raise ValidationError(_("The shrinkage is a fraction from 0 and below 1."))
        return value


class CalculatorForm(TargetFields):
    calls = _number(_("Calls per period"), initial=100, max_value=MAX_CALLS_PER_PERIOD)
    period_minutes = _number(_("Period (minutes)"), initial=30, min_value=1, max_value=1440)
    aht = _number(_("Average handle time (seconds)"), initial=300, min_value=1, max_value=MAX_AHT_SECONDS)

    field_order = ["calls", "period_minutes", "aht", "answer_within", "target", "max_occupancy", "shrinkage"]


def read_csv_upload(upload: Any) -> str:
    """The text of an uploaded CSV, or a ValidationError (too large, not UTF-8)."""
    if upload.size > MAX_CSV_BYTES:
        raise ValidationError(_("The CSV file is larger than 1 MB."))
    try:
        return upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(_("The CSV file is not UTF-8 text.")) from None


class CsvFields(forms.Form):
    """A CSV of calls per interval, uploaded or pasted (the format of `atiende staffing-plan`)."""

    csv_file = forms.FileField(label=_("CSV file"), required=False, help_text=_(
        "Up to 1 MB. One interval a line: interval,calls[,aht]; header optional, comma or semicolon."))
    csv_text = forms.CharField(label=_("Or paste the CSV"), required=False,
                               widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}))
    interval_minutes = _number(_("Interval (minutes)"), initial=30, min_value=1, max_value=1440)
    aht = _number(_("Average handle time (seconds)"), initial=300, min_value=1, max_value=MAX_AHT_SECONDS,
                  help_text=_("Used where the CSV has no aht column."))

    csv_required = True

    def clean_csv_text(self) -> str:
        text = self.cleaned_data.get("csv_text") or ""
        if len(text.encode("utf-8")) > MAX_CSV_BYTES:
            raise ValidationError(_("The pasted CSV is larger than 1 MB."))
        return text

    def clean(self) -> dict[str, Any]:
        # Form.clean() returns self.cleaned_data (typed Optional for overrides that return nothing).
        super().clean()
        data = self.cleaned_data
        upload = data.get("csv_file")
        text = data.get("csv_text") or ""
        if upload and text.strip():
            self.add_error("csv_text", _("Upload a file or paste the CSV, not both."))
        elif upload:
            try:
                data["csv"] = read_csv_upload(upload)
            except ValidationError as exc:
                self.add_error("csv_file", exc)
        elif text.strip():
            data["csv"] = text
        elif self.csv_required:
            self.add_error("csv_text", _("Upload a CSV file or paste its lines."))
        return data


class PlanForm(CsvFields, TargetFields):
    field_order = ["csv_file", "csv_text", "interval_minutes", "aht", "answer_within", "target",
                   "max_occupancy", "shrinkage"]


_AGENTS_SPLIT = re.compile(r"[\s,;]+")


class SimulationForm(CsvFields):
    """A day to simulate: calls from a CSV or the same all day; technicians flat, per interval or planned."""

    csv_required = False
    calls = _number(_("Calls per interval, the same all day"), initial=None, required=False,
                    max_value=MAX_SIMULATED_CALLS, help_text=_("Leave empty to use the CSV."))
    hours = _number(_("Length of the day (hours)"), initial=8, min_value=0.1, max_value=24,
                    help_text=_("Only with calls the same all day; the day starts at 08:00."))
    agents = forms.CharField(label=_("Technicians"), required=False, max_length=20_000, help_text=_(
        "One number for the whole day, one per interval separated by commas, or empty for the Erlang C plan."))
    answer_within = _number(_("Answer within (seconds)"), initial=20, max_value=86_400)
    target = _fraction(_("Target of the Erlang C plan (fraction)"), initial=0.8,
                       help_text=_("Used only when the technicians are left empty."))
    patience = _number(_("Mean patience (seconds, optional)"), initial=None, min_value=1, max_value=86_400,
                       required=False, help_text=_("Callers hang up after this on average; empty: nobody hangs up."))
    difficult_share = _fraction(_("Share of difficult customers"), initial=0.0)
    difficult_factor = _number(_("How much longer their calls are"), initial=1.5, min_value=1, max_value=10)
    max_wait = _number(_("PO-2: longest wait (seconds)"), initial=DEFAULT_POLICY.max_wait_seconds, max_value=86_400)
    max_call = _number(_("PO-1: longest call (seconds)"), initial=DEFAULT_POLICY.max_call_seconds, max_value=86_400)
    seed = forms.IntegerField(label=_("Seed (optional)"), required=False, min_value=0, max_value=MAX_SEED,
                              help_text=_("The same seed repeats a day exactly; empty: a new one, shown."))

    field_order = ["csv_file", "csv_text", "calls", "hours", "interval_minutes", "agents", "aht", "answer_within",
                   "target", "patience", "difficult_share", "difficult_factor", "max_wait", "max_call", "seed"]

    def clean_target(self) -> float:
        value = self.cleaned_data["target"]
        if not 0 < value < 1:
            raise ValidationError(_("The target is a fraction above 0 and below 1, for example 0.8 for 80 %."))
        return value

    def clean_agents(self) -> list[int] | None:
        text = (self.cleaned_data.get("agents") or "").strip()
        if not text:
            return None
        numbers = []
        for item in _AGENTS_SPLIT.split(text):
            if not item:
                continue
            if not item.isdigit():
                raise ValidationError(_("“%(value)s” is not a whole number of technicians from 0.") % {"value": item})
            numbers.append(min(int(item[:12]), MAX_TECHNICIANS + 1))  # the cap is explained by calculations
        if len(numbers) > MAX_INTERVALS:
            raise ValidationError(_("At most %(count)d intervals.") % {"count": MAX_INTERVALS})
        return numbers

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        has_csv = "csv" in data
        if data.get("calls") is not None and has_csv:
            self.add_error("calls", _("Give calls the same all day or a CSV, not both."))
        elif data.get("calls") is None and not has_csv and not self.errors:
            self.add_error("calls", _("Give calls per interval, or upload or paste a CSV."))
        return data
