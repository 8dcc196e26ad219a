"""How the language tests read a text: the rules a technician's draft breaks, the traits a customer's message shows.

One definition for the family tests of every session (``test_families*.py``) and the rule and trait tests beside
them, so that a change of what "a draft" means (its channel, the customer's level) is made in one place."""

from __future__ import annotations

from atiende.language import analyze


def rules(text: str, level: str = "basico") -> set[str]:
    """The rule IDs a technician's chat draft to a customer of ``level`` breaks."""
    return {f.rule for f in analyze(text, as_="tecnico", level=level, channel="chat").findings}


def traits(text: str) -> set[str]:
    """The trait IDs a customer's message shows."""
    return {t.id for t in analyze(text, as_="cliente").traits}
