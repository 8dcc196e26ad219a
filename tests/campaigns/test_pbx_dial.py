"""A campaign call through the PBX: preview, the ``dial`` webhook, the PBX's answer, the technician's outcome,
with a fake PBX receiving Atiende's decisions (issue 18, CH-PRO); without a PBX the technician dials by hand."""

from __future__ import annotations

import json

import pytest

from atiende.campaigns.models import Attempt
from atiende.campaigns.services import campaigns, lists, preview
from atiende.contact.models import Contact, TechnicianState
from atiende.errors import InputError
from atiende.people.models import User
from atiende.telephony import webhooks
from atiende.telephony.models import WebhookDelivery
from tests.telephony.conftest import cti_token  # noqa: F401
from tests.telephony.webhooks.conftest import webhook_pbx  # noqa: F401

pytestmark = pytest.mark.django_db

LIST = b"nombre;telefono;zona horaria\nCarmen Ruiz;600 11 22 33;Europe/Madrid\n"


@pytest.fixture(autouse=True)
def _fresh_technician_cache():
    """The CTI answer keeps who a technician id is for a minute (atiende.telephony.native._who): ids start over
    in every test's database, so the cache is emptied before and after these tests."""
    from atiende.telephony import native as native_cti

    native_cti._WHO.clear()
    yield
    native_cti._WHO.clear()


@pytest.fixture
def rosa(db, clock):
    from atiende.contact.services import availability

    user = User.objects.create_user("rosa", role="tecnico", tier=1, extension="203", first_name="Rosa")
    availability.make_available(user=user)
    return user


@pytest.fixture
def running(campaign, boss, carmen):
    lists.import_csv(actor=boss, campaign_id=campaign.pk, data=LIST)
    return campaigns.update_campaign(actor=boss, campaign_id=campaign.pk, status="active")


@pytest.fixture
def native(client, cti_token):  # noqa: F811
    def post(event_id, kind, call_id, **fields):
        answer = client.post("/api/v1/cti/events",
                             json.dumps({"id": event_id, "type": kind, "call_id": call_id, **fields}),
                             content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {cti_token}")
        return answer.status_code, answer.json()
    return post


def _dial_through_the_pbx(rosa, webhook_pbx, django_capture_on_commit_callbacks):  # noqa: F811
    person = preview.next_person(user=rosa)
    with django_capture_on_commit_callbacks(execute=True):
        attempt = preview.dial(user=rosa, target_id=person.pk)
    webhooks.deliver_due(worker="t")
    dials = [d for d in webhook_pbx.decisions if d["action"] == "dial"]
    assert len(dials) == 1
    return person, attempt, dials[0]


def test_a_campaign_call_goes_from_preview_to_the_pbx_dial_to_the_answer_to_the_outcome(
        running, rosa, morning, native, webhook_pbx, django_capture_on_commit_callbacks):  # noqa: F811
    person, attempt, request = _dial_through_the_pbx(rosa, webhook_pbx, django_capture_on_commit_callbacks)
    # The PBX is asked to ring Rosa's extension, then Carmen's number, before 20:00 in Madrid (19:00 UTC).
    assert (request["number"], request["technician"]["extension"], request["purpose"], request["attempt"]) == (
        "+34600112233", "203", "campaign", 1)
    assert request["not_after"] == "2026-12-07T19:00:00+00:00" and request["rule"] == "CH-PRO"
    call = Contact.objects.get(pk=attempt.contact_id)
    assert call.external_id == request["call_id"] and (call.state, call.offered_to_id) == ("offered", rosa.pk)
    assert TechnicianState.objects.get(user=rosa).status == "ocupado"  # dialling: routing passes her by
    assert "ring" not in [d["action"] for d in webhook_pbx.decisions]  # the dial is the PBX's instruction
    # Carmen picks up: the PBX reports it on the dial's call id, naming nobody; it is Rosa's call.
    morning.advance(20)
    status, body = native("c1", "answered", request["call_id"])
    assert status == 200, body
    assert body["action"] == "connect" and body["state"] == "talking" and body["technician"]["username"] == "rosa"
    assert TechnicianState.objects.get(user=rosa).calls_today == 1  # PO-3 counts the call once
    # The call ends at the PBX; Rosa records what came of it.
    morning.advance(120)
    status, body = native("c2", "hangup", request["call_id"], cause="normal")
    assert status == 200 and body["state"] == "wrap_up"
    done = preview.record_outcome(user=rosa, target_id=person.pk, outcome="reached", note="Todo funciona.")
    call.refresh_from_db()
    person.refresh_from_db()
    assert done.outcome == "reached" and person.status == "reached" and person.work_order is not None
    assert (call.assignee_id, call.state) == (rosa.pk, "wrap_up")
    assert TechnicianState.objects.get(user=rosa).calls_today == 1


def test_nobody_answering_at_the_pbx_ends_the_call_and_only_no_answer_can_be_recorded(
        running, rosa, morning, native, webhook_pbx, django_capture_on_commit_callbacks):  # noqa: F811
    person, attempt, request = _dial_through_the_pbx(rosa, webhook_pbx, django_capture_on_commit_callbacks)
    morning.advance(30)
    status, body = native("c1", "hangup", request["call_id"], cause="no_answer")
    assert status == 200 and body["state"] == "abandoned"
    with pytest.raises(InputError) as caught:
        preview.record_outcome(user=rosa, target_id=person.pk, outcome="reached")
    assert caught.value.code == "nobody_answered" and caught.value.rule == "CH-PRO"
    preview.record_outcome(user=rosa, target_id=person.pk, outcome="no_answer")
    person.refresh_from_db()
    assert (person.status, person.attempts) == ("scheduled", 1)
    assert TechnicianState.objects.get(user=rosa).calls_today == 0
    # The next try is the next dial: attempt 2 of the same person, a new call id.
    morning.advance(60 * 60)
    assert preview.next_person(user=rosa).pk == person.pk
    with django_capture_on_commit_callbacks(execute=True):
        second = preview.dial(user=rosa, target_id=person.pk)
    webhooks.deliver_due(worker="t")
    dials = [d for d in webhook_pbx.decisions if d["action"] == "dial"]
    assert [d["attempt"] for d in dials] == [1, 2] and dials[1]["call_id"] != request["call_id"]
    assert second.contact_id != attempt.contact_id


def test_a_technician_without_an_extension_cannot_have_the_pbx_dial(running, lucia, morning, webhook_pbx):  # noqa: F811
    person = preview.next_person(user=lucia)
    with pytest.raises(InputError) as caught:
        preview.dial(user=lucia, target_id=person.pk)
    assert caught.value.code == "dial_needs_extension" and caught.value.rule == "CH-TEL"
    assert not Attempt.objects.exists() and not WebhookDelivery.objects.exists()  # nothing half done
    assert not Contact.objects.exists()


def test_without_a_pbx_the_technician_dials_by_hand(running, rosa, morning, monkeypatch):
    monkeypatch.delenv("ATIENDE_WEBHOOK_URL", raising=False)
    person = preview.next_person(user=rosa)
    attempt = preview.dial(user=rosa, target_id=person.pk)
    assert not WebhookDelivery.objects.exists()
    assert Contact.objects.get(pk=attempt.contact_id).external_id is None
    call = Contact.objects.get(pk=attempt.contact_id)
    assert (call.state, call.offered_to_id, call.data["dialled"]) == ("offered", rosa.pk, "hand")
    preview.record_outcome(user=rosa, target_id=person.pk, outcome="reached")
    assert TechnicianState.objects.get(user=rosa).calls_today == 1
