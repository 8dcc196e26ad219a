"""The technicians a change concerns hear of it on ``/ws/contacts/`` at once, not only whoever has the call.

A transfer's receiver learns of the offer when it is requested and of its end
(accepted, declined, timed out: TR-4, TR-5), so the 60 s do not run out unseen;
for a transfer to a queue, every technician serving that queue does. A call
ringing at a technician reaches them, and so does a call a supervisor takes from
them. Nobody else hears of it, and a socket in two of the groups gets one copy.
"""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from atiende.contact.consumers import ContactConsumer
from atiende.contact.models import TechnicianState
from atiende.contact.services import availability, calls, deadlines
from atiende.contact.services import queues as contact_queues
from atiende.contact.services import routing as contact_routing
from tests.websocket import Socket, kinds, open_socket

from .conftest import make_technician

pytestmark = pytest.mark.django_db(transaction=True)


async def _connect(user) -> Socket:
    return await open_socket(ContactConsumer.as_asgi(), "/ws/contacts/", user)



def _call_with(technician) -> int:
    contact = contact_routing.create_contact(queue="soporte", caller="+34600000001").contact
    calls.answer(contact_id=contact.pk, user=technician)
    return contact.pk


def _serves(user, *queues: str) -> None:
    TechnicianState.objects.update_or_create(user=user, defaults={"queues": list(queues)})


def test_the_receiver_of_a_transfer_hears_of_it_and_of_its_end(clock):
    contact_queues.save_queue(name="soporte", tiers=[1, 2])
    lucia = make_technician("lucia")
    call = _call_with(lucia)
    jorge = make_technician("jorge", available=False)
    pedro = make_technician("pedro", available=False)

    def request() -> None:
        calls.request_transfer(contact_id=call, user=lucia, purpose="facturación", customer_consent=True,
                                  to_technician=jorge.pk)

    def time_out() -> None:
        clock.advance(61)  # TR-5: nobody answered within the 60 s
        deadlines.run_due_deadlines(worker="w")

    async def scenario():
        receiver, bystander = await _connect(jorge), await _connect(pedro)
        await sync_to_async(request)()
        offer = await receiver.update()
        assert offer["contact"]["state"] == "transfer_pending" and offer["contact"]["assignee"] == lucia.pk
        assert offer["contact"]["transfer"]["to_technician"] == jorge.pk and offer["contact"]["transfer"]["deadline"]
        assert kinds(offer) == ["transfer_requested"]
        assert "notify" not in offer and "update" not in offer  # routing keys stay on the server

        await sync_to_async(calls.decline_transfer)(contact_id=call, user=jorge)
        declined = await receiver.update()
        assert kinds(declined) == ["transfer_returned"] and declined["contact"]["transfer"] is None

        await sync_to_async(request)()
        assert kinds(await receiver.update()) == ["transfer_requested"]
        await sync_to_async(time_out)()
        timed_out = await receiver.update()
        assert kinds(timed_out) == ["transfer_returned"] and timed_out["contact"]["assignee"] == lucia.pk

        await sync_to_async(request)()
        assert kinds(await receiver.update()) == ["transfer_requested"]
        await sync_to_async(calls.accept_transfer)(contact_id=call, user=jorge)
        accepted = await receiver.update()
        assert kinds(accepted) == ["transfer_accepted"] and accepted["contact"]["assignee"] == jorge.pk

        assert await receiver.receive_nothing(0.2)  # each change once
        assert await bystander.receive_nothing(0.2)  # a technician it does not concern hears nothing
        await receiver.close()
        await bystander.close()

    async_to_sync(scenario)()


def test_a_transfer_to_a_queue_reaches_the_technicians_serving_it(clock):
    contact_queues.save_queue(name="soporte", tiers=[1, 2])
    contact_queues.save_queue(name="ventas", tiers=[1, 2])
    lucia = make_technician("lucia")
    call = _call_with(lucia)
    pedro = make_technician("pedro", available=False)
    rosa = make_technician("rosa", available=False)
    ana = make_technician("ana", available=False)
    _serves(pedro, "ventas")
    _serves(rosa)  # no queues listed: she serves every queue
    _serves(ana, "soporte")

    async def scenario():
        sockets = {name: await _connect(user) for name, user in (("pedro", pedro), ("rosa", rosa), ("ana", ana))}
        await sync_to_async(calls.request_transfer)(contact_id=call, user=lucia, purpose="una compra",
                                                       customer_consent=True, to_queue="ventas")
        for name in ("pedro", "rosa"):
            offer = await sockets[name].update()
            assert offer["contact"]["transfer"] == {"to_technician": None, "to_queue": "ventas",
                                                    "deadline": offer["contact"]["transfer"]["deadline"]}
            assert kinds(offer) == ["transfer_requested"]
        await sync_to_async(calls.accept_transfer)(contact_id=call, user=rosa)
        taken = await sockets["pedro"].update()  # the offer is gone from Pedro's console too
        assert kinds(taken) == ["transfer_accepted"] and taken["contact"]["assignee"] == rosa.pk
        assert kinds(await sockets["rosa"].update()) == ["transfer_accepted"]
        assert await sockets["ana"].receive_nothing(0.2)  # she does not serve ventas
        for socket in sockets.values():
            assert await socket.receive_nothing(0.1)
            await socket.close()

    async_to_sync(scenario)()


def test_a_queue_transfer_called_off_by_a_hang_up_reaches_the_queue(clock):
    contact_queues.save_queue(name="soporte", tiers=[1, 2])
    contact_queues.save_queue(name="ventas", tiers=[1, 2])
    lucia = make_technician("lucia")
    call = _call_with(lucia)
    pedro = make_technician("pedro", available=False)
    _serves(pedro, "ventas")

    async def scenario():
        socket = await _connect(pedro)
        await sync_to_async(calls.request_transfer)(contact_id=call, user=lucia, purpose="una compra",
                                                       customer_consent=True, to_queue="ventas")
        assert kinds(await socket.update()) == ["transfer_requested"]
        await sync_to_async(calls.hang_up)(contact_id=call)  # the caller hung up meanwhile
        ended = await socket.update()
        assert kinds(ended) == ["transfer_returned", "hangup"] and ended["contact"]["state"] == "wrap_up"
        await socket.close()

    async_to_sync(scenario)()


def test_a_call_ringing_at_a_technician_reaches_them_and_its_return_to_the_queue(clock):
    contact_queues.save_queue(name="soporte", tiers=[1, 2])
    lucia = make_technician("lucia", available=False)

    async def scenario():
        socket = await _connect(lucia)
        await sync_to_async(availability.make_available)(user=lucia)
        assert (await socket.receive_json_from())["type"] == "technician.update"  # she is available
        routed = await sync_to_async(contact_routing.create_contact)(queue="soporte", caller="+34600000001")
        ringing = await socket.update()
        assert ringing["contact"]["state"] == "offered" and ringing["contact"]["offered_to"] == lucia.pk
        assert ringing["contact"]["assignee"] is None and kinds(ringing)[-1] == "offered"
        await sync_to_async(calls.decline_offer)(contact_id=routed.contact.pk, user=lucia)
        back = await socket.update()
        assert back["contact"]["state"] == "waiting" and kinds(back) == ["returned_to_queue"]
        await socket.close()

    async_to_sync(scenario)()


def test_a_supervisor_taking_a_call_over_is_heard_by_the_technician_and_once_by_the_supervisor(clock):
    contact_queues.save_queue(name="soporte", tiers=[1, 2])
    lucia = make_technician("lucia")
    call = _call_with(lucia)
    marta = make_technician("marta", role="supervisor", available=False)

    async def scenario():
        technician, supervisor = await _connect(lucia), await _connect(marta)
        await sync_to_async(calls.supervise)(contact_id=call, user=marta, mode="take_over")
        taken = await technician.update()  # no longer hers: her console drops it now
        assert taken["contact"]["assignee"] == marta.pk and "supervisor_joined" in kinds(taken)
        seen = await supervisor.update()  # on the board and in her own group: one copy
        assert seen["contact"]["assignee"] == marta.pk
        assert await supervisor.receive_nothing(0.2)
        await technician.close()
        await supervisor.close()

    async_to_sync(scenario)()
