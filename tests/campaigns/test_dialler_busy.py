"""A technician who dials is on a call (issue 18): from the dial of a campaign person (by hand, or through the
PBX) or of a call-back until the call ends or its outcome is recorded, routing offers them no inbound call,
visitor or chat; then they are free again, after the wrap-up if someone answered."""

from __future__ import annotations

import pytest
from django.test import Client

from atiende.campaigns.services import campaigns, lists, preview
from atiende.contact.models import Contact, Deadline, TechnicianState
from atiende.contact.services import availability, calls, deadlines, queues, routing
from atiende.errors import InputError
from atiende.people.models import User
from atiende.practices import Refusal
from atiende.telephony import callbacks, webhooks
from tests.telephony.conftest import cti_token, not_reached_in_the_calls_report  # noqa: F401
from tests.telephony.webhooks.conftest import webhook_pbx  # noqa: F401

pytestmark = pytest.mark.django_db

LIST = b"nombre;telefono;zona horaria\nCarmen Ruiz;600 11 22 33;Europe/Madrid\n"


@pytest.fixture(autouse=True)
def _fresh_technician_cache():
    from atiende.telephony import native as native_cti

    native_cti._WHO.clear()
    yield
    native_cti._WHO.clear()


@pytest.fixture
def running(campaign, boss, carmen):
    lists.import_csv(actor=boss, campaign_id=campaign.pk, data=LIST)
    return campaigns.update_campaign(actor=boss, campaign_id=campaign.pk, status="active")


@pytest.fixture
def by_hand(monkeypatch):
    monkeypatch.delenv("ATIENDE_WEBHOOK_URL", raising=False)


@pytest.fixture
def rosa(db, clock):
    user = User.objects.create_user("rosa", role="tecnico", tier=1, extension="203", first_name="Rosa")
    availability.make_available(user=user)
    return user


def _status(user: User) -> str:
    return TechnicianState.objects.get(user=user).status


def _inbound(number: str) -> Contact:
    return routing.create_contact(queue="soporte", caller=number).contact


def _dial(user: User):
    person = preview.next_person(user=user)
    return person, preview.dial(user=user, target_id=person.pk)


def test_an_inbound_call_during_a_hand_dial_goes_to_another_technician_or_waits(running, lucia, jorge, morning,
                                                                              by_hand):
    person, attempt = _dial(lucia)
    dialled = Contact.objects.get(pk=attempt.contact_id)
    assert (dialled.state, dialled.offered_to_id, _status(lucia)) == ("offered", lucia.pk, "ocupado")
    first = _inbound("+34911000001")
    assert first.offered_to_id == jorge.pk  # Lucía is dialling: the call goes to Jorge
    second = _inbound("+34911000002")
    assert (second.state, second.offered_to_id) == ("waiting", None)  # nobody free: it waits, never Lucía
    routing.dispatch()
    second.refresh_from_db()
    assert second.offered_to_id is None
    # Nobody answered Lucía's call: she records it, is free at once, and the waiting call rings at her.
    morning.advance(40)
    preview.record_outcome(user=lucia, target_id=person.pk, outcome="no_answer")
    second.refresh_from_db()
    assert (second.state, second.offered_to_id) == ("offered", lucia.pk)
    assert TechnicianState.objects.get(user=lucia).calls_today == 0
    assert not_reached_in_the_calls_report(morning.now().date()) == (1, 1, 0)


def test_a_hand_dial_does_not_time_out_and_after_a_reached_call_comes_the_wrap_up(running, lucia, morning, by_hand):
    person, attempt = _dial(lucia)
    assert not Deadline.objects.filter(contact_id=attempt.contact_id, kind="ring_timeout").exists()
    morning.advance(10 * 60)  # far past dial_timeout_seconds: a talk on Lucía's own phone
    deadlines.run_due_deadlines(worker="t")
    dialled = Contact.objects.get(pk=attempt.contact_id)
    assert (dialled.state, dialled.offered_to_id, _status(lucia)) == ("offered", lucia.pk, "ocupado")
    # She cannot decline her own dial, nor go on pause or become available in the middle of it.
    with pytest.raises(Refusal) as caught:
        calls.decline_offer(contact_id=dialled.pk, user=lucia)
    assert (caught.value.code, caught.value.rule) == ("own_dial", "CH-PRO")
    with pytest.raises(Refusal):
        availability.pause(user=lucia, reason="Café")
    preview.record_outcome(user=lucia, target_id=person.pk, outcome="reached", note="Todo bien.")
    dialled.refresh_from_db()
    assert (dialled.state, dialled.assignee_id, _status(lucia)) == ("wrap_up", lucia.pk, "cierre")
    assert TechnicianState.objects.get(user=lucia).calls_today == 1  # PO-3
    calls.finish_wrap_up(contact_id=dialled.pk, user=lucia)
    assert _status(lucia) == "disponible"


def test_someone_answered_in_the_console_starts_the_talk_of_a_hand_dial(running, lucia, morning, by_hand):
    person, attempt = _dial(lucia)
    morning.advance(15)
    calls.answer(contact_id=attempt.contact_id, user=lucia)
    morning.advance(60)
    preview.record_outcome(user=lucia, target_id=person.pk, outcome="reached")
    dialled = Contact.objects.get(pk=attempt.contact_id)
    assert dialled.state == "wrap_up" and dialled.data["answered_at"] == "2026-12-07T10:00:15+00:00"


def test_only_a_free_technician_dials(running, lucia, jorge, morning, by_hand):
    person = preview.next_person(user=lucia)
    availability.pause(user=lucia, reason="Formación")
    with pytest.raises(InputError) as caught:
        preview.dial(user=lucia, target_id=person.pk)
    assert (caught.value.code, caught.value.rule, caught.value.status) == ("not_available", "CH-TEL", 409)
    availability.make_available(user=lucia)
    jorge_state = TechnicianState.objects.get(user=jorge)
    jorge_state.status = "en_pausa"
    jorge_state.save()
    call = _inbound("+34911000001")
    assert call.offered_to_id == lucia.pk  # a call rings at her: she answers it, not dials meanwhile
    with pytest.raises(InputError) as caught:
        preview.dial(user=lucia, target_id=person.pk)
    assert caught.value.code == "not_available"
    assert not Contact.objects.filter(direction="outbound").exists()


def test_an_inbound_call_during_a_pbx_dial_goes_elsewhere_and_the_pbx_gets_no_ring(
        running, rosa, jorge, morning, client, cti_token, webhook_pbx,  # noqa: F811
        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        person, attempt = _dial(rosa)
    webhooks.deliver_due(worker="t")
    dialled = Contact.objects.get(pk=attempt.contact_id)
    assert [d["action"] for d in webhook_pbx.decisions if d["contact"] == dialled.pk] == ["dial"]
    assert (dialled.state, dialled.offered_to_id, _status(rosa)) == ("offered", rosa.pk, "ocupado")
    assert _inbound("+34911000001").offered_to_id == jorge.pk
    waiting = _inbound("+34911000002")
    assert waiting.offered_to_id is None
    # The PBX reports that nobody answered: Rosa is free, and the waiting call rings at her.
    morning.advance(30)
    answer = client.post("/api/v1/cti/events", {"id": "h1", "type": "hangup", "call_id": dialled.external_id,
                                                "cause": "no_answer"},
                         content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {cti_token}")
    assert answer.status_code == 200 and answer.json()["state"] == "abandoned"
    waiting.refresh_from_db()
    assert waiting.offered_to_id == rosa.pk
    preview.record_outcome(user=rosa, target_id=person.pk, outcome="no_answer")
    assert not_reached_in_the_calls_report(morning.now().date()) == (1, 1, 0)


def test_an_inbound_call_during_a_call_back_dial_goes_elsewhere(queue, rosa, jorge, morning, webhook_pbx):  # noqa: F811
    jorge_state = TechnicianState.objects.get(user=jorge)
    jorge_state.status = "en_pausa"
    jorge_state.save()
    queues.save_queue(name="devoluciones", label="Devoluciones", tiers=[1], policy={"callback_max_attempts": 2})
    callback = callbacks.request_callback(actor=rosa, number="+34 600 111 222", queue="devoluciones",
                                          origin="personal")
    row = Contact.objects.get(pk=callback.contact_id)
    assert (row.state, row.offered_to_id, _status(rosa)) == ("offered", rosa.pk, "ocupado")  # dialling
    # Her console's card shows the call-back as a dial (no «Rechazar»), and the API refuses to decline it.
    console = Client()
    console.force_login(rosa)
    mine = [c for c in console.get("/consola/estado/").json()["contacts"] if c["id"] == row.pk]
    assert [(c["state"], c["dialled"]) for c in mine] == [("offered", "callback")]
    refused = console.post(f"/api/v1/contacts/{row.pk}/decline", {}, content_type="application/json")
    error = refused.json()["error"]
    assert (refused.status_code, error["code"], error["rule"]) == (409, "own_dial", "CH-PRO")
    row.refresh_from_db()
    assert (row.state, row.offered_to_id, _status(rosa)) == ("offered", rosa.pk, "ocupado")
    call = routing.create_contact(queue="devoluciones", caller="+34911000001").contact
    assert call.offered_to_id is None  # Jorge is paused, Rosa is dialling the call-back: it waits
    availability.make_available(user=jorge)
    call.refresh_from_db()
    assert call.offered_to_id == jorge.pk
