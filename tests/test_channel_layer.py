"""The in-process channel layer: Channels' in-memory one, its expiry sweep at most once a second (issue 17)."""

from __future__ import annotations

import time

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from atiende import channel_layer
from atiende.channel_layer import InProcessChannelLayer


def test_the_server_without_redis_uses_it():
    assert isinstance(get_channel_layer(), InProcessChannelLayer) or get_channel_layer().__class__.__module__ \
        .startswith("channels_redis")


def test_the_sweep_runs_at_most_once_a_second_and_an_old_message_still_expires(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(channel_layer.time, "monotonic", lambda: clock[0])
    layer = InProcessChannelLayer(expiry=1)
    sweeps = []
    real = channel_layer.InMemoryChannelLayer._clean_expired

    def counted(self):
        sweeps.append(clock[0])
        real(self)

    monkeypatch.setattr(channel_layer.InMemoryChannelLayer, "_clean_expired", counted)

    async def scenario():
        await layer.group_add("chat-1", "specific.a")
        await layer.send("specific.a", {"type": "old"})
        for _ in range(50):
            await layer.group_send("chat-2", {"type": "x"})
        assert sweeps == [1000.0]  # one walk, not fifty
        time.sleep(1.1)  # the message is past its expiry (Channels stamps it with time.time())
        clock[0] += 1.0
        await layer.group_send("chat-2", {"type": "x"})
        assert sweeps == [1000.0, 1001.0]
        assert "specific.a" not in layer.channels  # dropped, and the channel left its groups
        assert "specific.a" not in layer.groups.get("chat-1", {})

    async_to_sync(scenario)()
