from __future__ import annotations

from datetime import UTC, datetime

import pytest

from atiende.campaigns.services import campaigns
from atiende.desk.models import ContactPoint, Customer, Organisation
from atiende.people.models import Team, User
from tests.contact.conftest import bearer, clock, jorge, lucia, make_technician, queue, supervisor  # noqa: F401

# Monday 7 December 2026, 10:00 UTC: 11:00 in Madrid, 10:00 in Canarias, 04:00 in Mexico City.
MONDAY_MORNING = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


@pytest.fixture
def morning(clock):  # noqa: F811
    clock.set(MONDAY_MORNING)
    return clock


@pytest.fixture
def team(db):
    return Team.objects.create(name="Soporte")


@pytest.fixture
def boss(db, team):
    user = User.objects.create_user("marta", role="supervisor", first_name="Marta")
    user.teams.add(team)
    return user


@pytest.fixture
def carmen(db):
    customer = Customer.objects.create(name="Carmen Ruiz", address_as="Doña", country="ES")
    ContactPoint.objects.create(customer=customer, kind="telefono", value="600 11 22 33", preferred=True)
    return customer


@pytest.fixture
def outage_org(db):
    return Organisation.objects.create(name="Hotel Mirador", time_zone="Atlantic/Canary")


@pytest.fixture
def campaign(queue, boss, morning):  # noqa: F811
    return campaigns.create_campaign(actor=boss, name="Seguimiento de reparaciones", queue="soporte",
                                     script="Buenos días, le llamamos para saber si su equipo funciona bien.",
                                     retry_minutes=60, max_attempts=2)
