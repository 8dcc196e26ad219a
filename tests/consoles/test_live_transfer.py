"""The receiving technician's console (``/ws/consolas/``) hears of a transfer offered to it and of its end.

Every console hears every board update (one hub per process); the page re-reads
its snapshot for a call in ``transfer_pending`` and for a call it shows (the
offer), so the offer appears and disappears without a refresh (TR-4, TR-5).
"""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from atiende.consoles.consumers import ConsoleConsumer
from atiende.consoles.selectors import technician_snapshot
from atiende.contact.services import availability, calls, routing
from tests.consoles.seed import CALLER
from tests.websocket import Socket, open_socket

pytestmark = pytest.mark.django_db(transaction=True)


async def _connect(user) -> Socket:
    return await open_socket(ConsoleConsumer.as_asgi(), "/ws/consolas/", user)


def test_the_receivers_console_hears_the_offer_and_its_decline(center):
    availability.make_available(user=center.lucia)
    call = routing.create_contact(queue="soporte", caller=CALLER).contact
    calls.answer(contact_id=call.pk, user=center.lucia)

    async def scenario():
        console = await _connect(center.jorge)
        await sync_to_async(calls.request_transfer)(contact_id=call.pk, user=center.lucia, purpose="facturación",
                                                       customer_consent=True, to_technician=center.jorge.pk)
        offer = await console.receive_json_from()
        assert offer["contact"]["state"] == "transfer_pending"  # console.js re-reads for this state
        snapshot = await sync_to_async(technician_snapshot)(center.jorge)
        assert [o["id"] for o in snapshot["offers"]] == [call.pk]
        await sync_to_async(calls.decline_transfer)(contact_id=call.pk, user=center.jorge)
        back = await console.receive_json_from()
        assert back["contact"]["id"] == call.pk and [e["kind"] for e in back["events"]] == ["transfer_returned"]
        assert (await sync_to_async(technician_snapshot)(center.jorge))["offers"] == []
        await console.send_input({"type": "websocket.disconnect", "code": 1000})
        await console.wait(1)

    async_to_sync(scenario)()
