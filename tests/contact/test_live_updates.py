"""Consoles get live updates over the websocket once a change is committed."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync

from atiende.contact.consumers import ContactConsumer
from atiende.contact.services import availability, calls, queues, routing
from tests.websocket import Socket, connect

pytestmark = pytest.mark.django_db(transaction=True)


async def _connect(user) -> tuple[Socket, bool]:
    return await connect(ContactConsumer.as_asgi(), "/ws/contacts/", user)


def test_supervisor_board_receives_a_hold_and_its_rule(clock):
    from .conftest import make_technician

    queues.save_queue(name="soporte", tiers=[1, 2])
    lucia = make_technician("lucia")
    marta = make_technician("marta", role="supervisor", available=False)
    contact = routing.create_contact(queue="soporte").contact
    calls.answer(contact_id=contact.pk, user=lucia)

    async def scenario():
        board, ok = await _connect(marta)
        assert ok
        assert (await board.receive_json_from())["type"] == "hello"
        mine, ok = await _connect(lucia)
        await mine.receive_json_from()
        from asgiref.sync import sync_to_async

        await sync_to_async(calls.put_on_hold)(contact_id=contact.pk, user=lucia, reason="consulta",
                                                  customer_consent=True, expected_minutes=2)
        update = await board.receive_json_from(timeout=5)
        assert update["contact"]["state"] == "on_hold"
        assert update["events"][0]["rule"] == "HO-3"
        assert (await mine.receive_json_from(timeout=5))["contact"]["id"] == contact.pk
        await board.close()
        await mine.close()

    async_to_sync(scenario)()


def test_a_pause_and_the_return_reach_the_board_and_the_technician_not_colleagues(clock):
    """Supervisors see a technician's state change at once (their wallboard re-reads it), not at the next poll."""
    from .conftest import make_technician

    lucia = make_technician("lucia")
    jorge = make_technician("jorge")
    marta = make_technician("marta", role="supervisor", available=False)

    async def scenario():
        from asgiref.sync import sync_to_async

        sockets = {}
        for user in (marta, lucia, jorge):
            socket, ok = await _connect(user)
            assert ok and (await socket.receive_json_from())["type"] == "hello"
            sockets[user.username] = socket
        await sync_to_async(availability.pause)(user=lucia, reason="Reunión de equipo")
        for name in ("marta", "lucia"):
            message = await sockets[name].receive_json_from(timeout=5)
            assert message == {"type": "technician.update", "technician": {"id": lucia.pk, "status": "en_pausa"}}
        await sync_to_async(availability.make_available)(user=lucia)
        assert (await sockets["marta"].receive_json_from(timeout=5))["technician"]["status"] == "disponible"
        assert await sockets["jorge"].receive_nothing(timeout=0.3)  # a colleague's pause is not theirs to hear
        for socket in sockets.values():
            await socket.close()

    async_to_sync(scenario)()


def test_customers_cannot_open_the_console_socket(clock):
    from .conftest import make_technician

    customer = make_technician("cliente1", role="cliente", available=False)

    async def scenario():
        _communicator, connected = await _connect(customer)
        assert not connected

    async_to_sync(scenario)()
