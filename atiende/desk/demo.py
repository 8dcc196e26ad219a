"""Demo customers and work orders in every phase (filled by the desk app)."""

from __future__ import annotations

from atiende.people.models import Team


def load_desk_demo(team: Team) -> list[tuple[str, str, str]]:
    return []
