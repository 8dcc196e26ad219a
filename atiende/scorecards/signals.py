"""Score every contact as it ends (SPEC capability 4).

The receiver only schedules the work: scoring runs after the ending has
committed (``on_commit``), outside the engine's lock, and any failure is
logged and swallowed, so ending a call can never fail because of a scorecard.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save


def _contact_saved(sender: Any, instance: Any, created: bool = False, update_fields: Any = None,
                   **kwargs: Any) -> None:
    from atiende.contact.models import ContactState

    if instance.state != ContactState.ENDED:
        return
    if update_fields is not None and "state" not in update_fields:
        return
    contact_id = instance.pk

    def run() -> None:
        from atiende.scorecards.services import score_ended_contact

        score_ended_contact(contact_id)

    transaction.on_commit(run, robust=True)


def connect() -> None:
    from atiende.contact.models import Contact

    post_save.connect(_contact_saved, sender=Contact, dispatch_uid="scorecards.score_ended_contact")
