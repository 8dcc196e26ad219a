"""A call-back from the offer to the dial to the answer, through the native CTI endpoint and the webhook,
with a fake PBX receiving Atiende's decisions (issue 18)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from atiende.contact.models import Alert, Contact, ContactEvent
from atiende.contact.services import availability, deadlines, queues, routing
from atiende.desk.models import Commitment, WorkOrder
from atiende.desk.services.customers import create_customer
from atiende.desk.services.work_orders import create_work_order
from atiende.people.models import User
from atiende.telephony import callbacks, webhooks
from atiende.telephony.models import Callback
from tests.telephony.conftest import make_technician, not_reached_in_the_calls_report

pytestmark = pytest.mark.django_db
CALLER = "+34600111222"


@pytest.fixture
def cb_queue(db):
    return queues.save_queue(name="soporte", label="Soporte", tiers=[1], policy={
        "max_wait_seconds": 60, "callback_max_attempts": 2, "callback_retry_minutes": 5})


@pytest.fixture
def lucia_busy(db, clock):
    return make_technician("lucia", extension="201", name="Lucía Pérez", available=False)


@pytest.fixture
def customer_with_order(db, clock):
    admin = User.objects.create_user("ana", role="administrador")
    customer = create_customer(actor=admin, name="Marta Gil", contact_points=[("telefono", "600 111 222")])
    order = create_work_order(actor=admin, customer=customer, title="La impresora no imprime")
    return customer, order


def test_a_caller_near_the_wait_limit_is_called_back_from_offer_to_dial_to_answer(
        native, webhook_pbx, cb_queue, lucia_busy, customer_with_order, clock, django_capture_on_commit_callbacks):
    _customer, order = customer_with_order
    # The call arrives, nobody is free: the answer tells the PBX when to offer a call-back (PO-2 warning, 80 %).
    status, body = native("e1", "new_call", "pbx-1", **{"from": CALLER})
    assert status == 200 and body["action"] == "queue"
    assert body["callback"]["offer_after_seconds"] == 48 and body["callback"]["accept"]["type"] == "callback"
    contact_id = body["contact"]
    # At 48 s the wait warning fires and the webhook tells the PBX to play the offer.
    clock.advance(48)
    with django_capture_on_commit_callbacks(execute=True):
        deadlines.run_due_deadlines(worker="t")
    webhooks.deliver_due(worker="t")
    assert "offer_callback" in webhook_pbx.actions
    offer = next(d for d in webhook_pbx.decisions if d["action"] == "offer_callback")
    assert offer["call_id"] == "pbx-1" and offer["rule"] == "PO-2"
    # The caller presses 1: the waiting call becomes a call-back keeping its place; then they hang up.
    clock.advance(5)
    status, body = native("e2", "callback", "pbx-1")
    assert status == 200, body
    assert body["action"] == "callback" and body["state"] == "waiting" and body["dial"] is None
    assert body["callback"]["number"] == CALLER and body["callback"]["work_order"] == order.number
    status, body = native("e3", "hangup", "pbx-1", cause="normal")
    assert status == 200 and body["state"] == "waiting"  # the caller's line ended, the call-back stays
    contact = Contact.objects.get(pk=contact_id)
    assert (contact.direction, contact.state, contact.created_at) == ("outbound", "waiting", clock.now()
                                                                     - timedelta(seconds=53))
    # A call arriving later waits behind it: the call-back keeps its place.
    native("e4", "new_call", "pbx-2", **{"from": "+34600999888"})
    commitment = Commitment.objects.get(callback__contact_id=contact_id)
    assert commitment.status == "pendiente" and commitment.work_order == order
    # Lucía becomes free: routing gives her the call-back first, and the PBX is told to dial.
    lucia = User.objects.get(username="lucia")
    with django_capture_on_commit_callbacks(execute=True):
        availability.make_available(user=lucia)
    webhooks.deliver_due(worker="t")
    dials = [d for d in webhook_pbx.decisions if d["action"] == "dial"]
    assert len(dials) == 1 and "ring" not in [d["action"] for d in webhook_pbx.decisions if d["contact"] == contact_id]
    first = dials[0]
    assert first["number"] == CALLER and first["technician"]["extension"] == "201" and first["attempt"] == 1
    assert first["not_after"] == Callback.objects.get(contact_id=contact_id).window_end.isoformat()
    # Nobody answers: the call-back waits 5 minutes (the queue's retry), and is not dialled before.
    clock.advance(20)
    status, body = native("e5", "hangup", first["call_id"], cause="no_answer")
    assert status == 200 and body["state"] == "waiting" and body["callback"]["attempts"] == 1
    assert body["callback"]["status"] == "pendiente"
    routing.dispatch()
    assert Contact.objects.get(pk=contact_id).state == "waiting"
    assert Contact.objects.get(external_id="pbx-2").offered_to_id == lucia.pk  # the other call meanwhile
    native("e6", "hangup", "pbx-2", cause="cancel")
    clock.advance(5 * 60)
    with django_capture_on_commit_callbacks(execute=True):
        deadlines.run_due_deadlines(worker="t")
        routing.dispatch()
    webhooks.deliver_due(worker="t")
    dials = [d for d in webhook_pbx.decisions if d["action"] == "dial"]
    assert len(dials) == 2 and dials[1]["attempt"] == 2 and dials[1]["call_id"] != first["call_id"]
    # The customer answers the second dial: a normal call with Lucía; the promise is kept.
    status, body = native("e7", "answered", dials[1]["call_id"], technician="201")
    assert status == 200 and body["action"] == "connect" and body["state"] == "talking"
    assert body["technician"]["username"] == "lucia" and body["callback"]["status"] == "conectada"
    commitment.refresh_from_db()
    assert commitment.status == "cumplido"
    kinds = list(ContactEvent.objects.filter(contact_id=contact_id).values_list("kind", flat=True))
    assert kinds[:3] == ["created", "callback_offered", "callback_accepted"] and kinds[-1] == "answered"


def test_after_the_last_unanswered_dial_the_call_back_fails_and_the_supervisor_sees_it(
        native, webhook_pbx, cb_queue, lucia_busy, customer_with_order, clock):
    native("e1", "new_call", "pbx-1", **{"from": CALLER})
    native("e2", "callback", "pbx-1", number="+34 911 222 333")
    lucia = User.objects.get(username="lucia")
    availability.make_available(user=lucia)
    for attempt in (1, 2):
        call_id = Contact.objects.get(callback__isnull=False).external_id
        assert call_id.endswith(f"-{attempt}")
        status, body = native(f"h{attempt}", "hangup", call_id, cause="busy")
        assert status == 200
        clock.advance(5 * 60)
        routing.dispatch()
    callback = Callback.objects.get()
    assert (callback.status, callback.failure, callback.attempts, callback.number) == (
        "fallida", "no_answer", 2, "+34911222333")
    assert callback.contact.state == "abandoned"
    assert not_reached_in_the_calls_report(clock.now().date()) == (1, 1, 0)
    alert = Alert.objects.get(kind="callback_failed")
    assert alert.rule == "PT-2" and alert.level == "breach" and "+34911222333" in alert.message_es
    assert callback.commitment.status == "incumplido"


def test_a_call_back_whose_window_closes_undialled_fails(native, cb_queue, lucia_busy, clock, monkeypatch):
    monkeypatch.setenv("ATIENDE_CALLBACK_WINDOW_MINUTES", "30")
    native("e1", "new_call", "pbx-1", **{"from": CALLER})
    native("e2", "callback", "pbx-1")
    clock.advance(29 * 60)
    assert callbacks.expire_due() == 0
    clock.advance(60)
    assert callbacks.expire_due() == 1
    callback = Callback.objects.get()
    assert callback.status == "fallida" and callback.failure == "window_closed" and callback.attempts == 0
    assert Alert.objects.filter(kind="callback_failed", contact=callback.contact).exists()


def test_bad_call_back_events_are_refused_naming_the_rule(native, queue, cb_queue, lucia_busy, clock):
    queues.save_queue(name="ventas", label="Ventas", tiers=[1])  # call-backs off (the default)
    native("e1", "new_call", "pbx-1", **{"from": CALLER}, queue="ventas")
    status, body = native("e2", "callback", "pbx-1")
    assert status == 409 and body["error"]["code"] == "callbacks_off" and body["error"]["rule"] == "PO-2"
    native("e3", "new_call", "pbx-2", **{"from": "anonymous"})
    status, body = native("e4", "callback", "pbx-2")
    assert status == 400 and body["error"]["code"] == "dial_number_invalid" and body["error"]["rule"] == "PO-2"
    status, body = native("e5", "callback", "pbx-2", number="+34600111222")
    assert status == 200
    status, body = native("e6", "callback", "pbx-2", number="+34600111222")
    assert status == 409 and body["error"]["code"] == "already_a_callback"
    status, body = native("e7", "callback", "nope")
    assert status == 404 and body["error"]["code"] == "unknown_call"
    assert not WorkOrder.objects.exists()


def test_a_dial_the_pbx_never_reports_back_counts_as_unanswered(native, webhook_pbx, cb_queue, lucia_busy,
                                                                 clock):
    native("e1", "new_call", "pbx-1", **{"from": CALLER})
    native("e2", "callback", "pbx-1")
    availability.make_available(user=User.objects.get(username="lucia"))
    callback = Callback.objects.get()
    assert callback.status == "marcando" and callback.attempts == 1
    clock.advance(60)  # the queue's dial_timeout_seconds (60): nothing came back from the PBX
    deadlines.run_due_deadlines(worker="t")
    callback.refresh_from_db()
    assert (callback.status, callback.last_cause) == ("pendiente", "dial_timeout")
    assert callback.not_before == clock.now() + timedelta(minutes=5)
    clock.advance(5 * 60)
    routing.dispatch()
    deadlines.run_due_deadlines(worker="t")
    clock.advance(60)
    deadlines.run_due_deadlines(worker="t")  # the second dial times out too: the last one
    callback.refresh_from_db()
    assert (callback.status, callback.failure, callback.attempts) == ("fallida", "no_answer", 2)
    assert callback.contact.state == "abandoned"
    assert Alert.objects.filter(kind="callback_failed").count() == 1
