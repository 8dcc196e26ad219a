"""A call-back with no phone system (no PBX webhook) is dialled by hand (issue 18): routed to a technician, it
is theirs with no dial timeout; they say «Han contestado» (the talk time starts, the commitment is kept) or
«Nadie contestó» (an unanswered try: they are free at once, and the call-back waits for its retry or fails)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from atiende.contact.models import Alert, Contact, Deadline, TechnicianState
from atiende.contact.services import availability, deadlines, queues, routing
from atiende.desk.services.customers import create_customer
from atiende.desk.services.work_orders import create_work_order
from atiende.errors import InputError
from atiende.people.models import User
from atiende.telephony import callbacks
from atiende.telephony.models import Callback
from tests.telephony.conftest import make_technician, not_reached_in_the_calls_report

pytestmark = pytest.mark.django_db
CALLER = "+34600111222"


@pytest.fixture(autouse=True)
def _no_phone_system(monkeypatch):
    monkeypatch.delenv("ATIENDE_WEBHOOK_URL", raising=False)


@pytest.fixture
def lucia(db, clock):
    queues.save_queue(name="soporte", label="Soporte", tiers=[1], policy={
        "max_wait_seconds": 60, "callback_max_attempts": 2, "callback_retry_minutes": 5})
    return make_technician("lucia", extension="201", name="Lucía Pérez", available=False)


@pytest.fixture
def order(db, clock):
    admin = User.objects.create_user("ana", role="administrador")
    customer = create_customer(actor=admin, name="Marta Gil", contact_points=[("telefono", "600 111 222")])
    return create_work_order(actor=admin, customer=customer, title="La impresora no imprime")


def _status(user: User) -> str:
    return TechnicianState.objects.get(user=user).status


def _console(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client: Client, row: Contact, path: str):
    return client.post(f"/api/v1/contacts/{row.pk}/{path}", {}, content_type="application/json")


def _routed_by_hand(native, lucia) -> Contact:
    native("e1", "new_call", "pbx-1", **{"from": CALLER})
    native("e2", "callback", "pbx-1")
    availability.make_available(user=lucia)
    row = Contact.objects.get(callback__isnull=False)
    assert (row.state, row.offered_to_id, _status(lucia)) == ("offered", lucia.pk, "ocupado")
    return row


def test_a_call_back_dialled_by_hand_has_no_timeout_and_someone_answered_starts_the_talk(native, lucia, order,
                                                                                          clock):
    row = _routed_by_hand(native, lucia)
    callback = Callback.objects.get()
    assert (callback.status, callback.attempts) == ("marcando", 1)
    assert not Deadline.objects.filter(contact=row, kind="ring_timeout").exists()
    clock.advance(10 * 60)  # far past dial_timeout_seconds: she is still on it
    deadlines.run_due_deadlines(worker="t")
    row.refresh_from_db()
    assert (row.state, row.offered_to_id, _status(lucia)) == ("offered", lucia.pk, "ocupado")
    console = _console(lucia)
    mine = [c for c in console.get("/consola/estado/").json()["contacts"] if c["id"] == row.pk]
    assert [(c["state"], c["dialled"]) for c in mine] == [("offered", "callback_hand")]
    refused = _post(console, row, "decline")
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "own_dial")
    # Only she, and only while she dials it, says what came of it.
    jorge = make_technician("jorge", extension="202")
    with pytest.raises(InputError) as caught:
        callbacks.answered_by_hand(contact_id=row.pk, user=jorge)
    assert (caught.value.code, caught.value.rule) == ("not_your_callback_dial", "CH-PRO")
    answered = _post(console, row, "callback/answered")
    assert (answered.status_code, answered.json()["state"], answered.json()["assignee"]) == (200, "talking", lucia.pk)
    callback.refresh_from_db()
    assert callback.status == "conectada" and callback.connected_at == clock.now()
    assert callback.commitment.status == "cumplido"  # PT-2 kept
    again = _post(console, row, "callback/unanswered")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "not_your_callback_dial")


def test_nobody_answered_frees_the_technician_and_the_call_back_retries_then_fails(native, lucia, order, clock):
    row = _routed_by_hand(native, lucia)
    console = _console(lucia)
    first = _post(console, row, "callback/unanswered")
    assert first.status_code == 200
    assert (first.json()["state"], first.json()["callback"]["status"]) == ("waiting", "pendiente")
    callback = Callback.objects.get()
    assert (callback.attempts, callback.last_cause) == (1, "no_answer")
    assert callback.not_before == clock.now() + timedelta(minutes=5)  # callback_retry_minutes
    assert _status(lucia) == "disponible"  # free at once: not rung with it again before its retry
    row.refresh_from_db()
    assert (row.state, row.offered_to_id) == ("waiting", None)
    clock.advance(5 * 60)
    routing.dispatch()
    row.refresh_from_db()
    assert (row.state, row.offered_to_id, _status(lucia)) == ("offered", lucia.pk, "ocupado")
    last = _post(console, row, "callback/unanswered")
    assert last.status_code == 200 and last.json()["callback"]["status"] == "fallida"
    callback.refresh_from_db()
    assert (callback.status, callback.failure, callback.attempts) == ("fallida", "no_answer", 2)
    assert callback.contact.state == "abandoned" and callback.commitment.status == "incumplido"
    assert Alert.objects.filter(kind="callback_failed", rule="PT-2").count() == 1
    assert _status(lucia) == "disponible"
    assert not_reached_in_the_calls_report(clock.now().date()) == (1, 1, 0)
