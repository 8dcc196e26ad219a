"""Issue 22, item 7: a webhook URL without a secret is refused; a delivery is never signed with an empty key."""

from __future__ import annotations

import pytest

from atiende.cli import main as cli_main
from atiende.contact.services import routing
from atiende.telephony import webhooks
from atiende.telephony.models import WebhookDelivery

pytestmark = pytest.mark.django_db


def test_without_a_secret_nothing_is_sent_and_the_decision_waits_in_the_outbox(
        webhook_pbx, queue, lucia, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setenv("ATIENDE_WEBHOOK_SECRET", "")
    with django_capture_on_commit_callbacks(execute=True):
        routing.create_contact(queue="soporte", external_id="call-9")
    webhooks.deliver_due(worker="test")
    assert webhook_pbx.received == []  # never signed with an empty key
    row = WebhookDelivery.objects.get()
    assert row.delivered_at is None and row.gave_up_at is None and "ATIENDE_WEBHOOK_SECRET" in row.last_error
    # Once the secret is set, the same decision goes out, signed.
    monkeypatch.setenv("ATIENDE_WEBHOOK_SECRET", "s3cr3t")
    WebhookDelivery.objects.update(next_attempt_at=row.created_at)
    webhooks.deliver_due(worker="test")
    headers, body = webhook_pbx.received[0]
    assert headers["X-Atiende-Signature"] == webhooks.sign(body, "s3cr3t", headers["X-Atiende-Timestamp"])


@pytest.mark.parametrize("command", [["worker", "--once"], ["serve", "--port", "8999"]])
def test_serve_and_worker_refuse_a_webhook_url_without_a_secret(monkeypatch, settings, capsys, command):
    import uvicorn

    started = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: started.append(a))
    settings.DEBUG = True
    monkeypatch.setenv("ATIENDE_WEBHOOK_URL", "https://pbx.example.org/atiende")
    monkeypatch.setenv("ATIENDE_WEBHOOK_SECRET", "")
    assert cli_main(command) == 2
    output = capsys.readouterr()
    assert "ATIENDE_WEBHOOK_SECRET" in output.out + output.err and not started
