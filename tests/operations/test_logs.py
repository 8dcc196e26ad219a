"""Logs: JSON lines on request, the request id on every line and on the worker's lines about the work the
request left, and never a secret (the environment's, a bearer token, a vault value), whatever is logged."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from django.test import Client

from atiende.contact.services import queues, routing
from atiende.operations import logs
from atiende.telephony import webhooks
from atiende.telephony.models import WebhookDelivery
from tests.contact.conftest import make_technician

PASSWORD = "Zorro-Azul-7731-secreto"


@pytest.fixture
def captured(monkeypatch) -> Iterator[io.StringIO]:
    """Every logger at DEBUG through the production handler set-up (JSON, request id, redaction)."""
    monkeypatch.setenv("ATIENDE_SECRET_KEY", "very-secret-signing-key-0123456789")
    monkeypatch.setenv("DATABASE_URL", "postgres://atiende:db-password-42@db.internal:5432/atiende")
    config = logs.logging_config(fmt="json", level="DEBUG")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.RequestIdFilter())
    handler.addFilter(logs.RedactSecrets())
    assert config["handlers"]["console"]["filters"] == ["request_id", "redact"]
    logs.carry_on_for("")  # whatever an earlier test left in this thread
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
        logs.carry_on_for("")  # this thread played a worker: it no longer works for that request


def _lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_json_lines_carry_the_request_id(captured):
    with logs.working_for("req-42"):
        logging.getLogger("atiende.test").warning("hold reminder for call %s", 7, extra={"contact": 7})
    logging.getLogger("atiende.test").warning("outside")
    first, second = _lines(captured)
    assert first["message"] == "hold reminder for call 7" and first["request_id"] == "req-42"
    assert first["level"] == "WARNING" and first["logger"] == "atiende.test" and first["contact"] == 7
    assert second["request_id"] is None


def test_secrets_of_the_environment_and_bearer_tokens_are_never_written(captured):
    log = logging.getLogger("atiende.test")
    log.error("connecting to postgres://atiende:%s@db.internal failed", "db-password-42")
    log.error("key is very-secret-signing-key-0123456789; header Authorization: Bearer atk_abcDEF123456")
    try:
        raise RuntimeError("password db-password-42 refused")
    except RuntimeError:
        log.exception("boom")
    text = captured.getvalue()
    assert "db-password-42" not in text and "very-secret-signing-key" not in text and "atk_abc" not in text
    assert text.count(logs.REDACTED) >= 4


def test_every_setting_the_deployment_guide_calls_secret_is_kept_out_of_the_logs(monkeypatch):
    """docs/deploy.md marks settings **secret**: the value of each (or the password inside its URL) is redacted."""
    import re
    from pathlib import Path

    guide = (Path(__file__).resolve().parents[2] / "docs" / "deploy.md").read_text()
    rows = [line.split("|")[1:3] for line in guide.splitlines() if line.startswith("| `")]
    secret = sorted({name for names, meaning in rows if "**secret**" in meaning
                     for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", names)})
    assert {"ATIENDE_SECRET_KEY", "ATIENDE_AUDIT_KEY", "DATABASE_URL"} <= set(secret)
    values = {}
    for name in secret:
        hidden = f"{name.lower().replace('_', '-')}-0123456789abcdef"
        value = f"scheme://user:{hidden}@host.internal:1/x" if name in logs.URL_SETTINGS else hidden
        monkeypatch.setenv(name, value)
        values[name] = (value, hidden)
    redact = logs.RedactSecrets()
    leaked = [name for name, (value, hidden) in values.items() if hidden in redact.scrub(f"settings: {value}")]
    assert leaked == []


@pytest.mark.django_db
def test_a_credential_through_the_api_never_reaches_a_log_line(captured, settings, vault_key, technician,
                                                               customer, work_order):
    api = Client()
    api.force_login(technician)
    base = f"/api/v1/privacy/work-orders/{work_order.number}/secrets"
    stored = api.post(base, {"kind": "password", "label": "Correo", "value": PASSWORD},
                      content_type="application/json", HTTP_X_REQUEST_ID="cred-flow-1")
    assert stored.status_code == 201
    api.post("/api/v1/privacy/consents", {"customer_id": customer.pk, "scope": "account_access",
                                          "method": "spoken_phone", "work_order": work_order.number},
             content_type="application/json")
    revealed = api.post(f"/api/v1/privacy/secrets/{stored.json()['id']}/reveal")
    assert revealed.json()["value"] == PASSWORD
    # A wrong request carrying the password in its body, and a work order whose text holds a credential.
    api.post(base, {"kind": "nonsense", "value": PASSWORD}, content_type="application/json")
    api.post(f"/api/v1/work-orders/{work_order.number}/messages",
             {"body": f"usuario: pepe contraseña: {PASSWORD}", "visibility": "internal"},
             content_type="application/json")
    lines = _lines(captured)
    assert any(line.get("request_id") == "cred-flow-1" and line["logger"] == "atiende.request" for line in lines)
    assert PASSWORD not in captured.getvalue()
    assert vault_key not in captured.getvalue()


@pytest.mark.django_db
def test_the_worker_lines_about_a_webhook_carry_the_id_of_the_request_that_left_it(captured, monkeypatch):
    monkeypatch.setenv("ATIENDE_WEBHOOK_URL", "http://127.0.0.1:9/nobody-listens")
    monkeypatch.setenv("ATIENDE_WEBHOOK_FAST_PATH", "0")
    monkeypatch.setenv("ATIENDE_WEBHOOK_TIMEOUT", "0.5")
    queues.save_queue(name="soporte", tiers=[1])
    make_technician("lucia")  # the call rings at her: a decision for the PBX
    with logs.working_for("pbx-event-77"):
        routing.create_contact(queue="soporte", external_id="rid-1")
    assert set(WebhookDelivery.objects.values_list("request_id", flat=True)) == {"pbx-event-77"}
    webhooks.deliver_due(worker="w1", max_rounds=1)  # in the worker, outside any request: the PBX is down
    failed = [line for line in _lines(captured) if "failed, attempt 1" in line["message"]]
    assert failed and {line["request_id"] for line in failed} == {"pbx-event-77"}
