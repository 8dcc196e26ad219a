"""Placeholders of canned answers: {cliente}, {numero}, {tecnico} (pure, no Django).

Only these names are read; any other text in braces, or a lone brace, stays as written,
so an answer about "{ruta}" in a path is never broken. A value missing at the time of use
(a work order with no technician yet) leaves the placeholder visible for the technician
to fill in by hand.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

NAMES = ("cliente", "numero", "tecnico")
_PLACEHOLDER = re.compile(r"\{(cliente|numero|n[uú]mero|t[eé]cnico)\}")


def _key(name: str) -> str:
    return name.replace("ú", "u").replace("é", "e")


def fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each known placeholder replaced by its value (``{número}``, ``{técnico}`` too)."""
    return _PLACEHOLDER.sub(lambda m: values.get(_key(m.group(1))) or m.group(0), text)


def used(text: str) -> list[str]:
    """The placeholders a text uses, in order, each once."""
    seen: list[str] = []
    for match in _PLACEHOLDER.finditer(text):
        key = _key(match.group(1))
        if key not in seen:
            seen.append(key)
    return seen
