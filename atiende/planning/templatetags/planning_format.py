"""Numbers as the planning pages show them."""

from __future__ import annotations

import math

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def percent(value: float | None) -> str:
    """0.8 -> "80,0 %" (Spanish) / "80.0 %"; a dash when there is no value."""
    if value is None or not math.isfinite(value):
        return "—"
    return f"{number_format(value * 100, 1)} %"


@register.filter
def seconds(value: float | None) -> str:
    if value is None:
        return "—"
    if not math.isfinite(value):
        return "∞"
    return f"{number_format(value, 1)} s"
