"""The consoles' websocket: every console hears of a change at once; technicians get no one else's alert texts."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.contrib.auth.models import AnonymousUser

from atiende.consoles.consumers import ConsoleConsumer
from atiende.contact.services import availability, calls, routing
from tests.consoles.seed import CALLER
from tests.websocket import Socket, connect

pytestmark = pytest.mark.django_db(transaction=True)


async def _connect(user) -> tuple[Socket, bool]:
    return await connect(ConsoleConsumer.as_asgi(), "/ws/consolas/", user)


def test_a_call_ringing_and_an_escalation_reach_the_console_and_the_wallboard(center):
    async def scenario():
        console, ok = await _connect(center.lucia)
        assert ok and (await console.receive_json_from())["type"] == "hello"
        board, ok = await _connect(center.marta)
        assert ok and (await board.receive_json_from())["type"] == "hello"
        await sync_to_async(availability.make_available)(user=center.lucia)
        back = {"type": "technician.update", "technician": {"id": center.lucia.pk, "status": "disponible"}}
        assert await console.receive_json_from() == back  # her own console and the wallboard re-read it
        assert await board.receive_json_from() == back
        routed = await sync_to_async(routing.create_contact)(queue="soporte", caller=CALLER)
        ringing = await console.receive_json_from()
        assert ringing["contact"]["id"] == routed.contact.pk and ringing["contact"]["state"] == "offered"
        assert "alerts" not in ringing  # ET-4: technicians re-read their own, filtered snapshot
        assert (await board.receive_json_from())["contact"]["state"] == "offered"
        await sync_to_async(calls.answer)(contact_id=routed.contact.pk, user=center.lucia)
        await console.receive_json_from()
        await board.receive_json_from()
        await sync_to_async(calls.escalate)(contact_id=routed.contact.pk, user=center.lucia, reason="ayuda")
        escalated = await board.receive_json_from()
        assert [a["rule"] for a in escalated["alerts"]] == ["PO-5"]  # the wallboard's live alert
        assert "alerts" not in await console.receive_json_from()
        for socket in (console, board):
            await socket.send_input({"type": "websocket.disconnect", "code": 1000})
            await socket.wait(1)

    async_to_sync(scenario)()


def test_the_consoles_keep_hearing_updates_after_the_channel_layer_fails_once(center, monkeypatch):
    """Issue 24's topology test: under load Redis timed out once under a process's console hub; the hub's one
    subscription died with it, and every console connected to that process stayed open and heard nothing more
    (no error, no reconnect). The hub now logs the failure and listens again."""
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    real_receive = layer.receive
    failures = []

    async def flaky_receive(channel):
        from atiende.consoles.consumers import HUB

        if channel == HUB.channel and not failures:
            failures.append(channel)
            raise TimeoutError("Timeout reading from 127.0.0.1:6379")
        return await real_receive(channel)

    async def scenario():
        board, ok = await _connect(center.marta)
        assert ok and (await board.receive_json_from())["type"] == "hello"
        monkeypatch.setattr(layer, "receive", flaky_receive)
        await sync_to_async(availability.make_available)(user=center.lucia)
        assert (await board.receive_json_from())["type"] == "technician.update"  # the hub's next wait fails
        routed = await sync_to_async(routing.create_contact)(queue="soporte", caller=CALLER)
        ringing = await board.receive_json_from()
        assert failures and ringing["contact"]["id"] == routed.contact.pk
        await board.send_input({"type": "websocket.disconnect", "code": 1000})
        await board.wait(1)

    async_to_sync(scenario)()


def test_customers_and_anonymous_visitors_are_refused(center):
    from atiende.people.models import User

    portal = User.objects.create_user("carmen", role="cliente")

    async def scenario():
        for user in (AnonymousUser(), portal):
            socket, ok = await _connect(user)
            assert not ok

    async_to_sync(scenario)()


def test_a_chat_change_reaches_every_console_as_which_chat_never_its_text(center):
    """Issue 17: the chat's live events (atiende/chat/live.py: chat.message, chat.read, chat.state on the board
    group) reach each console as a bare ``chat.update`` naming the chat; the text, the author and the visibility
    stay on the server (ET-4: an internal note or another team's customer), the console re-reads its own page."""
    import asyncio

    from channels.layers import get_channel_layer

    from atiende.contact.live import BOARD_GROUP

    async def scenario():
        console, ok = await _connect(center.jorge)
        assert ok and (await console.receive_json_from())["type"] == "hello"
        await asyncio.sleep(0.2)  # the hub's subscription to the board group
        layer = get_channel_layer()
        await layer.group_send(BOARD_GROUP, {"type": "chat.message", "chat": 41, "contact": 7, "update": "u1",
                                             "message": {"id": 3, "text": "Nota interna: Secreta-123",
                                                         "visibility": "internal", "author": 9}})
        await layer.group_send(BOARD_GROUP, {"type": "chat.state", "chat": "41; drop", "state": "ended"})
        await layer.group_send(BOARD_GROUP, {"type": "chat.read", "chat": 41, "side": "customer", "up_to": 3})
        assert await console.receive_json_from() == {"type": "chat.update", "chat": 41, "contact": 7,
                                                      "kind": "message"}
        # a malformed one is dropped; the next is heard
        assert await console.receive_json_from() == {"type": "chat.update", "chat": 41, "contact": None,
                                                      "kind": "read"}
        await console.send_input({"type": "websocket.disconnect", "code": 1000})
        await console.wait(1)

    async_to_sync(scenario)()


def test_a_chat_line_reaches_only_the_consoles_of_the_staff_on_it_and_the_supervisors(center):
    """Issue 17: with ``people`` (atiende/chat/live.py names the staff on the chat) a technician's console not on
    the chat hears nothing of it: one console per line, not every console per line (500 chats, 167 consoles)."""
    import asyncio

    from channels.layers import get_channel_layer

    from atiende.contact.live import BOARD_GROUP

    async def scenario():
        sockets = {}
        for user in (center.lucia, center.jorge, center.marta):
            sockets[user.username], ok = await _connect(user)
            assert ok and (await sockets[user.username].receive_json_from())["type"] == "hello"
        await asyncio.sleep(0.2)  # the hub's subscription to the board group
        layer = get_channel_layer()
        await layer.group_send(BOARD_GROUP, {"type": "chat.message", "chat": 41, "contact": 7, "update": "u1",
                                             "people": [center.lucia.pk], "message": {"id": 3, "text": "Hola"}})
        heard = {"type": "chat.update", "chat": 41, "contact": 7, "kind": "message"}
        assert await sockets["lucia"].receive_json_from() == heard
        assert await sockets["marta"].receive_json_from() == heard  # the supervisor's board may show any chat
        assert await sockets["jorge"].receive_nothing(0.3)
        for socket in sockets.values():
            await socket.send_input({"type": "websocket.disconnect", "code": 1000})
            await socket.wait(1)

    async_to_sync(scenario)()
