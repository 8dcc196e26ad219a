from __future__ import annotations

import pytest

from atiende.chat.models import ChatWidget
from atiende.contact import clock as contact_clock
from atiende.contact.services import availability, queues
from atiende.engine import ManualClock
from atiende.people.models import User


@pytest.fixture
def clock():
    manual = ManualClock()
    previous = contact_clock.set_clock(manual)
    yield manual
    contact_clock.set_clock(previous)


@pytest.fixture
def queue(db):
    return queues.save_queue(name="soporte", label="Soporte", tiers=[1, 2])


@pytest.fixture
def widget(queue):
    return ChatWidget.objects.create(key="soporte", name="Soporte", queue=queue,
                                     allowed_origins=["https://cliente.example"])


def make_technician(username: str, *, tier: int = 1, skills=(), available: bool = True, role: str = "tecnico",
                    max_chats: int | None = None):
    user = User.objects.create_user(username, role=role, tier=tier, skills=list(skills))
    if available:
        availability.make_available(user=user)
    if max_chats is not None:
        from atiende.contact.models import TechnicianState

        TechnicianState.objects.filter(user=user).update(max_chats=max_chats)
    return user


@pytest.fixture
def lucia(db, clock):
    return make_technician("lucia")


@pytest.fixture
def jorge(db, clock):
    return make_technician("jorge")


@pytest.fixture
def supervisor(db, clock):
    return make_technician("marta", role="supervisor", tier=2, available=False)
