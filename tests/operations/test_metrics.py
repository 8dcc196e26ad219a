"""/metrics: Prometheus text for allowed addresses or an administrator's token; 403 for anyone else."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from atiende.contact.services import queues, routing
from atiende.operations.heartbeat import Heart
from atiende.people.models import ApiToken, User

pytestmark = pytest.mark.django_db


def _samples(content: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(content.decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_metrics_are_refused_by_default_in_the_api_error_format(client, monkeypatch):
    monkeypatch.delenv("ATIENDE_METRICS_ALLOW", raising=False)
    response = client.get("/metrics")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert "ATIENDE_METRICS_ALLOW" in response.json()["error"]["message"]


def test_an_administrators_token_opens_them_and_a_technicians_does_not(client, monkeypatch):
    monkeypatch.delenv("ATIENDE_METRICS_ALLOW", raising=False)
    _t, admin = ApiToken.issue(User.objects.create_user("ana", role="administrador"))
    _t, tech = ApiToken.issue(User.objects.create_user("tomas", role="tecnico"))
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {tech}").status_code == 403
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {admin}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")


def test_an_administrators_telephony_token_does_not_open_them(client, monkeypatch):
    monkeypatch.delenv("ATIENDE_METRICS_ALLOW", raising=False)
    _t, cti = ApiToken.issue(User.objects.create_user("pbx", role="administrador"), kind=ApiToken.Kind.CTI)
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {cti}").status_code == 403


def test_allowed_networks_see_calls_waiting_per_queue_and_the_backlogs(client, monkeypatch):
    monkeypatch.setenv("ATIENDE_METRICS_ALLOW", "10.0.0.0/8, 127.0.0.1")
    queues.save_queue(name="soporte", tiers=[1])  # nobody available: calls wait
    routing.create_contact(queue="soporte", external_id="m-1")
    routing.create_contact(queue="soporte", external_id="m-2")
    Heart("w1").beat()
    client.get("/healthz")
    samples = _samples(client.get("/metrics").content)
    assert samples[("atiende_calls_waiting", (("queue", "soporte"),))] == 2
    assert samples[("atiende_call_wait_oldest_seconds", (("queue", "soporte"),))] >= 0
    for queue in ("timers", "webhooks", "mail", "scoring"):
        assert ("atiende_backlog_due", (("queue", queue),)) in samples
    assert ("atiende_worker_lag_seconds", ()) in samples
    assert samples[("atiende_worker_heartbeat_age_seconds", ())] < 5
    assert samples[("atiende_request_seconds_count", (("method", "GET"), ("route", "/healthz")))] >= 1


def test_cti_events_and_open_alerts_are_counted(client, monkeypatch):
    monkeypatch.setenv("ATIENDE_METRICS_ALLOW", "127.0.0.1")
    queues.save_queue(name="soporte", tiers=[1])
    _t, raw = ApiToken.issue(User.objects.create_user("pbx", role="administrador"), kind="cti")
    before = _samples(client.get("/metrics").content)
    key = ("atiende_cti_events_total", (("protocol", "native"), ("status", "200")))
    response = client.post("/api/v1/cti/events", {"id": "ev-1", "type": "new_call", "call_id": "c-1",
                                                  "queue": "soporte"},
                           content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    after = _samples(client.get("/metrics").content)
    assert after[key] == before.get(key, 0) + 1


def test_a_wrong_allow_list_is_a_clear_refusal_not_a_crash(client, monkeypatch):
    monkeypatch.setenv("ATIENDE_METRICS_ALLOW", "localhost")
    response = client.get("/metrics")
    assert response.status_code == 403
    assert "localhost" in response.json()["error"]["message"]


def test_the_sample_grafana_dashboard_uses_only_metrics_that_exist(client, monkeypatch):
    """docs/grafana-dashboard.json parses, and every series its panels query is one /metrics serves."""
    import json
    import re
    from pathlib import Path

    monkeypatch.setenv("ATIENDE_METRICS_ALLOW", "127.0.0.1")
    dashboard = json.loads((Path(__file__).resolve().parents[2] / "docs" / "grafana-dashboard.json").read_text())
    queried = {name for panel in dashboard["panels"] for target in panel["targets"]
               for name in re.findall(r"\b(atiende_[a-z_]+)", target["expr"])}
    client.get("/healthz")  # so the per-process series have samples
    client.post("/api/v1/cti/events", {}, content_type="application/json")
    served = {sample.name for family in text_string_to_metric_families(client.get("/metrics").content.decode())
              for sample in family.samples}
    families = {family.name for family in text_string_to_metric_families(client.get("/metrics").content.decode())}
    assert queried and sorted(queried - served - families) == []


def test_po_and_ho_alerts_sla_breaches_mail_and_scoring_backlogs_and_the_worker_lag_are_served(
        client, monkeypatch, django_capture_on_commit_callbacks):
    """Issue 24's list, each series with the value an operator would read: open PO-2 and HO-5 alerts by rule and
    level (an acknowledged one no longer counts), SLA breaches, the mail and scoring backlogs, the worker's lag."""
    from datetime import timedelta

    from django.utils import timezone

    from atiende.contact import clock as contact_clock
    from atiende.contact.models import Alert
    from atiende.contact.services import availability, calls, deadlines
    from atiende.contact.services.alerts import acknowledge_alert
    from atiende.desk.models import Customer, WorkOrder
    from atiende.desk.services.work_orders import create_work_order
    from atiende.engine import ManualClock
    from atiende.mail import outbox
    from atiende.scorecards.models import ScoringJob
    from atiende.sla import services as sla
    from atiende.sla.models import SlaPolicy

    monkeypatch.setenv("ATIENDE_METRICS_ALLOW", "127.0.0.1")
    monkeypatch.setenv("ATIENDE_SMTP_URL", "smtp://127.0.0.1:9")  # mail waits for a worker to send it
    started = timezone.now() - timedelta(minutes=10)
    clock = ManualClock(started)
    previous = contact_clock.set_clock(clock)
    try:
        queues.save_queue(name="soporte", tiers=[1])
        lucia = User.objects.create_user("lucia", role="tecnico", tier=1)
        availability.make_available(user=lucia)
        talking = routing.create_contact(queue="soporte", caller="+34600000001").contact
        calls.answer(contact_id=talking.pk, user=lucia)
        calls.put_on_hold(contact_id=talking.pk, user=lucia, reason="Consulto al fabricante", customer_consent=True,
                          expected_minutes=1)
        routing.create_contact(queue="soporte", caller="+34600000002")  # Lucía is busy: it waits
        clock.advance(170)  # the hold is past its minute (HO-5); the wait past 80 % of 3 minutes (PO-2)
        deadlines.run_due_deadlines(worker="t")
    finally:
        contact_clock.set_clock(previous)
    # The wait's breach (180 s) was due 7 minutes ago and no worker fired it: the worker's lag.
    samples = _samples(client.get("/metrics").content)
    assert samples[("atiende_alerts_open", (("level", "breach"), ("rule", "HO-5")))] == 1
    assert samples[("atiende_alerts_open", (("level", "warning"), ("rule", "PO-2")))] == 1
    assert 6 * 60 < samples[("atiende_worker_lag_seconds", ())] < 9 * 60
    assert samples[("atiende_backlog_due", (("queue", "timers"),))] >= 1

    supervisor = User.objects.create_user("marta", role="supervisor", tier=2)
    acknowledge_alert(alert_id=Alert.objects.get(rule="HO-5").pk, user=supervisor)
    SlaPolicy.objects.create(name="Normal", first_response_minutes=60, resolution_minutes=8 * 60)
    customer = Customer.objects.create(name="Pilar Gómez")
    with django_capture_on_commit_callbacks(execute=True):
        work_order = create_work_order(actor=lucia, customer=customer, title="No llega el correo", channel="email")
    WorkOrder.objects.filter(pk=work_order.pk).update(created_at=timezone.now() - timedelta(hours=2))
    sla.refresh(work_order.pk)  # no answer in its first hour: breached
    outbox.enqueue(kind="notification", key="metrics-test", to=["pilar@example.org"], subject="Aviso",
                   text="Hola", now=timezone.now() - timedelta(seconds=90))
    ScoringJob.objects.create(contact=talking, created_at=timezone.now(), next_attempt_at=timezone.now())
    samples = _samples(client.get("/metrics").content)
    assert ("atiende_alerts_open", (("level", "breach"), ("rule", "HO-5"))) not in samples  # acknowledged
    assert samples[("atiende_sla_breached_open", (("clock", "first_response"),))] == 1
    assert samples[("atiende_sla_alerts", (("clock", "first_response"), ("kind", "breach")))] == 1
    assert samples[("atiende_backlog_due", (("queue", "mail"),))] == 1
    assert samples[("atiende_backlog_oldest_seconds", (("queue", "mail"),))] >= 90
    assert samples[("atiende_backlog_due", (("queue", "scoring"),))] == 1
