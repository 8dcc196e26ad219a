from __future__ import annotations

import itertools

import pytest

from atiende.desk.models import Customer, WorkOrder
from atiende.people.models import Team, User
from atiende.privacy.vault import new_key

_numbers = itertools.count(9000)


@pytest.fixture
def vault_key(monkeypatch: pytest.MonkeyPatch) -> str:
    key = new_key()
    monkeypatch.setenv("ATIENDE_VAULT_KEYS", key)
    return key


@pytest.fixture
def team(db) -> Team:
    return Team.objects.create(name="Redes")


@pytest.fixture
def technician(team: Team) -> User:
    user = User.objects.create_user("lucia", password="x-very-long-pass", role="tecnico")
    user.teams.add(team)
    return user


@pytest.fixture
def other_technician(team: Team) -> User:
    user = User.objects.create_user("marcos", password="x-very-long-pass", role="tecnico")
    user.teams.add(team)
    return user


@pytest.fixture
def customer(db) -> Customer:
    return Customer.objects.create(name="Carmen Ruiz", address_as="Doña")


def make_work_order(customer: Customer, assignee: User | None, team: Team | None = None, **extra) -> WorkOrder:
    return WorkOrder.objects.create(
        number=next(_numbers), title="No arranca el correo", customer=customer,
        assignee=assignee, team=team, **extra,
    )


@pytest.fixture
def work_order(customer: Customer, technician: User, team: Team) -> WorkOrder:
    return make_work_order(customer, technician, team)
