"""Shared people, customers and work orders for the desk tests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from atiende.desk.services.customers import create_customer
from atiende.desk.services.work_orders import (
    change_phase,
    create_work_order,
    record_closing_contact,
    update_work_order,
)
from atiende.people.models import ApiToken, Team, User
from tests.pages import as_technician, compiled_catalogues, desk  # noqa: F401  (the page tests' fixtures)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Argon2 is deliberately slow; the desk tests create many users and never test hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_user(username: str, role: str, *teams: Team) -> User:
    user = User.objects.create_user(username, password="x-very-long-pass-2026", role=role)
    for team in teams:
        user.teams.add(team)
    return user


@pytest.fixture
def team(db) -> Team:
    return Team.objects.create(name="Soporte Madrid")


@pytest.fixture
def other_team(db) -> Team:
    return Team.objects.create(name="Soporte Bogotá")


@pytest.fixture
def tech(team) -> User:
    return make_user("lucia", "tecnico", team)


@pytest.fixture
def other_tech(other_team) -> User:
    return make_user("andres", "tecnico", other_team)


@pytest.fixture
def supervisor(team) -> User:
    return make_user("marta", "supervisor", team)


@pytest.fixture
def admin(db) -> User:
    return make_user("ana", "administrador")


@pytest.fixture
def customer(tech):
    return create_customer(
        actor=tech, name="Carmen Ruiz", address_as="Doña", country="ES",
        contact_points=[("email", "carmen@example.es"), ("telefono", "+34 912 345 678")],
    )


@pytest.fixture
def work_order(tech, customer):
    return create_work_order(actor=tech, customer=customer, title="La impresora no imprime")


def bearer(user: User) -> dict[str, str]:
    _token, raw = ApiToken.issue(user, name="test")
    return {"Authorization": f"Bearer {raw}"}


def ready_for_satisfaction(actor, work_order):
    return update_work_order(
        actor=actor, work_order=work_order, version=work_order.version,
        problem_story="La impresora dejó de imprimir después de una actualización.",
        paraphrase="Déjeme ver si comprendo: desde la actualización la impresora no imprime.",
    )


def close(actor, work_order):
    """Walk a work order through every phase to closure."""
    wo = ready_for_satisfaction(actor, work_order)
    wo = change_phase(actor=actor, work_order=wo, version=wo.version, phase="satisfaccion")
    wo = update_work_order(actor=actor, work_order=wo, version=wo.version,
                           resolution="Se reinstaló el controlador.")
    wo = record_closing_contact(actor=actor, work_order=wo, version=wo.version, channel="telefonico",
                                note="Se resumió lo hecho; la clienta confirma que imprime.")
    return change_phase(actor=actor, work_order=wo, version=wo.version, phase="cierre")


def in_an_hour():
    return timezone.now() + timedelta(hours=1)
