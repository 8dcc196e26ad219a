"""A small help desk for the page tests (tests/web/, tests/desk/): one team, a person of each role, a few
customers and work orders created through the desk services, as the UI would; the fixtures are imported by
each folder's conftest.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from atiende.desk.models import Customer, TraitObservation, WorkOrder
from atiende.desk.services.customers import create_customer
from atiende.desk.services.work_orders import create_work_order
from atiende.people.models import Team, User

PASSWORD = "clave-de-prueba-2026"


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues() -> None:
    """The pages are checked in Spanish: make sure the .mo files exist even without `make`."""
    from atiende.i18n import compile_catalogues

    compile_catalogues()


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    # Argon2 is right for production and slow for tests that sign in many times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Desk:
    team: Team
    technician: User
    other_technician: User
    supervisor: User
    administrator: User
    portal: User
    customer: Customer
    other_customer: Customer
    work_order: WorkOrder
    other_work_order: WorkOrder

    def user(self, role: str) -> User:
        return {
            "tecnico": self.technician, "supervisor": self.supervisor,
            "administrador": self.administrator, "cliente": self.portal,
        }[role]


def _user(username: str, role: str, team: Team | None, **extra: object) -> User:
    user = User.objects.create_user(
        username, password=PASSWORD, role=role, first_name=username.capitalize(),
        is_staff=role == "administrador", is_superuser=role == "administrador", **extra,
    )
    if team is not None:
        user.teams.add(team)
    return user


@pytest.fixture
def desk(db) -> Desk:
    team = Team.objects.create(name="Soporte Madrid")
    other_team = Team.objects.create(name="Soporte Sevilla")
    technician = _user("lucia", "tecnico", team)
    other_technician = _user("pablo", "tecnico", other_team)
    supervisor = _user("marta", "supervisor", team)
    administrator = _user("ana", "administrador", None)
    portal = _user("carmen", "cliente", None)
    customer = create_customer(
        actor=administrator, name="Carmen Ruiz", address_as="Doña", organisation="Ferretería Ruiz",
        country="ES", knowledge_level="basico",
        contact_points=[{"kind": "email", "value": "carmen@ferreteria.example"},
                        {"kind": "telefono", "value": "+34 910 000 111"}],
        user=portal,
    )
    other_customer = create_customer(actor=administrator, name="Roberto Díaz", address_as="Sr.")
    work_order = create_work_order(
        actor=technician, customer=customer, title="La impresora no imprime",
        channel="telefonico", priority="alta", team=team, assignee=technician,
        equipment_type="Impresora láser", os_name="Windows", os_version="11",
        problem_story="Desde ayer la impresora no saca ninguna hoja.",
        decision_maker=other_customer,
    )
    other_work_order = create_work_order(
        actor=other_technician, customer=other_customer, title="Sin acceso al correo",
        channel="email", team=other_team, assignee=other_technician,
    )
    TraitObservation.objects.create(customer=customer, trait="CT-INX", score=0.8,
                                    evidence=["no sé dónde está eso"], work_order=work_order)
    return Desk(team, technician, other_technician, supervisor, administrator, portal, customer,
                other_customer, work_order, other_work_order)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def as_technician(desk: Desk) -> Client:
    return signed_in(desk.technician)


def soon(hours: int = 2) -> str:
    return (timezone.localtime() + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")
