"""/healthz and /readyz: what a proxy and an orchestrator see, without signing in and without secrets."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from atiende.contact.models import Deadline
from atiende.contact.services import queues, routing
from atiende.operations.heartbeat import Heart
from atiende.operations.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_redis(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)


def _ready(client, **headers):
    response = client.get("/readyz", **headers)
    return response.status_code, json.loads(response.content)


def test_healthz_answers_while_the_process_runs(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_without_a_worker_the_installation_is_not_ready_and_says_why(client):
    status, body = _ready(client)
    assert status == 503
    assert body["status"] == "not_ready"
    assert body["failing"] == ["worker"]
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"] == {"ok": None, "configured": False}


def test_a_worker_heartbeat_makes_it_ready(client):
    Heart("w1").beat()
    status, body = _ready(client)
    assert status == 200, body
    assert body["status"] == "ready" and body["failing"] == []
    assert body["checks"]["worker"]["last_beat_seconds"] < 5


def test_a_silent_worker_is_noticed_after_the_limit(client, monkeypatch):
    Heart("w1").beat()
    WorkerHeartbeat.objects.update(beat_at=timezone.now() - timedelta(seconds=90))
    assert _ready(client)[0] == 503
    monkeypatch.setenv("ATIENDE_READY_WORKER_SECONDS", "120")
    assert _ready(client)[0] == 200


def test_a_backlog_of_timers_past_the_limits_is_not_ready(client, monkeypatch):
    Heart("w1").beat()
    queues.save_queue(name="soporte", tiers=[1])
    contact = routing.create_contact(queue="soporte", external_id="late-1").contact
    Deadline.objects.create(contact=contact, kind="test", key="late", due_at=timezone.now() - timedelta(minutes=5))
    status, body = _ready(client)
    assert status == 503 and body["failing"] == ["backlog"]
    assert body["checks"]["backlog"]["due"]["timers"] >= 1
    assert body["checks"]["backlog"]["timer_lag_seconds"] >= 299
    monkeypatch.setenv("ATIENDE_READY_MAX_LAG_SECONDS", "600")
    assert _ready(client)[0] == 200
    monkeypatch.setenv("ATIENDE_READY_MAX_BACKLOG", "0")
    status, body = _ready(client)
    assert status == 503 and body["failing"] == ["backlog"]


def test_an_unreachable_redis_is_named_and_its_password_is_not(client, monkeypatch):
    Heart("w1").beat()
    monkeypatch.setenv("REDIS_URL", "redis://:hunter2-redis-secret@127.0.0.1:1/0")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["redis"]
    assert b"hunter2" not in response.content and b"127.0.0.1:1" not in response.content


def test_probes_answer_any_host_name_and_never_redirect_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["desk.example.com"]
    Heart("w1").beat()
    assert client.get("/healthz", HTTP_HOST="10.0.0.7:8001").status_code == 200
    assert client.get("/readyz", HTTP_HOST="10.0.0.7:8001").status_code == 200
    # Everything else still checks the host name.
    assert client.get("/", HTTP_HOST="10.0.0.7:8001").status_code == 400
