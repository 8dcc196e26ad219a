"""Settings read from the environment at each use (webhooks, mail): a number, or an error naming it."""

from __future__ import annotations

import os

from django.utils.translation import gettext as _

from atiende.errors import InputError


def number(name: str, default: float, *, whole: bool = False, minimum: float = 0.0, zero: bool = False,
           code: str = "invalid_setting") -> float:
    """``name``'s value: a whole number or a number of seconds of at least ``minimum`` (seconds: more than 0,
    unless ``zero`` allows it); ``default`` when unset; :class:`InputError` ``code`` naming it otherwise."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value: float | None = int(raw) if whole else float(raw)
    except ValueError:
        value = None
    if value is None or value < minimum or (not whole and not zero and value <= 0):
        kind = _("a whole number") if whole else _("a number of seconds")
        raise InputError(code, _("%(name)s must be %(kind)s of at least %(minimum)s, not %(value)r.")
                         % {"name": name, "kind": kind, "minimum": minimum, "value": raw}, field=name)
    return value
