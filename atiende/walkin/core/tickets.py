"""Ticket numbers: a letter per service and a number that starts again every day ("A-012").

The number is short so a visitor can read it on the waiting-room screen and hear it
called; three digits cover a busy day (999 visitors of one service). Booked visits
have their own letter, so a visitor with an appointment sees at once that they are
not in the walk-in line.
"""

from __future__ import annotations

from atiende.practices import Refusal

BOOKED_LETTER = "C"  # "cita": a booked visit, whatever its service


def ticket_label(letter: str, number: int) -> str:
    """«A-012»: the letter, a hyphen and the day's number in at least three digits."""
    return f"{letter}-{number:03d}"


def check_letter(letter: str) -> str:
    """A service's letter: one capital A-Z, not the booked visits' own (CH-PRE)."""
    clean = (letter or "").strip().upper()
    if len(clean) != 1 or not ("A" <= clean <= "Z"):
        raise Refusal("invalid_ticket_letter", rule="CH-PRE", status=400,
                      es="La letra del servicio debe ser una sola letra de la A a la Z.",
                      en="A service's letter must be one letter from A to Z.")
    if clean == BOOKED_LETTER:
        raise Refusal("ticket_letter_reserved", rule="CH-PRE", status=400,
                      es=f"La letra {BOOKED_LETTER} es la de las citas reservadas: elija otra.",
                      en=f"The letter {BOOKED_LETTER} is the booked visits' own: choose another.")
    return clean
