"""A live update crosses to the event loop once and reaches all its groups at once; a failure breaks nothing.

The channel layer here is a stand-in: each ``group_send`` waits until every
group of the update has started (so only a concurrent send gets through), and
one group's send fails. The action still commits, the other groups get the
update, and the request paid one ``async_to_sync`` hop, not one per group.
"""

from __future__ import annotations

import asyncio

import asgiref.sync
import channels.layers
import pytest

from atiende.contact import live
from atiende.contact.models import Contact
from atiende.contact.services import calls

pytestmark = pytest.mark.django_db


class Layer:
    def __init__(self, failing: str) -> None:
        self.failing = failing
        self.started: list[str] = []
        self.delivered: list[str] = []
        self.expected = 0
        self.all_started: asyncio.Event | None = None

    async def group_send(self, group: str, message: dict) -> None:
        if self.all_started is None:
            self.all_started = asyncio.Event()
        self.started.append(group)
        if len(self.started) == self.expected:
            self.all_started.set()
        await asyncio.wait_for(self.all_started.wait(), 2)  # a send one after the other never gets past this
        if group == self.failing:
            raise ConnectionError("redis went away")
        self.delivered.append(group)


def test_one_hop_all_groups_at_once_and_a_failing_group_breaks_nothing(call_with_lucia, lucia, jorge, clock,
                                                                       monkeypatch, django_capture_on_commit_callbacks,
                                                                       caplog):
    layer = Layer(failing=live.technician_group(lucia.pk))
    layer.expected = 3  # the board, Lucía (who has the call), Jorge (who is offered it)
    monkeypatch.setattr(channels.layers, "get_channel_layer", lambda *args: layer)
    hops = []
    real = asgiref.sync.async_to_sync

    def counting(fn, *args, **kwargs):
        hops.append(fn)
        return real(fn, *args, **kwargs)

    monkeypatch.setattr(asgiref.sync, "async_to_sync", counting)
    with django_capture_on_commit_callbacks(execute=True):
        calls.request_transfer(contact_id=call_with_lucia.pk, user=lucia, purpose="facturación",
                                  customer_consent=True, to_technician=jorge.pk)
    assert Contact.objects.get(pk=call_with_lucia.pk).state == "transfer_pending"  # the action stands
    assert sorted(layer.started) == sorted([live.BOARD_GROUP, live.technician_group(lucia.pk),
                                            live.technician_group(jorge.pk)])
    assert sorted(layer.delivered) == sorted([live.BOARD_GROUP, live.technician_group(jorge.pk)])
    assert len(hops) == 1
    assert "live update to technician-" in caplog.text


def test_a_layer_that_cannot_send_at_all_does_not_break_the_action(call_with_lucia, lucia, clock, monkeypatch,
                                                                   django_capture_on_commit_callbacks):
    class Broken:
        def group_send(self, group, message):
            raise RuntimeError("no event loop for you")

    monkeypatch.setattr(channels.layers, "get_channel_layer", lambda *args: Broken())
    with django_capture_on_commit_callbacks(execute=True):
        calls.put_on_hold(contact_id=call_with_lucia.pk, user=lucia, reason="consulta", customer_consent=True,
                             expected_minutes=2)
    assert Contact.objects.get(pk=call_with_lucia.pk).state == "on_hold"


def test_a_request_thread_hands_the_update_to_the_loop_and_answers_without_waiting(
        call_with_lucia, lucia, clock, monkeypatch, django_capture_on_commit_callbacks):
    """Served, a request's thread runs under the server's event loop (sync_to_async): the update is handed to
    that loop after the commit and the request answers at once, without waiting for the layer (Redis round
    trips, a loop busy with sockets; issue 25). The layer here answers only after the action has returned."""
    delivered: list[str] = []
    state: dict[str, asyncio.Event] = {}

    class Slow:
        async def group_send(self, group: str, message: dict) -> None:
            await asyncio.wait_for(state["answered"].wait(), 1)  # waiting for the action would time out here
            delivered.append(group)

    monkeypatch.setattr(channels.layers, "get_channel_layer", lambda *args: Slow())

    def action() -> str:
        with django_capture_on_commit_callbacks(execute=True):
            calls.put_on_hold(contact_id=call_with_lucia.pk, user=lucia, reason="consulta", customer_consent=True,
                              expected_minutes=2)
        return "answered"

    async def request() -> str:
        state["answered"] = asyncio.Event()
        answer = await asgiref.sync.sync_to_async(action, thread_sensitive=True)()  # as Django runs a view
        assert delivered == []  # the answer came before the layer sent anything
        state["answered"].set()
        for _ in range(200):
            if len(delivered) == 2:
                break
            await asyncio.sleep(0.01)
        return answer

    assert asgiref.sync.async_to_sync(request)() == "answered"
    assert sorted(delivered) == sorted([live.BOARD_GROUP, live.technician_group(lucia.pk)])
    assert Contact.objects.get(pk=call_with_lucia.pk).state == "on_hold"
