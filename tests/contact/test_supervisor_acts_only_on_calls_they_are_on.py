"""A supervisor holds, resumes or transfers only a call they are on (PO-5): taken over, joined or coached.

The customer's consent to a hold or a transfer (HO-3, TR-3) is asked by someone on the line. A supervisor
who is not on a technician's call joins it or takes it over first; until then the call is the technician's,
and the supervisor's hold, resume or transfer is refused (403, PO-5) with nothing changed.
"""

import pytest

from atiende.contact.models import Contact, ContactEvent

from .conftest import bearer

pytestmark = pytest.mark.django_db
JSON = "application/json"
HOLD = {"reason": "consultar con facturación", "customer_consent": True, "expected_minutes": 2}


def post(client, user, path, body=None):
    return client.post(f"/api/v1/contacts/{path}", body or {}, content_type=JSON, headers=bearer(user))


def test_a_supervisor_not_on_the_call_cannot_hold_resume_or_transfer_it(client, call_with_lucia, lucia, jorge,
                                                                        supervisor):
    events_before = ContactEvent.objects.filter(contact=call_with_lucia).count()
    refused = post(client, supervisor, f"{call_with_lucia.pk}/hold", HOLD)
    assert refused.status_code == 403, refused.content
    error = refused.json()["error"]
    assert (error["code"], error["rule"]) == ("join_first", "PO-5")
    assert "tome el control" in error["message"]
    transfer = post(client, supervisor, f"{call_with_lucia.pk}/transfer",
                    {"purpose": "facturación", "customer_consent": True, "to_technician": jorge.pk})
    assert transfer.status_code == 403 and transfer.json()["error"]["rule"] == "PO-5"
    # Nothing changed: the call is Lucía's, talking, with no new event.
    call = Contact.objects.get(pk=call_with_lucia.pk)
    assert (call.state, call.assignee_id) == ("talking", lucia.pk)
    assert ContactEvent.objects.filter(contact=call).count() == events_before

    # Lucía holds it herself; the supervisor cannot resume it for her either.
    assert post(client, lucia, f"{call.pk}/hold", HOLD).status_code == 200
    refused = post(client, supervisor, f"{call.pk}/resume")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "join_first"
    assert Contact.objects.get(pk=call.pk).state == "on_hold"


@pytest.mark.parametrize("mode", ["take_over", "join"])
def test_a_supervisor_on_the_call_holds_resumes_and_transfers_it(client, call_with_lucia, jorge, supervisor,
                                                                 mode):
    assert post(client, supervisor, f"{call_with_lucia.pk}/supervise", {"mode": mode}).status_code == 200
    held = post(client, supervisor, f"{call_with_lucia.pk}/hold", HOLD)
    assert held.status_code == 200, held.content
    assert held.json()["state"] == "on_hold"
    assert post(client, supervisor, f"{call_with_lucia.pk}/resume").status_code == 200
    transfer = post(client, supervisor, f"{call_with_lucia.pk}/transfer",
                    {"purpose": "facturación", "customer_consent": True, "to_technician": jorge.pk})
    assert transfer.status_code == 200, transfer.content
    assert transfer.json()["state"] == "transfer_pending"


def test_a_supervisor_may_still_end_a_call_of_their_scope(client, call_with_lucia, supervisor):
    """Ending a call stays open to a supervisor in scope: a call the telephony never reported ended would
    otherwise keep its technician busy."""
    ended = post(client, supervisor, f"{call_with_lucia.pk}/hangup", {"cause": "normal"})
    assert ended.status_code == 200, ended.content
    assert ended.json()["state"] == "wrap_up"
