"""When a supervisor steps in (PO-5) the PBX is told whom to connect, how, and who had the call.

The webhook's ``conference`` decision names the supervisor as ``technician`` (the
party to add), says the ``mode`` (join: a three-way call; coach: heard by the
technician only; take_over: the supervisor replaces the technician) and keeps
the technician who had the call in ``original_technician``. A fake PBX (an HTTP
server in a thread) receives the signed bodies, exactly as sent.
"""

from __future__ import annotations

import pytest

from atiende.contact.models import Contact
from atiende.people.models import ApiToken
from atiende.telephony import webhooks

pytestmark = pytest.mark.django_db
JSON = "application/json"


def _supervise(client, call: Contact, supervisor, mode: str) -> None:
    _token, raw = ApiToken.issue(supervisor, kind="api")
    response = client.post(f"/api/v1/contacts/{call.pk}/supervise", {"mode": mode}, content_type=JSON,
                           headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("mode", ["join", "coach", "take_over"])
def test_the_pbx_connects_the_supervisor_in_the_mode_chosen(client, webhook_pbx, call_with_lucia, lucia, supervisor,
                                                            clock, mode):
    lucia.extension, supervisor.extension = "201", "299"
    lucia.save(update_fields=["extension"])
    supervisor.save(update_fields=["extension"])
    _supervise(client, call_with_lucia, supervisor, mode)
    webhooks.deliver_due(worker="w")
    conference = [d for d in webhook_pbx.decisions if d["action"] == "conference"]
    assert len(conference) == 1
    decision = conference[0]
    assert decision["technician"] == {"id": supervisor.pk, "username": "marta", "extension": "299"}
    assert decision["mode"] == mode
    assert decision["original_technician"] == {"id": lucia.pk, "username": "lucia", "extension": "201"}
    assert decision["rule"] == "PO-5" and decision["state"] == "talking"
    # The other decisions keep their shape: the ring named Lucía and carries no mode.
    ring = next(d for d in webhook_pbx.decisions if d["action"] == "ring")
    assert ring["technician"]["id"] == lucia.pk and "mode" not in ring and "original_technician" not in ring


def test_taking_over_a_pending_transfer_gives_the_call_back_to_the_supervisor(client, webhook_pbx, call_with_lucia, lucia,
                                                                            jorge, supervisor, clock):
    from atiende.contact.services import calls

    supervisor.extension = "299"
    supervisor.save(update_fields=["extension"])
    calls.request_transfer(contact_id=call_with_lucia.pk, user=lucia, purpose="billing", customer_consent=True,
                              to_technician=jorge.pk)
    _supervise(client, call_with_lucia, supervisor, "take_over")
    webhooks.deliver_due(worker="w")
    returned, conference = [d for d in webhook_pbx.decisions if d["action"] in ("return_call", "conference")]
    assert returned["technician"]["id"] == supervisor.pk  # the transfer is called off, to the supervisor
    assert conference["technician"]["extension"] == "299" and conference["mode"] == "take_over"
    assert conference["original_technician"]["id"] == lucia.pk
