"""Phone numbers as the telephony compares them (pure: the desk's contact points and the CTI both use it)."""

from __future__ import annotations

import re

_NUMBER_NOISE = re.compile(r"[\s().\-/]")


def normalise_number(number: str) -> str:
    """Digits only, international prefix as ``+``: «+34 600-11 22», «0034600112» compare equal."""
    text = _NUMBER_NOISE.sub("", number.strip().lower())
    if text.startswith("00"):
        text = "+" + text[2:]
    return text
