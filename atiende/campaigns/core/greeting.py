"""PH-5: how an outbound call opens, asking for the person with the form of address of their country.

The customer record keeps the form of address (Sr., Sra., Don, Doña, Dr....); the greeting
follows the person's own clock (their time zone, see :mod:`.hours`): «Buenos días» until
the early afternoon, «Buenas tardes» until the evening, «Buenas noches» after.
"""

from __future__ import annotations

# Spanish custom: «días» until lunch (14:00), «tardes» until dark (about 21:00).
_MORNING_UNTIL = 14
_AFTERNOON_UNTIL = 21


def salutation(local_hour: int, language: str = "es") -> str:
    if language.startswith("en"):
        return "Good morning" if local_hour < 12 else "Good afternoon" if local_hour < 18 else "Good evening"
    if 6 <= local_hour < _MORNING_UNTIL:
        return "Buenos días"
    return "Buenas tardes" if 6 <= local_hour < _AFTERNOON_UNTIL else "Buenas noches"


def person(name: str, address_as: str) -> str:
    """«Doña Carmen Ruiz», «Sr. Pérez»: the name with its form of address, as the record keeps it."""
    return f"{address_as} {name}".strip() if address_as else name


def opening_line(*, name: str, address_as: str, local_hour: int, language: str = "es") -> str:
    """What the technician says first (PH-5): the greeting, then asks for the person politely."""
    if language.startswith("en"):
        return f"{salutation(local_hour, language)}. May I speak to {person(name, address_as)}, please?"
    return f"{salutation(local_hour)}. ¿Podría hablar con {person(name, address_as)}, por favor?"
