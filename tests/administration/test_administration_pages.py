"""The administration section: queues with their policies, teams and users, for administrators only
(issue 22, item 22)."""

from __future__ import annotations

import pytest
from django.test import Client

from atiende.contact.models import Queue
from atiende.people.models import Team, User

pytestmark = pytest.mark.django_db

PAGES = ["/administracion/", "/administracion/colas/", "/administracion/colas/nueva/", "/administracion/equipos/",
         "/administracion/equipos/nuevo/", "/administracion/usuarios/", "/administracion/usuarios/nuevo/",
         "/administracion/politicas/"]


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def ana() -> User:
    return User.objects.create_user("ana", role="administrador", is_superuser=True, is_staff=True)


def _as(user: User) -> Client:
    client = Client(headers={"accept-language": "es"})
    client.force_login(user)
    return client


def test_only_administrators_open_the_section(ana):
    for role in ("supervisor", "tecnico", "cliente"):
        client = _as(User.objects.create_user(f"u-{role}", role=role))
        assert {client.get(url).status_code for url in PAGES} == {403}, role
        assert client.post("/administracion/equipos/nuevo/", {"name": "Intrusos"}).status_code == 403
    assert Client().get("/administracion/").status_code == 302  # to the sign-in page
    admin = _as(ana)
    assert {admin.get(url).status_code for url in PAGES} == {200}
    assert 'href="/administracion/"' in admin.get("/").content.decode()  # in the main menu
    assert not Team.objects.exists()


def test_a_queue_is_created_with_its_own_policies_and_bad_values_are_named(ana):
    admin = _as(ana)
    team = Team.objects.create(name="Soporte Madrid")
    base = {"name": "soporte", "label": "Soporte general", "tiers": "1, 2", "skills": "redes, Impresoras",
            "team": team.pk}
    page = admin.post("/administracion/colas/nueva/", {**base, "tiers": "uno"})
    assert page.status_code == 200 and "números enteros separados por comas" in page.content.decode()
    page = admin.post("/administracion/colas/nueva/", {**base, "policy_warn_fraction": "2"})
    assert page.status_code == 200 and "warn_fraction" in page.content.decode()
    assert 'href="/reglas/PO-1/"' in page.content.decode()
    assert not Queue.objects.exists()
    response = admin.post("/administracion/colas/nueva/", {**base, "policy_max_wait_seconds": "120"})
    assert response.status_code == 302
    queue = Queue.objects.get()
    assert (queue.tiers, queue.skills, queue.team, queue.policy) == ([1, 2], ["impresoras", "redes"], team,
                                                                     {"max_wait_seconds": 120})
    again = admin.post("/administracion/colas/nueva/", base)
    assert "Ya existe una cola llamada soporte" in again.content.decode()
    # Editing: the default comes back when the field is emptied.
    assert admin.post("/administracion/colas/soporte/", {**base, "tiers": "2"}).status_code == 302
    queue.refresh_from_db()
    assert queue.tiers == [2] and queue.policy == {}
    assert "soporte" in admin.get("/administracion/politicas/").content.decode()


def test_teams_are_created_and_renamed_with_unique_names(ana):
    admin = _as(ana)
    assert admin.post("/administracion/equipos/nuevo/", {"name": "  Soporte   Sevilla "}).status_code == 302
    team = Team.objects.get()
    assert team.name == "Soporte Sevilla"
    page = admin.post("/administracion/equipos/nuevo/", {"name": "soporte sevilla"})
    assert "Ya existe un equipo llamado soporte sevilla" in page.content.decode()
    assert admin.post(f"/administracion/equipos/{team.pk}/", {"name": "Soporte Triana"}).status_code == 302
    assert Team.objects.get().name == "Soporte Triana"


def test_users_are_added_changed_and_disabled_and_an_administrator_cannot_lock_themselves_out(ana):
    admin = _as(ana)
    team = Team.objects.create(name="Soporte Madrid")
    new = {"username": "pablo", "password": "corta", "role": "tecnico", "tier": "2", "skills": "Redes, linux",
           "extension": "205", "teams": [team.pk], "first_name": "Pablo", "last_name": "Gil", "email": ""}
    page = admin.post("/administracion/usuarios/nuevo/", new)
    assert page.status_code == 200 and "demasiado corta" in page.content.decode()
    assert not User.objects.filter(username="pablo").exists()
    assert admin.post("/administracion/usuarios/nuevo/", {**new, "password": "una-clave-larga-2026"}).status_code == 302
    pablo = User.objects.get(username="pablo")
    assert (pablo.role, pablo.tier, pablo.skills, list(pablo.teams.all())) == ("tecnico", 2, ["linux", "redes"], [team])
    assert Client().login(username="pablo", password="una-clave-larga-2026")
    edit = {**new, "role": "supervisor", "tier": "1", "teams": [], "active": ""}
    assert admin.post(f"/administracion/usuarios/{pablo.pk}/", edit).status_code == 302
    pablo.refresh_from_db()
    assert (pablo.role, pablo.is_active, pablo.teams.count()) == ("supervisor", False, 0)
    assert not Client().login(username="pablo", password="una-clave-larga-2026")
    own = {"username": "ana", "role": "tecnico", "tier": "1", "active": "on", "email": ""}
    page = admin.post(f"/administracion/usuarios/{ana.pk}/", own)
    assert "No puede quitarse su propio rol de administrador" in page.content.decode()
    ana.refresh_from_db()
    assert ana.role == "administrador"
    listing = admin.get("/administracion/usuarios/?q=pab").content.decode()
    assert "pablo" in listing and ">ana<" not in listing
