from __future__ import annotations

import pytest

from atiende.contact import clock as contact_clock
from atiende.contact.services import availability, queues
from atiende.engine import ManualClock
from atiende.people.models import ApiToken, User


@pytest.fixture
def clock():
    """The contact services read this clock; tests move it by hand (the live server's thread too)."""
    manual = ManualClock()
    previous = contact_clock.set_clock(manual)
    yield manual
    contact_clock.set_clock(previous)


def make_technician(username: str, *, extension: str = "", email: str = "", name: str = "",
                    available: bool = True, tier: int = 1) -> User:
    first, _sep, last = name.partition(" ")
    user = User.objects.create_user(username, email=email, role="tecnico", tier=tier, extension=extension,
                                    first_name=first, last_name=last)
    if available:
        availability.make_available(user=user)
    return user


@pytest.fixture
def queue(db):
    return queues.save_queue(name="soporte", label="Soporte", tiers=[1], policy={"max_wait_seconds": 60})


@pytest.fixture
def lucia(db, clock):
    return make_technician("lucia", extension="201", email="lucia@example.com", name="Lucía Pérez")


@pytest.fixture
def jorge(db, clock):
    return make_technician("jorge", extension="202", email="jorge@example.com", name="Jorge Martín")


@pytest.fixture
def cti_token(db) -> str:
    from atiende.telephony.services import issue_cti_token

    return issue_cti_token(name="centralita")


@pytest.fixture
def url(cti_token) -> str:
    return f"/api/v1/cti/generic/{cti_token}"


def api_token(user: User) -> str:
    return ApiToken.issue(user)[1]


def not_reached_in_the_calls_report(day) -> tuple[int, int, int]:
    """(outbound calls, outbound not reached, abandoned) of the calls report for ``day``: a dial nobody answered
    is an outbound call not reached, never an abandoned (inbound) call."""
    from atiende.reports import services as reports

    report = reports.build(name="calls", first=day.isoformat(), last=day.isoformat())
    figures = {row["key"]: row["value"] for row in report.sections[0].rows}
    return figures["outbound"], figures["outbound_not_reached"], figures["abandoned"]
