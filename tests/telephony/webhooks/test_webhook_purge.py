"""Old webhook deliveries are purged: delivered ones after 30 days, given-up ones after 90, never a pending one.

Workers do it at most once an hour, in short batches, a bounded round between
two delivery rounds; ``atiende webhooks --purge`` does it on demand. The
services' manual clock dates the rows; nothing sleeps.
"""

from __future__ import annotations

import json
import threading
import uuid
from datetime import timedelta

import pytest

from atiende.cli import main
from atiende.contact import clock as contact_clock
from atiende.contact.services import routing
from atiende.errors import InputError
from atiende.telephony import webhooks
from atiende.telephony.models import WebhookDelivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(queue, lucia, clock):
    return routing.create_contact(queue="soporte").contact


def _row(call, *, delivered_days_ago=None, gave_up_days_ago=None, created_days_ago=0) -> WebhookDelivery:
    moment = contact_clock.now()
    created = moment - timedelta(days=created_days_ago)
    return WebhookDelivery.objects.create(
        decision_id=uuid.uuid4(), contact=call, action="ring", payload={}, created_at=created, next_attempt_at=created,
        delivered_at=None if delivered_days_ago is None else moment - timedelta(days=delivered_days_ago),
        gave_up_at=None if gave_up_days_ago is None else moment - timedelta(days=gave_up_days_ago))


def _left() -> set[int]:
    return set(WebhookDelivery.objects.values_list("pk", flat=True))


def test_delivered_rows_go_after_30_days_given_up_after_90_pending_never(call, clock):
    old_delivered = _row(call, delivered_days_ago=31)
    recent_delivered = _row(call, delivered_days_ago=29)
    old_failed = _row(call, gave_up_days_ago=91)
    recent_failed = _row(call, gave_up_days_ago=60)
    pending = _row(call, created_days_ago=400)  # never sent yet: it stays whatever its age
    done = webhooks.purge()
    assert (done.delivered, done.failed, done.more) == (1, 1, False)
    assert _left() == {recent_delivered.pk, recent_failed.pk, pending.pk}
    assert old_delivered.pk not in _left() and old_failed.pk not in _left()
    assert webhooks.purge() == webhooks.Purged(0, 0)  # nothing left to do


def test_the_days_come_from_the_environment_and_zero_keeps_for_ever(call, clock, monkeypatch):
    week_old = _row(call, delivered_days_ago=8)
    failed = _row(call, gave_up_days_ago=400)
    monkeypatch.setenv("ATIENDE_WEBHOOK_KEEP_DAYS", "7")
    monkeypatch.setenv("ATIENDE_WEBHOOK_KEEP_FAILED_DAYS", "0")
    assert webhooks.purge() == webhooks.Purged(1, 0)
    assert _left() == {failed.pk} and week_old.pk not in _left()
    monkeypatch.setenv("ATIENDE_WEBHOOK_KEEP_DAYS", "a month")
    with pytest.raises(InputError) as refused:
        webhooks.purge()
    assert "ATIENDE_WEBHOOK_KEEP_DAYS" in refused.value.message
    assert _left() == {failed.pk}


def test_small_batches_and_a_bounded_round_leave_the_rest_for_the_next(call, clock):
    rows = [_row(call, delivered_days_ago=40 + i) for i in range(5)]
    first = webhooks.purge(batch=2, max_batches=1)
    assert (first.delivered, first.more) == (2, True)
    assert _left() == {r.pk for r in rows[:3]}  # the longest delivered first
    rest = webhooks.purge(batch=2)
    assert (rest.delivered, rest.more) == (3, False) and _left() == set()


def test_a_delivery_sent_again_before_the_purge_is_not_deleted(call, clock):
    failed = _row(call, gave_up_days_ago=100)
    webhooks.requeue(str(failed.pk))
    assert webhooks.purge() == webhooks.Purged(0, 0)
    assert WebhookDelivery.objects.get(pk=failed.pk).status == "pending"


def test_the_worker_purges_at_start_then_not_again_within_the_hour(call, clock, monkeypatch):
    first = _row(call, delivered_days_ago=31)
    stop = threading.Event()
    later = []
    rounds = []

    def fake_deliver_due(*, worker: str) -> int:
        rounds.append(worker)
        if len(rounds) == 2:  # delivered (and too old) after the worker's first purge
            later.append(_row(call, delivered_days_ago=45))
        if len(rounds) == 4:
            stop.set()
        return 0

    monkeypatch.setattr(webhooks, "deliver_due", fake_deliver_due)
    webhooks.run_delivery_loop(stop, name="w", interval=0.001, purge_every=webhooks.PURGE_EVERY_SECONDS)
    assert first.pk not in _left()
    assert _left() == {later[0].pk}  # waits for the next hour


def test_a_backlog_is_purged_a_bounded_round_at_a_time_between_deliveries(call, clock, monkeypatch):
    for i in range(5):
        _row(call, delivered_days_ago=40 + i)
    monkeypatch.setattr(webhooks, "PURGE_BATCH", 2)
    monkeypatch.setattr(webhooks, "PURGE_BATCHES_PER_ROUND", 1)
    stop = threading.Event()
    left_after_each_round = []

    def fake_deliver_due(*, worker: str) -> int:
        left_after_each_round.append(len(_left()))
        if len(left_after_each_round) == 5:
            stop.set()
        return 0

    monkeypatch.setattr(webhooks, "deliver_due", fake_deliver_due)
    webhooks.run_delivery_loop(stop, name="w", interval=0.001, purge_every=webhooks.PURGE_EVERY_SECONDS)
    assert left_after_each_round == [5, 3, 1, 0, 0]


def test_a_bad_setting_leaves_the_worker_delivering_and_keeping_everything(call, clock, monkeypatch, caplog):
    old = _row(call, delivered_days_ago=31)
    monkeypatch.setenv("ATIENDE_WEBHOOK_KEEP_FAILED_DAYS", "-3")
    stop = threading.Event()

    def fake_deliver_due(*, worker: str) -> int:
        stop.set()
        return 0

    monkeypatch.setattr(webhooks, "deliver_due", fake_deliver_due)
    webhooks.run_delivery_loop(stop, name="w", interval=0.001, purge_every=webhooks.PURGE_EVERY_SECONDS)
    assert old.pk in _left()
    assert "not purging" in caplog.text and "ATIENDE_WEBHOOK_KEEP_FAILED_DAYS" in caplog.text


def test_the_cli_purges_on_demand(call, clock, monkeypatch, capsys):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    _row(call, delivered_days_ago=31)
    _row(call, delivered_days_ago=32)
    kept = _row(call, gave_up_days_ago=89)
    assert main(["webhooks", "--purge"]) == 0
    out = capsys.readouterr().out
    assert "Purged 2 delivered and 0 given-up webhook deliveries" in out and "30 days" in out
    assert _left() == {kept.pk}
    assert main(["webhooks", "--purge", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"delivered": 0, "failed": 0, "keep_days": 30,
                                                   "keep_failed_days": 90}
    monkeypatch.setenv("ATIENDE_WEBHOOK_KEEP_DAYS", "1.5")
    assert main(["webhooks", "--purge"]) == 2
    assert "ATIENDE_WEBHOOK_KEEP_DAYS" in capsys.readouterr().err
    assert main(["webhooks", "--purge", "--retry", "1"]) == 2



def test_the_cli_purges_in_spanish_by_default(call, clock, monkeypatch, capsys):
    monkeypatch.setenv("LANG", "es_ES.UTF-8")
    _row(call, delivered_days_ago=31)
    assert main(["webhooks", "--purge"]) == 0
    assert "Se borraron 1 entregas" in capsys.readouterr().out


def test_the_webhooks_command_speaks_spanish_by_default(call, clock, monkeypatch, capsys):
    monkeypatch.setenv("LANG", "es_ES.UTF-8")
    assert main(["webhooks"]) == 0
    assert "No hay entregas de webhook que mostrar." in capsys.readouterr().out
    assert main(["webhooks", "--limit", "0"]) == 2
    assert "--limit debe ser al menos 1" in capsys.readouterr().err
    assert main(["webhooks", "--retry", "999999"]) == 1
    assert "No hay ninguna entrega de webhook 999999." in capsys.readouterr().err
    monkeypatch.setenv("ATIENDE_WEBHOOK_KEEP_DAYS", "mucho")
    assert main(["webhooks", "--purge"]) == 2
    assert "debe ser un número entero de al menos 0" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["webhooks", "--help"])
    assert "borra ahora las entregas ya recibidas" in capsys.readouterr().out
