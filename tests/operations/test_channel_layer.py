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
