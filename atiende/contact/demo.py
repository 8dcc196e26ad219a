"""Demo contact-center set-up: the support queue and the demo technicians ready for calls. Loading twice changes nothing."""

from __future__ import annotations

from atiende.contact.models import Queue, TechnicianState
from atiende.contact.services import availability, queues
from atiende.people.models import Team, User
from atiende.people.roles import TECHNICIANS, role_filter


def load_contact_demo(team: Team | None = None) -> None:
    """``team``: the demo team, whose supervisor then sees the demo queue's calls (ET-4)."""
    if not Queue.objects.filter(name="soporte").exists():
        queues.save_queue(name="soporte", label="Soporte técnico", tiers=[1, 2],
                            team_id=team.pk if team is not None else None)
    for user in User.objects.filter(role_filter(TECHNICIANS), is_active=True):
        if not TechnicianState.objects.filter(user=user).exists():
            availability.make_available(user=user)
