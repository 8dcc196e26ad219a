"""Score every contact as it ends (SPEC capability 4).

The receiver only stores a scoring job, in the ending's own transaction (see
``jobs.py``): ending a call never waits for the scorer and never fails because
of a scorecard, and a crash right after the commit loses nothing, since the
worker finds the job there.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save


def _contact_saved(sender: Any, instance: Any, created: bool = False, update_fields: Any = None,
                   **kwargs: Any) -> None:
    from atiende.contact.models import ContactState

    if instance.state != ContactState.ENDED:
        return
    if update_fields is not None and "state" not in update_fields:
        return
    from atiende.scorecards import jobs

    jobs.enqueue(instance)


def connect() -> None:
    from atiende.contact.models import Contact

    post_save.connect(_contact_saved, sender=Contact, dispatch_uid="scorecards.score_ended_contact")
