"""The bell hears a new notification and a change of the unread count live (``/ws/avisos/``); customers are refused."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from atiende.notifications import services
from atiende.notifications.consumers import NotificationConsumer
from tests.desk.conftest import make_user
from tests.websocket import connect

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_bell_rings_for_its_owner_only_and_customers_have_none(db):
    lucia, marta, carmen = make_user("lucia", "tecnico"), make_user("marta", "tecnico"), make_user("carmen", "cliente")

    async def scenario():
        app = NotificationConsumer.as_asgi()
        mine, accepted = await connect(app, "/ws/avisos/", lucia)
        assert accepted
        refused, accepted = await connect(app, "/ws/avisos/", carmen)
        assert not accepted
        await sync_to_async(services.notify)(recipients=[marta], kind="assigned", text="para Marta")
        [item] = await sync_to_async(services.notify)(recipients=[lucia], kind="assigned", text="para Lucía")
        rung = await mine.receive_json_from()
        assert rung["type"] == "notification.new" and rung["unread"] == 1
        assert rung["notification"]["text"] == "para Lucía"  # Marta's never reached this socket
        await sync_to_async(services.mark_read)(user=lucia, ids=[item.pk])
        assert await mine.receive_json_from() == {"type": "notification.count", "unread": 0}
        await mine.close()

    async_to_sync(scenario)()
