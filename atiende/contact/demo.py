"""Demo contact-center set-up: the support queue and the demo technicians ready for calls. Loading twice changes nothing."""

from __future__ import annotations

from atiende.contact import services
from atiende.contact.models import Queue, TechnicianState
from atiende.people.models import Role, User


def load_contact_demo() -> None:
    if not Queue.objects.filter(name="soporte").exists():
        services.save_queue(name="soporte", label="Soporte técnico", tiers=[1, 2])
    for user in User.objects.filter(role=Role.TECHNICIAN, is_active=True):
        if not TechnicianState.objects.filter(user=user).exists():
            services.make_available(user=user)
