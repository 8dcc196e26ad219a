"""Per-address chat limits shared by every server process through Redis (docs/chat.md, Limits): with REDIS_URL set,
the chats started and the sockets opened from one address are counted once for all processes, where each process
used to count its own (N processes let an address through N times). Against a real Redis (skipped without one):
two clients as two processes, and two real processes racing for one bucket. Redis away: the process counts alone,
never refusing a customer for it."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from atiende.chat import guards

REDIS_URL = os.environ.get("ATIENDE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0] + "/12"
ROOT = Path(__file__).resolve().parents[2]


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


needs_redis = pytest.mark.skipif(not _redis_up(), reason=f"Redis is not reachable at {REDIS_URL}")


def _address() -> str:
    return f"198.51.100.{uuid.uuid4().hex}"  # a key of this test alone (other runs may share the Redis)


@needs_redis
def test_two_processes_take_from_one_bucket_per_address():
    one, two = guards.SharedBuckets(REDIS_URL), guards.SharedBuckets(REDIS_URL)
    address = _address()
    assert [one.take("ATIENDE_CHAT_STARTS", address, 3, 0.0) for _ in range(2)] == [0.0, 0.0]
    assert two.take("ATIENDE_CHAT_STARTS", address, 3, 0.0) == 0.0
    assert math.isinf(two.take("ATIENDE_CHAT_STARTS", address, 3, 0.0))  # the burst is spent, for both
    assert math.isinf(one.take("ATIENDE_CHAT_STARTS", address, 3, 0.0))
    # With a rate, the wait is the time to the next token (2 a minute: 30 s), not an integer cut of it.
    other = _address()
    assert one.take("ATIENDE_CHAT_STARTS", other, 1, 2 / 60) == 0.0
    assert 29.0 < two.take("ATIENDE_CHAT_STARTS", other, 1, 2 / 60) <= 30.0
    assert two.take("ATIENDE_CHAT_STARTS", _address(), 1, 2 / 60) == 0.0  # another address has its own


@needs_redis
def test_with_redis_url_the_per_address_limits_are_shared_and_a_chats_messages_are_not(settings, monkeypatch):
    monkeypatch.setenv("ATIENDE_CHAT_STARTS", "2/0")
    monkeypatch.setenv("ATIENDE_CHAT_MESSAGES", "1/0")
    settings.REDIS_URL = REDIS_URL
    first, second = guards.Limits(), guards.Limits()  # two server processes
    address = _address()
    assert first.take("ATIENDE_CHAT_STARTS", address) == 0.0
    assert second.take("ATIENDE_CHAT_STARTS", address) == 0.0
    assert first.take("ATIENDE_CHAT_STARTS", address) > 0  # before Redis: allowed, each process counted 1 of 2
    assert second.take("ATIENDE_CHAT_STARTS", address) > 0
    session = f"session:{uuid.uuid4().hex}"
    assert first.take("ATIENDE_CHAT_MESSAGES", session) == 0.0  # a chat's one socket: kept by its process
    assert second.take("ATIENDE_CHAT_MESSAGES", session) == 0.0


def test_without_redis_each_process_counts_and_an_unreachable_redis_refuses_nobody(settings, monkeypatch, caplog):
    monkeypatch.setenv("ATIENDE_CHAT_STARTS", "1/0")
    settings.REDIS_URL = None
    alone = guards.Limits()
    assert alone.take("ATIENDE_CHAT_STARTS", "203.0.113.9") == 0.0
    assert alone.take("ATIENDE_CHAT_STARTS", "203.0.113.9") > 0
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    away = guards.Limits()
    assert away.take("ATIENDE_CHAT_STARTS", "203.0.113.9") == 0.0  # counted in the process meanwhile
    assert away.take("ATIENDE_CHAT_STARTS", "203.0.113.9") > 0
    assert "Redis unreachable" in caplog.text


RACE = """
import sys
import django
django.setup()
from atiende.chat.guards import SharedBuckets
buckets = SharedBuckets(sys.argv[1])
print(sum(1 for _ in range(20) if buckets.take("ATIENDE_CHAT_SOCKETS", sys.argv[2], 25, 0.0) == 0.0))
"""


@needs_redis
def test_two_real_processes_racing_get_the_burst_once_between_them():
    address = _address()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "atiende.settings", "PYTHONDONTWRITEBYTECODE": "1"}
    runs = [subprocess.Popen([sys.executable, "-c", RACE, REDIS_URL, address], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, text=True) for _ in range(2)]
    taken = [int(run.communicate(timeout=60)[0].strip().splitlines()[-1]) for run in runs]
    assert sum(taken) == 25  # 40 tries, a burst of 25: per process it would have been 20 + 20
