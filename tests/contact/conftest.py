from __future__ import annotations

import pytest

from atiende.contact import clock as contact_clock
from atiende.contact.services import availability, calls, queues, routing
from atiende.engine import ManualClock
from atiende.people.models import ApiToken, User


@pytest.fixture
def clock():
    """The services read this clock; tests move it by hand."""
    manual = ManualClock()
    previous = contact_clock.set_clock(manual)
    yield manual
    contact_clock.set_clock(previous)


@pytest.fixture
def queue(db):
    return queues.save_queue(name="soporte", label="Soporte", tiers=[1, 2])


def bearer(user, kind: str = "api") -> dict[str, str]:
    """Headers with a new bearer token of ``user`` (``kind="cti"`` for the telephony)."""
    _token, raw = ApiToken.issue(user, kind=kind)
    return {"Authorization": f"Bearer {raw}"}


def make_technician(username: str, *, tier: int = 1, skills=(), available: bool = True, role: str = "tecnico"):
    user = User.objects.create_user(username, role=role, tier=tier,
                                    skills=list(skills))
    if available:
        availability.make_available(user=user)
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


@pytest.fixture
def call_with_lucia(queue, lucia, clock):
    """A call that rang at Lucía (the only one available) and that she answered."""
    routed = routing.create_contact(queue="soporte", caller="+34600000001")
    assert routed.technician == lucia
    clock.advance(5)
    calls.answer(contact_id=routed.contact.pk, user=lucia)
    routed.contact.refresh_from_db()
    return routed.contact
