"""The services a visitor can come for: each a queue of the contact center with its ticket letter.

A walk-in queue starts from a wait policy of its own, since a visitor in a waiting
room is not a caller on hold: PO-2's limit is 15 minutes (the warning at 80 %, as for
calls), a called visitor has 10 minutes to reach the desk before going back to the line
(the engine's ring timeout), and a visit may last 30 minutes (PO-1). An administrator
changes them as any queue's (/administracion/).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from atiende.contact.services.queues import save_queue
from atiende.db import single_writer
from atiende.walkin.core import check_letter
from atiende.walkin.models import Service
from atiende.walkin.services.checks import text

WALK_IN_POLICY: dict[str, Any] = {"max_wait_seconds": 15 * 60, "ring_timeout_seconds": 10 * 60,
                                  "max_call_seconds": 30 * 60}


@single_writer
def save_service(*, queue: str, letter: str, label: str, tiers: Iterable[int] = (1, 2), skills: Iterable[str] = (),
                 policy: dict[str, Any] | None = None, team_id: int | None = None, position: int = 0) -> Service:
    """Create or change a walk-in service and its queue (the letter checked: one A-Z, not C)."""
    clean_letter = check_letter(letter)
    clean_label = text(label, "label", 80, label="label", required=True)
    with transaction.atomic():
        row = save_queue(name=queue, label=clean_label, tiers=tiers, skills=skills,
                         policy={**WALK_IN_POLICY, **(policy or {})}, team_id=team_id)
        service, _created = Service.objects.update_or_create(
            queue=row, defaults={"letter": clean_letter, "label": clean_label, "position": position})
    return service
