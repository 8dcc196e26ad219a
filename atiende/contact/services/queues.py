"""Queues and policies: create or change a queue, an organisation's policy (PO-1..PO-3)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from atiende import engine
from atiende.contact.models import (
    Contact,
    OrganisationPolicy,
    Queue,
)
from atiende.contact.services.deadlines import realign_deadlines
from atiende.contact.services.locking import atomic
from atiende.db import single_writer
from atiende.engine.routing import QueueConfig
from atiende.errors import InputError
from atiende.people.models import Team


@single_writer
@atomic
def save_queue(*, name: str, label: str = "", tiers: Iterable[int] = (1, 2), skills: Iterable[str] = (),
               policy: dict[str, Any] | None = None, team_id: int | None = None) -> Queue:
    """Create or change a queue. ``team_id``: the team whose supervisors see its calls (ET-4); None: shared."""
    config = QueueConfig(name, tuple(int(t) for t in tiers), frozenset(skills))  # validates the tiers
    engine.Policy().with_overrides(policy or {})  # validates the overrides (clear 400)
    if team_id is not None and not Team.objects.filter(pk=team_id).exists():
        raise InputError("unknown_team", _("There is no team %(id)s.") % {"id": team_id}, field="team",
                         rule="ET-4")
    old_policy = Queue.objects.filter(name=name).values_list("policy", flat=True).first()
    queue, _created = Queue.objects.update_or_create(
        name=name, defaults={"label": label, "tiers": list(config.tiers), "skills": sorted(config.skills),
                             "policy": policy or {}, "team_id": team_id},
    )
    if old_policy is not None and old_policy != queue.policy:
        realign_deadlines(Contact.objects.filter(queue=queue))  # calls in progress follow the new times
    return queue


@single_writer
@atomic
def set_organisation_policy(*, organisation_id: int, policy: dict[str, Any]) -> OrganisationPolicy:
    engine.Policy().with_overrides(policy)
    row, _created = OrganisationPolicy.objects.update_or_create(
        organisation_id=organisation_id, defaults={"policy": policy})
    realign_deadlines(Contact.objects.filter(customer__organisation_id=organisation_id))
    return row
