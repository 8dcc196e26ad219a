"""Live updates between processes go through Redis (channels_redis): a socket with nothing to hear for a while
stays open. redis-py 8 reads with a 5 s timeout by default, which the channel layer's own 5 s blocking wait
raced and lost: every idle websocket was torn down every few seconds, and a process's console hub went deaf
(issue 24's topology test). Run as `atiende serve` would be configured, against the suite's Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest

from tests.operations.installation import ROOT, environment

REDIS_URL = os.environ.get("ATIENDE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0] + "/8"

IDLE_WAIT = """
import asyncio, time
from atiende.cli.django_setup import setup_django
setup_django()
from channels.layers import get_channel_layer

async def main():
    layer = get_channel_layer()
    layer.prefix = PREFIX  # this test's keys only
    channel = await layer.new_channel()

    async def later():
        await asyncio.sleep(8)  # longer than redis-py's default read timeout and the layer's blocking pop
        await layer.send(channel, {"type": "board.update", "n": 1})

    task = asyncio.create_task(later())
    started = time.monotonic()
    message = await asyncio.wait_for(layer.receive(channel), 30)
    await task
    print(message["type"], round(time.monotonic() - started))

asyncio.run(main())
"""


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


@pytest.mark.skipif(not _redis_up(), reason=f"Redis is not reachable at {REDIS_URL}")
def test_a_channel_with_nothing_to_hear_waits_on_redis_without_being_torn_down(tmp_path):
    code = IDLE_WAIT.replace("PREFIX", repr(f"atiende-test-{uuid.uuid4().hex[:8]}"))
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment(tmp_path, REDIS_URL=REDIS_URL),
                          capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr[-2000:]
    kind, seconds = done.stdout.split()
    assert kind == "board.update" and int(seconds) >= 7


HUB_BESIDE_AN_IDLE_SOCKET = """
import asyncio, time
from atiende.cli.django_setup import setup_django
setup_django()
from channels.layers import get_channel_layer
from atiende.consoles.consumers import HUB
from atiende.contact.live import BOARD_GROUP

async def main():
    layer = get_channel_layer()
    layer.prefix = PREFIX  # this test's keys only
    heard = []

    class Wallboard:  # a supervisor's console connected to this process
        manager, board_scope, user_id = True, (None, 0), 1
        loop = asyncio.get_running_loop()

        async def send(self, text_data):
            heard.append(text_data)

    idle = asyncio.create_task(layer.receive(await layer.new_channel()))  # another socket here, nothing to hear
    await asyncio.sleep(0.5)
    await HUB.join(Wallboard())
    await asyncio.sleep(0.5)
    await layer.group_send(BOARD_GROUP, {"type": "contact.update", "contact": {"id": 7, "state": "offered"},
                                         "events": [], "alerts": []})
    started = time.monotonic()
    while not heard and time.monotonic() - started < 12:
        await asyncio.sleep(0.05)
    print(len(heard), round(time.monotonic() - started, 1))
    idle.cancel()

asyncio.run(main())
"""


@pytest.mark.skipif(not _redis_up(), reason=f"Redis is not reachable at {REDIS_URL}")
def test_the_console_hub_hears_the_board_at_once_beside_a_socket_with_nothing_to_hear(tmp_path):
    """channels_redis lets one coroutine of a process wait on Redis at a time, on the process's one key of its own
    channels. The hub's channel had a name of its own (another key): while any other socket of the process waited
    (every idle one does), nobody read the hub's key, and the wallboards heard updates only when that wait broke
    (every 5 s with redis-py 8's read timeout, then never once reads waited longer; issue 24's topology test)."""
    code = HUB_BESIDE_AN_IDLE_SOCKET.replace("PREFIX", repr(f"atiende-test-{uuid.uuid4().hex[:8]}"))
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment(tmp_path, REDIS_URL=REDIS_URL),
                          capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr[-2000:]
    heard, seconds = done.stdout.split()
    assert int(heard) == 1 and float(seconds) < 2
