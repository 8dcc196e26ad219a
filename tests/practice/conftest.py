"""Two teams for the practice room: Lucía practises, Marta supervises her team, Jorge is in another team."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from atiende.people.models import ApiToken, Team, User


@dataclass
class People:
    lucia: User  # technician, team Soporte
    jorge: User  # technician, team Redes
    marta: User  # supervisor of Soporte
    admin: User
    customer: User


@pytest.fixture
def people(db) -> People:
    soporte = Team.objects.create(name="Soporte")
    redes = Team.objects.create(name="Redes")

    def make(username: str, role: str, team: Team | None, first: str) -> User:
        user = User.objects.create_user(username, role=role, tier=1, first_name=first, password="x")
        if team is not None:
            user.teams.add(team)
        return user

    return People(make("lucia", "tecnico", soporte, "Lucía"), make("jorge", "tecnico", redes, "Jorge"),
                  make("marta", "supervisor", soporte, "Marta"), make("admin", "administrador", None, "Ada"),
                  make("cliente", "cliente", None, "Carla"))


def bearer(user: User) -> dict[str, str]:
    _token, raw = ApiToken.issue(user)
    return {"Authorization": f"Bearer {raw}"}


class Api:
    """The practice room's API as one user calls it."""

    def __init__(self, client, user: User) -> None:
        self.client = client
        self.headers = bearer(user)

    def post(self, path: str, body: dict):
        return self.client.post(f"/api/v1/training{path}", body, content_type="application/json",
                                headers=self.headers)

    def put(self, path: str, body: dict):
        return self.client.put(f"/api/v1/training{path}", body, content_type="application/json",
                               headers=self.headers)

    def get(self, path: str):
        return self.client.get(f"/api/v1/training{path}", headers=self.headers)

    def start(self, **body):
        return self.post("/sessions", body)

    def say(self, session_id: int, text: str):
        return self.post(f"/sessions/{session_id}/turns", {"text": text})
