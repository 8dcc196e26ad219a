"""`atiende serve`: one process by default; several with --workers, which need a shared channel layer (Redis)."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.migrated import migrated_home

ROOT = Path(__file__).resolve().parents[2]
SETUP = """
from atiende.cli.django_setup import setup_django
setup_django()
from atiende.contact.services import availability
from atiende.contact.services import queues
from atiende.people.models import ApiToken, User
queues.save_queue(name="soporte", tiers=[1])
for name in ("lucia", "jorge"):
    availability.make_available(user=User.objects.create_user(name, role="tecnico", tier=1))
_token, raw = ApiToken.issue(User.objects.create_user("centralita", role="administrador"), name="pbx", kind="cti")
print(raw)
"""
REDIS_URL = os.environ.get("ATIENDE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    # A production-like server: a secret key of its own (serve refuses the development key), plain HTTP here.
    env = dict(os.environ, ATIENDE_HOME=str(tmp_path), LANG="en_US.UTF-8", DJANGO_SETTINGS_MODULE="atiende.settings",
               ATIENDE_SECRET_KEY="test-serve-" + "s" * 40, ATIENDE_SSL_REDIRECT="0")
    for key in ("DATABASE_URL", "REDIS_URL", "ATIENDE_TEST_DATABASE"):
        env.pop(key, None)
    env.update(extra)
    return env


def _serve(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "atiende.cli", "serve", *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis_up() -> bool:
    try:
        import redis
    except ImportError:
        return False
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def test_several_processes_without_redis_are_refused_with_the_reason(tmp_path):
    proc = _serve(["--workers", "2", "--port", str(_free_port())], _env(tmp_path))
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert "REDIS_URL" in err


def test_zero_workers_is_a_clear_error(tmp_path):
    proc = _serve(["--workers", "0", "--port", str(_free_port())], _env(tmp_path))
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert "--workers" in err


@pytest.mark.skipif(not _redis_up(), reason="Redis is not reachable at ATIENDE_TEST_REDIS_URL")
def test_two_processes_with_redis_answer_the_api(tmp_path):
    env = _env(tmp_path, REDIS_URL=REDIS_URL)
    migrated_home(tmp_path)
    token = subprocess.run([sys.executable, "-c", SETUP], cwd=ROOT, env=env, check=True, capture_output=True,
                           text=True).stdout.strip().splitlines()[-1]
    port = _free_port()
    proc = _serve(["--workers", "2", "--port", str(port)], env)
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline and status is None:
            with contextlib.suppress(OSError, http.client.HTTPException):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/api/v1/people/me")
                status = conn.getresponse().status
            time.sleep(0.2)
        assert status == 401  # the API answers (no token, so not signed in)
        # Calls through either process are stored and routed, and a repeated event id gets the same answer.
        answers = []
        for event_id, call in (("e1", "c1"), ("e2", "c2"), ("e1", "c1"), ("e3", "c3")):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("POST", "/api/v1/cti/events",
                         json.dumps({"id": event_id, "type": "new_call", "call_id": call, "queue": "soporte"}),
                         {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            response = conn.getresponse()
            answers.append((response.status, json.loads(response.read())))
        assert [status for status, _ in answers] == [200] * 4
        assert answers[0] == answers[2]
        assert [body["action"] for _, body in answers] == ["ring", "ring", "ring", "queue"]
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
