"""Issue 22, item 13: `atiende serve` with debug off refuses the development key, saying how to set one."""

from __future__ import annotations

import argparse

import pytest

from atiende.cli import main as cli_main
from atiende.cli import server
from atiende.settings import DEVELOPMENT_SECRET_KEY


@pytest.fixture
def started(monkeypatch):
    calls = []
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: calls.append((a, k)))
    return calls


def test_serve_without_a_secret_key_and_debug_off_refuses_with_the_fix(settings, started, capsys):
    settings.DEBUG, settings.SECRET_KEY = False, DEVELOPMENT_SECRET_KEY
    assert cli_main(["serve", "--port", "8999"]) == 2
    message = capsys.readouterr().err
    assert "ATIENDE_SECRET_KEY" in message and "secrets.token_urlsafe" in message and "atiende demo" in message
    assert not started


def test_serve_with_a_key_of_its_own_or_in_debug_starts(settings, started):
    settings.DEBUG, settings.SECRET_KEY = False, "a-key-of-our-own-" + "x" * 40
    assert cli_main(["serve", "--port", "8999"]) == 0
    settings.DEBUG, settings.SECRET_KEY = True, DEVELOPMENT_SECRET_KEY
    assert cli_main(["serve", "--port", "8999"]) == 0
    assert len(started) == 2


def test_the_demo_still_serves_on_the_development_key(settings, started):
    settings.DEBUG, settings.SECRET_KEY = False, DEVELOPMENT_SECRET_KEY
    args = argparse.Namespace(host="127.0.0.1", port=8999, workers=1)
    assert server.run_serve(args, demo=True) == 0 and len(started) == 1


def test_production_cookies_are_secure():
    import os
    import subprocess
    import sys

    code = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATIENDE_")}
    env.update(DJANGO_SETTINGS_MODULE="atiende.settings", ATIENDE_SECRET_KEY="k" * 50, ATIENDE_DEBUG="0")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["True", "True"], done.stderr


def test_forwarded_addresses_are_believed_only_from_configured_proxies(settings, started):
    """Issue 22, item 5: uvicorn trusts X-Forwarded-For from 127.0.0.1 by default; serve turns that off."""
    settings.DEBUG = True
    settings.ATIENDE_TRUSTED_PROXIES = []
    assert cli_main(["serve", "--port", "8999"]) == 0
    assert started[-1][1]["proxy_headers"] is False
    settings.ATIENDE_TRUSTED_PROXIES = ["10.0.0.5", "192.168.0.0/24"]
    assert cli_main(["serve", "--port", "8999"]) == 0
    assert started[-1][1]["proxy_headers"] is True
    assert started[-1][1]["forwarded_allow_ips"] == "10.0.0.5,192.168.0.0/24"
