from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from atiende.people.models import ApiToken, User
from atiende.privacy.vault import new_key

ROOT = Path(__file__).resolve().parents[2]


def _production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ATIENDE_", "DJANGO_")) and k != "DATABASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="atiende.settings", ATIENDE_HOME=str(tmp_path), ATIENDE_DEBUG="0",
        ATIENDE_SECRET_KEY="k" + os.urandom(40).hex(), ATIENDE_ALLOWED_HOSTS="atiende.example.org",
        ATIENDE_VAULT_KEYS=new_key(),
    )
    env.update(extra)
    return env


def _check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def test_production_settings_pass_check_deploy(tmp_path):
    done = _check_deploy(_production_env(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr


def test_development_secret_key_fails_check_deploy(tmp_path):
    env = _production_env(tmp_path)
    del env["ATIENDE_SECRET_KEY"]
    done = _check_deploy(env)
    assert done.returncode != 0
    assert "security.W" in done.stdout + done.stderr


def test_missing_vault_keys_warn_in_check_deploy(tmp_path):
    env = _production_env(tmp_path)
    del env["ATIENDE_VAULT_KEYS"]
    done = _check_deploy(env)
    assert done.returncode != 0 and "atiende.W001" in done.stdout + done.stderr


def test_production_hashes_passwords_with_argon2(tmp_path):
    code = ("import django; django.setup(); from django.contrib.auth.hashers import make_password; "
            "print(make_password('x-very-long-pass').split('$')[0])")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_production_env(tmp_path),
                          capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "argon2", done.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/entrar/", "/admin/login/", "/api/v1/docs"])
def test_pages_carry_a_content_security_policy_without_inline_scripts(client, path):
    response = client.get(path)
    policy = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert directives["script-src"].startswith("'self'")


@pytest.mark.django_db
def test_api_docs_load_their_scripts_from_our_own_origin(client):
    body = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in body
    assert "cdn." not in body


@pytest.mark.django_db
def test_expired_token_is_refused(client):
    user = User.objects.create_user("lucia", password="x-very-long-pass", role="tecnico")
    token, raw = ApiToken.issue(user, days=1)
    auth = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/people/me", headers=auth).status_code == 200
    token.expires_at = timezone.now() - timedelta(seconds=1)
    token.save(update_fields=["expires_at"])
    response = client.get("/api/v1/people/me", headers=auth)
    assert response.status_code == 401


@pytest.mark.django_db
def test_expired_session_is_refused(client, settings):
    user = User.objects.create_user("lucia", password="x-very-long-pass", role="tecnico")
    assert client.login(username="lucia", password="x-very-long-pass")
    assert 0 < settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert client.get("/api/v1/people/me").json()["username"] == user.username
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/v1/people/me").status_code == 401


@pytest.mark.django_db
def test_session_api_writes_need_the_csrf_token():
    User.objects.create_user("lucia", password="x-very-long-pass", role="tecnico")
    client = Client(enforce_csrf_checks=True)
    assert client.login(username="lucia", password="x-very-long-pass")
    response = client.post("/api/v1/people/tokens", {"name": "x", "days": 1}, content_type="application/json")
    assert response.status_code in (401, 403)
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_every_web_form_refuses_a_post_without_csrf_token():
    from django.urls import URLPattern, get_resolver

    admin = User.objects.create_user("ana", password="x-very-long-pass", role="administrador",
                                     is_staff=True, is_superuser=True)
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    checked = 0
    patterns = [*get_resolver("atiende.web.urls").url_patterns, *get_resolver("atiende.desk.urls").url_patterns]
    for pattern in patterns:
        if not isinstance(pattern, URLPattern):
            continue
        route = str(pattern.pattern)
        path = "/" + route.replace("<int:number>", "1").replace("<int:pk>", "1").replace("<str:token>", "x")
        response = client.post(path, {"title": "x"})
        assert response.status_code == 403, f"{path} accepted a POST without CSRF token"
        checked += 1
    assert checked >= 5
