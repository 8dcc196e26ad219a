"""The telephony webhook goes through a stored outbox: nothing decided is lost, nothing rolled back is sent.

A tiny HTTP server in a thread plays the PBX; it answers with the statuses a
test gives it. Deliveries run in the test's thread (``deliver_due``), and the
services' manual clock moves the retries and leases on, with no sleeping.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import pytest
from django.db import transaction

from atiende.cli import main
from atiende.contact import selectors
from atiende.contact.models import Alert, Contact
from atiende.contact.services import calls as contact_calls
from atiende.contact.services import routing
from atiende.telephony import webhooks
from atiende.telephony.models import WebhookDelivery

from .conftest import WEBHOOK_SECRET

pytestmark = pytest.mark.django_db



def _deliver(worker: str = "w1") -> int:
    return webhooks.deliver_due(worker=worker)


def test_rows_are_written_with_the_change_and_a_rolled_back_change_writes_none(webhook_pbx, queue, lucia, clock):
    with pytest.raises(RuntimeError), transaction.atomic():
        routing.create_contact(queue="soporte", external_id="call-lost")
        assert WebhookDelivery.objects.filter(action="ring").count() == 1  # inside the transaction
        raise RuntimeError("the request fails after the decision")
    assert not Contact.objects.filter(external_id="call-lost").exists()
    assert WebhookDelivery.objects.count() == 0
    assert _deliver() == 0 and webhook_pbx.received == []  # the PBX never hears of a call that was not stored

    routed = routing.create_contact(queue="soporte", external_id="call-1")
    row = WebhookDelivery.objects.get()
    assert (row.contact_id, row.action, row.status) == (routed.contact.pk, "ring", "pending")
    assert row.payload["id"] == str(row.decision_id) and row.payload["call_id"] == "call-1"


def test_the_log_follows_a_decision_from_its_commit_to_its_delivery_and_never_names_a_rolled_back_one(
        webhook_pbx, queue, lucia, clock, caplog, django_capture_on_commit_callbacks):
    """At INFO, each decision id is logged when its transaction commits and when the PBX took it: the trail the
    topology test keeps (issue 24) to tell a delivery Atiende holds from one it does not."""
    import logging

    caplog.set_level(logging.INFO, logger="atiende.telephony.webhooks")
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        routing.create_contact(queue="soporte", external_id="call-lost")
        lost = str(WebhookDelivery.objects.get().decision_id)
        raise RuntimeError("rolled back")
    with django_capture_on_commit_callbacks(execute=True):
        routing.create_contact(queue="soporte", external_id="call-1")
    kept = str(WebhookDelivery.objects.get().decision_id)
    assert _deliver() == 1
    lines = [r.getMessage() for r in caplog.records if r.name == "atiende.telephony.webhooks"]
    assert [line for line in lines if lost in line] == []
    assert [line.split(":")[0] for line in lines if kept in line] == [
        "webhook decisions committed for call call-1", f"webhook {kept} (ring) delivered, attempt 1, HTTP 204"]


def test_no_webhook_url_no_rows(queue, lucia, clock, monkeypatch):
    monkeypatch.delenv("ATIENDE_WEBHOOK_URL", raising=False)
    routing.create_contact(queue="soporte")
    assert WebhookDelivery.objects.count() == 0


def test_delivered_signed_with_the_delivery_id_and_marked_delivered(webhook_pbx, queue, lucia, clock):
    lucia.extension = "201"
    lucia.save()
    routing.create_contact(queue="soporte", external_id="call-9")
    assert _deliver() == 1
    headers, body = webhook_pbx.received[0]
    decision = json.loads(body)
    row = WebhookDelivery.objects.get()
    assert decision["action"] == "ring" and decision["technician"]["extension"] == "201"
    assert headers["X-Atiende-Delivery"] == decision["id"] == str(row.decision_id)  # the receiver's dedupe key
    assert headers["X-Atiende-Attempt"] == "1"
    assert headers["X-Atiende-Signature"] == webhooks.sign(body, WEBHOOK_SECRET, headers["X-Atiende-Timestamp"])
    assert headers["X-Atiende-Signature"] != webhooks.sign(body, "wrong", headers["X-Atiende-Timestamp"])
    assert (row.status, row.attempts, row.last_status, row.delivered_at) == ("delivered", 1, 204, clock.now())
    assert _deliver() == 0 and len(webhook_pbx.received) == 1  # delivered once


def test_a_failed_attempt_is_retried_after_its_back_off_with_the_same_body(webhook_pbx, queue, lucia, clock):
    webhook_pbx.statuses = [500]
    routing.create_contact(queue="soporte")
    assert _deliver() == 0
    row = WebhookDelivery.objects.get()
    assert (row.status, row.attempts, row.last_status) == ("pending", 1, 500)
    assert "500" in row.last_error
    assert row.next_attempt_at == clock.now() + timedelta(seconds=30)
    clock.advance(29)
    assert _deliver() == 0 and len(webhook_pbx.received) == 1  # not before its time
    clock.advance(1)
    assert _deliver() == 1
    (first_headers, first_body), (headers, body) = webhook_pbx.received
    assert body == first_body and headers["X-Atiende-Delivery"] == first_headers["X-Atiende-Delivery"]
    assert headers["X-Atiende-Attempt"] == "2"
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_status, row.last_error) == ("delivered", 2, 204, "")


def test_an_unreachable_pbx_counts_as_a_failed_attempt(queue, lucia, clock, monkeypatch):
    monkeypatch.setenv("ATIENDE_WEBHOOK_URL", "http://127.0.0.1:9/nobody-listens")
    monkeypatch.setenv("ATIENDE_WEBHOOK_FAST_PATH", "0")
    routing.create_contact(queue="soporte")
    assert _deliver() == 0
    row = WebhookDelivery.objects.get()
    assert (row.status, row.attempts, row.last_status) == ("pending", 1, None)
    assert row.last_error


def test_a_redirect_is_not_followed_but_counted_as_a_failed_attempt(webhook_pbx, queue, lucia, clock):
    webhook_pbx.statuses = [307]
    routing.create_contact(queue="soporte")
    assert _deliver() == 0
    row = WebhookDelivery.objects.get()
    assert (row.status, row.attempts, row.last_status) == ("pending", 1, 307)
    assert len(webhook_pbx.received) == 1


def test_after_every_attempt_it_gives_up_and_supervisors_are_alerted(webhook_pbx, queue, lucia, supervisor, clock):
    webhook_pbx.always = 503
    routed = routing.create_contact(queue="soporte")
    for _attempt in range(8):
        _deliver()
        clock.advance(3600)
    row = WebhookDelivery.objects.get()
    assert (row.status, row.attempts, row.last_status) == ("failed", 8, 503)
    assert len(webhook_pbx.received) == 8
    _deliver()
    assert len(webhook_pbx.received) == 8  # given up: no ninth attempt
    alert = Alert.objects.get(kind="webhook_failed")
    assert (alert.contact_id, alert.rule, alert.level) == (routed.contact.pk, "CH-TEL", "breach")
    assert f"--retry {row.pk}" in alert.message_en and "ring" in alert.message_es
    assert alert in selectors.visible_alerts(supervisor)


def test_the_default_back_off_spreads_eight_attempts_over_about_an_hour():
    policy = webhooks.RetryPolicy()
    waits = [policy.delay_after(n) for n in range(1, policy.max_attempts)]
    assert waits[:3] == [30, 60, 120]
    assert 3000 < sum(waits) < 4500


def test_max_attempts_come_from_the_environment_and_bad_values_are_refused(webhook_pbx, queue, lucia, clock,
                                                                           monkeypatch, capsys):
    monkeypatch.setenv("ATIENDE_WEBHOOK_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("ATIENDE_WEBHOOK_RETRY_SECONDS", "5")
    webhook_pbx.always = 500
    routing.create_contact(queue="soporte")
    _deliver()
    clock.advance(5)
    _deliver()
    assert WebhookDelivery.objects.get().status == "failed"
    monkeypatch.setenv("ATIENDE_WEBHOOK_MAX_ATTEMPTS", "many")
    assert main(["worker", "--once"]) == 2
    assert "ATIENDE_WEBHOOK_MAX_ATTEMPTS" in capsys.readouterr().out


def test_a_crashed_workers_lease_runs_out_and_another_worker_delivers(webhook_pbx, queue, lucia, clock):
    routing.create_contact(queue="soporte")
    assert webhooks.claim_due(worker="crashes")  # claims, then dies before posting
    assert _deliver("second") == 0 and webhook_pbx.received == []  # still leased to the first
    row = WebhookDelivery.objects.get()
    assert row.claimed_by == "crashes"
    clock.advance((row.lease_until - clock.now()).total_seconds() + 1)
    assert _deliver("second") == 1
    assert webhook_pbx.actions == ["ring"]
    row.refresh_from_db()
    assert row.status == "delivered" and row.claimed_by == ""


def test_a_late_answer_from_a_worker_that_lost_its_lease_changes_nothing(webhook_pbx, queue, lucia, clock):
    routing.create_contact(queue="soporte")
    slow = webhooks.claim_due(worker="slow")
    clock.advance(3600)
    assert _deliver("fast") == 1  # the lease ran out: another worker sent it
    assert webhooks.deliver(slow[0], worker="slow") is None  # the first one comes back: not its row any more
    assert len(webhook_pbx.received) == 1 and WebhookDelivery.objects.get().attempts == 1


def test_a_failure_reported_after_the_lease_ran_out_does_not_disturb_the_new_holder(webhook_pbx, queue, lucia, clock):
    routing.create_contact(queue="soporte")
    slow = webhooks.claim_due(worker="slow")
    clock.advance(3600)
    assert webhooks.claim_due(worker="second") == slow  # the lease ran out: a second worker holds it now
    # The slow worker's POST (sent before) finally times out; it reports the failure late.
    assert webhooks._record_attempt(slow[0], worker="slow", status=None, error="TimeoutError") is None
    row = WebhookDelivery.objects.get()
    assert (row.claimed_by, row.attempts, row.last_error) == ("second", 0, "")
    assert webhooks.deliver(slow[0], worker="second") == "delivered"


def test_decisions_of_one_call_go_out_in_order_others_do_not_wait(webhook_pbx, call_with_lucia, lucia, jorge, clock):
    assert _deliver() == 1  # the ring of the fixture's call
    webhook_pbx.statuses = [500]
    contact_calls.put_on_hold(contact_id=call_with_lucia.pk, user=lucia, reason="r", customer_consent=True,
                         expected_minutes=1)
    contact_calls.hang_up(contact_id=call_with_lucia.pk)
    other = routing.create_contact(queue="soporte", external_id="other-call").contact  # rings Jorge
    assert _deliver() == 1  # hold failed; the hang-up waits behind it; the other call's ring goes out
    assert webhook_pbx.actions == ["ring", "hold", "ring"]
    assert webhook_pbx.decisions[2]["contact"] == other.pk
    clock.advance(30)
    assert _deliver() == 2
    assert webhook_pbx.actions == ["ring", "hold", "ring", "hold", "hangup"]
    assert [d.action for d in WebhookDelivery.objects.filter(contact=call_with_lucia).order_by("delivered_at", "id")
            ] == ["ring", "hold", "hangup"]


def test_a_given_up_decision_no_longer_holds_back_the_next_ones(webhook_pbx, call_with_lucia, lucia, clock,
                                                                 monkeypatch):
    monkeypatch.setenv("ATIENDE_WEBHOOK_MAX_ATTEMPTS", "1")
    webhook_pbx.statuses = [500]
    _deliver()  # the ring fails and gives up at once (one attempt)
    contact_calls.hang_up(contact_id=call_with_lucia.pk)
    assert _deliver() == 1
    assert webhook_pbx.actions == ["ring", "hangup"]


def test_the_cli_lists_failed_deliveries_and_retries_one(webhook_pbx, queue, lucia, clock, monkeypatch, capsys):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.setenv("ATIENDE_WEBHOOK_MAX_ATTEMPTS", "1")
    webhook_pbx.statuses = [500]
    routing.create_contact(queue="soporte")
    _deliver()
    row = WebhookDelivery.objects.get()
    assert row.status == "failed"
    assert main(["webhooks", "--failed"]) == 0
    out = capsys.readouterr().out
    assert str(row.decision_id) in out and "ring" in out
    assert main(["webhooks", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(d["id"], d["status"], d["last_status"]) for d in listed] == [(row.pk, "failed", 500)]
    assert main(["webhooks", "--retry", str(row.decision_id)]) == 0
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 0)
    assert main(["worker", "--once"]) == 0
    assert "1" in capsys.readouterr().out
    row.refresh_from_db()
    assert row.status == "delivered" and webhook_pbx.actions == ["ring", "ring"]
    assert main(["webhooks"]) == 0
    assert "No webhook deliveries" in capsys.readouterr().out
    assert main(["webhooks", "--retry", str(row.pk)]) == 1  # delivered: never sent twice on purpose
    assert "already delivered" in capsys.readouterr().err
    assert main(["webhooks", "--retry", "999999"]) == 1
    assert main(["webhooks", "--retry", "not-an-id"]) == 1


def test_administrators_see_the_outbox_read_only(admin_client, webhook_pbx, queue, lucia, clock):
    routing.create_contact(queue="soporte")
    row = WebhookDelivery.objects.get()
    listing = admin_client.get("/admin/telephony/webhookdelivery/?status=pending")
    assert listing.status_code == 200 and str(row.decision_id) in listing.content.decode()
    assert admin_client.get(f"/admin/telephony/webhookdelivery/{row.pk}/change/").status_code == 200
    assert admin_client.get("/admin/telephony/webhookdelivery/add/").status_code == 403
    # Links saved when the outbox lived in the contact app lead to the same page.
    old = admin_client.get(f"/admin/contact/webhookdelivery/{row.pk}/change/?status=pending")
    assert old.status_code == 301 and old["Location"] == f"/admin/telephony/webhookdelivery/{row.pk}/change/?status=pending"


@pytest.mark.django_db(transaction=True)
def test_racing_workers_send_each_decision_once_and_in_order_per_call(webhook_pbx, queue, clock):
    """Real threads, each with its own connection, on committed rows (SKIP LOCKED on PostgreSQL)."""
    from django.db import connection

    calls = [routing.create_contact(queue="soporte", route=False).contact for _ in range(12)]
    moment = clock.now()
    WebhookDelivery.objects.bulk_create([
        WebhookDelivery(decision_id=f"00000000-0000-4000-8000-{c.pk:06d}{step:06d}", contact=c, action=action,
                        payload={"id": f"{c.pk}-{step}", "contact": c.pk, "step": step, "action": action},
                        created_at=moment, next_attempt_at=moment)
        for step, action in enumerate(["ring", "hold", "hangup"]) for c in calls
    ])
    errors: list[BaseException] = []
    delivered: list[int] = []

    def work(name: str) -> None:
        try:
            for _round in range(200):
                if sum(delivered) >= 36:
                    break
                delivered.append(webhooks.deliver_due(worker=name, limit=4))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    sent = webhook_pbx.decisions
    assert sorted(d["id"] for d in sent) == sorted(f"{c.pk}-{s}" for c in calls for s in range(3))  # each once
    for c in calls:
        assert [d["step"] for d in sent if d["contact"] == c.pk] == [0, 1, 2]
    assert WebhookDelivery.objects.filter(attempts=1, last_status=204).count() == 36


@pytest.mark.django_db(transaction=True)
def test_the_fast_path_delivers_right_after_the_commit(webhook_pbx, queue, lucia, clock, monkeypatch):
    """No worker running: the process's delivery thread is nudged by the commit and sends the stored row."""
    from django.db import OperationalError

    monkeypatch.setenv("ATIENDE_WEBHOOK_FAST_PATH", "1")
    routing.create_contact(queue="soporte", external_id="fast-1")
    deadline = time.monotonic() + 10
    status = None
    while status != "delivered" and time.monotonic() < deadline:
        time.sleep(0.02)
        try:
            status = WebhookDelivery.objects.get().status
        except OperationalError:  # the in-memory SQLite test database: the thread is writing right now
            continue
    assert status == "delivered"
    assert webhook_pbx.actions == ["ring"] and webhook_pbx.decisions[0]["call_id"] == "fast-1"
