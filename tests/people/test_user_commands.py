"""atiende user list / disable / enable / reset-password (issue 22, item 23)."""

from __future__ import annotations

import io
import json

import pytest

from atiende.cli import main
from atiende.people.models import ApiToken, Team, User

pytestmark = pytest.mark.django_db


def _listed(capsys, *extra: str) -> list[dict]:
    capsys.readouterr()
    assert main(["user", "list", "--format", "json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_user_list_shows_role_tier_teams_and_whether_active(capsys, monkeypatch):
    monkeypatch.setenv("LANG", "es_ES.UTF-8")
    team = Team.objects.create(name="Soporte Sevilla")
    User.objects.create_user("lucia", role="tecnico", tier=2).teams.add(team)
    User.objects.create_user("jefa", role="administrador", is_superuser=True)
    rows = _listed(capsys)
    assert rows == [
        {"username": "jefa", "name": "", "role": "administrador", "tier": 1, "teams": [], "active": True},
        {"username": "lucia", "name": "", "role": "tecnico", "tier": 2, "teams": ["Soporte Sevilla"],
         "active": True},
    ]
    assert [row["username"] for row in _listed(capsys, "--role", "tecnico")] == ["lucia"]
    assert main(["user", "list"]) == 0
    text = capsys.readouterr().out
    assert "lucia" in text and "Técnico" in text and "Soporte Sevilla" in text


def test_a_disabled_user_cannot_sign_in_nor_use_tokens_until_enabled(capsys, client):
    user = User.objects.create_user("jorge", password="una-clave-larga-2026", role="tecnico")
    _token, raw = ApiToken.issue(user, name="cli")
    auth = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/work-orders", headers=auth).status_code == 200
    assert main(["user", "disable", "JORGE"]) == 0
    assert "jorge" in capsys.readouterr().out
    assert client.get("/api/v1/work-orders", headers=auth).status_code == 401
    assert not client.login(username="jorge", password="una-clave-larga-2026")
    assert [row["active"] for row in _listed(capsys)] == [False]
    assert main(["user", "enable", "jorge"]) == 0
    assert client.login(username="jorge", password="una-clave-larga-2026")


def test_reset_password_validates_and_ends_the_old_sessions(capsys, client, monkeypatch):
    monkeypatch.setenv("LANG", "es_ES.UTF-8")
    User.objects.create_user("camila", password="la-clave-de-antes-2026", role="tecnico")
    client.login(username="camila", password="la-clave-de-antes-2026")
    assert client.get("/solicitudes/").status_code == 200
    monkeypatch.setattr("sys.stdin", io.StringIO("corta\n"))
    assert main(["user", "reset-password", "camila", "--password-stdin"]) == 1
    assert "demasiado corta" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("la-clave-de-ahora-2026\n"))
    assert main(["user", "reset-password", "camila", "--password-stdin"]) == 0
    assert client.get("/solicitudes/").status_code == 302  # the session from before the change is over
    assert client.login(username="camila", password="la-clave-de-ahora-2026")


def test_unknown_users_are_named_in_the_error(capsys, monkeypatch):
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    assert main(["user", "disable", "nadie"]) == 1
    assert "No user named nadie." in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("otra-clave-larga-2026\n"))
    assert main(["user", "reset-password", "nadie", "--password-stdin"]) == 1
