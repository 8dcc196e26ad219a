"""Which targets apply to a work order (pure: no Django).

A policy names targets and, optionally, the priority, the queue (the work order's
team: where it waits to be worked) and the organisation it is for. The policy
that applies is the most specific one whose every stated criterion matches: an
organisation's policy beats a queue's, which beats a priority-only one, which
beats the default (no criterion). Among equals the lowest ``rank`` wins (the
order an administrator gave them), so the choice never depends on the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from atiende.sla.core.clock import Targets


@dataclass(frozen=True)
class Policy:
    key: int
    targets: Targets
    priority: str | None = None
    queue: int | None = None  # the team's id
    organisation: int | None = None
    rank: int = 0

    def matches(self, *, priority: str, queue: int | None, organisation: int | None) -> bool:
        return ((self.priority is None or self.priority == priority)
                and (self.queue is None or self.queue == queue)
                and (self.organisation is None or self.organisation == organisation))

    @property
    def specificity(self) -> int:
        return 4 * (self.organisation is not None) + 2 * (self.queue is not None) + (self.priority is not None)


def choose(policies: Iterable[Policy], *, priority: str, queue: int | None,
           organisation: int | None) -> Policy | None:
    """The policy for a work order with this priority, team and organisation, or None."""
    found = [p for p in policies if p.matches(priority=priority, queue=queue, organisation=organisation)]
    if not found:
        return None
    return min(found, key=lambda p: (-p.specificity, p.rank, p.key))
