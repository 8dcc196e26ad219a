"""Demo walk-in desk: two services at reception, so /recepcion/, /sala/ and the console's desk panel have
something to show on first run. Loading twice changes nothing."""

from __future__ import annotations

from atiende.people.models import Team
from atiende.walkin.models import Service
from atiende.walkin.services.catalogue import save_service


def load_walkin_demo(team: Team | None = None) -> None:
    """``team``: the demo team, whose supervisor then sees the desk's visitors (ET-4)."""
    team_id = team.pk if team is not None else None
    if not Service.objects.filter(letter="A").exists():
        save_service(queue="mostrador", letter="A", label="Reparaciones y consultas", team_id=team_id)
    if not Service.objects.filter(letter="R").exists():
        save_service(queue="recogidas", letter="R", label="Recogida de equipos", team_id=team_id, position=1)
