"""What the widget's doors check before any chat service runs: the page's origin, the rate limits.

Origins (docs/chat.md): a widget is used from its allowed origins (``ChatWidget.allowed_origins``:
exact origins or ``https://*.example.com`` families) and from the help desk's own pages
(``ATIENDE_BASE_URL`` and the host the request reached). The start call, the offline message,
the screenshot upload and the websocket's join all check it; a refusal is 403
``origin_not_allowed``.

Rate limits are token buckets (:mod:`atiende.chat.core.limits`) kept per server process:

| what | key | default | setting |
|---|---|---|---|
| chats started and messages left offline | address | 10 at once, then 2 a minute | ``ATIENDE_CHAT_STARTS`` |
| websocket connections opened | address | 30 at once, then 1 a second | ``ATIENDE_CHAT_SOCKETS`` |
| messages and screenshots sent | chat session | 10 at once, then 1 a second | ``ATIENDE_CHAT_MESSAGES`` |
| typing signals | socket | 5 at once, then 1 a second (extra ones are dropped) | (fixed) |

A setting is ``BURST/PER_MINUTE`` (``ATIENDE_CHAT_STARTS=10/2``). With ``REDIS_URL`` set (several server
processes: the live updates already go through it) the per-address limits (starts, sockets) are kept in
Redis, one bucket per address for every process (:class:`SharedBuckets`: a Lua script takes the tokens
atomically, on Redis's clock); without it each process counts its own, so with N processes an address may
get up to N times the limit. If Redis cannot be reached the process counts on its own meanwhile (logged),
never refusing a customer for it. A chat session's messages go through its one socket, so that limit is
kept by the process (exact), as are typing signals.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from atiende.chat.core import Limiter, normalise_origin, origin_allowed
from atiende.chat.core.origins import OriginError
from atiende.errors import InputError
from atiende.mail import config

DEFAULTS = {"ATIENDE_CHAT_STARTS": (10.0, 2.0), "ATIENDE_CHAT_SOCKETS": (30.0, 60.0),
            "ATIENDE_CHAT_MESSAGES": (10.0, 60.0)}


def limit_setting(name: str) -> tuple[float, float]:
    """``(burst, per_minute)`` of a limit: its environment setting, else the default."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return DEFAULTS[name]
    burst_text, _slash, rate_text = raw.partition("/")
    try:
        burst, rate = float(burst_text), float(rate_text)
    except ValueError:
        burst = rate = -1.0
    if burst < 1 or rate < 0:
        raise InputError("invalid_setting", _("%(name)s must be BURST/PER_MINUTE, e.g. 10/2, not %(value)r.")
                         % {"name": name, "value": raw}, field=name)
    return burst, rate


def _limiter(name: str) -> Limiter:
    burst, per_minute = limit_setting(name)
    return Limiter(burst=burst, per_second=per_minute / 60.0)


log = logging.getLogger(__name__)

SHARED = frozenset({"ATIENDE_CHAT_STARTS", "ATIENDE_CHAT_SOCKETS"})  # per address: one count for all processes
SHARED_PREFIX = "atiende:chat-limit:"

# KEYS[1] the bucket; ARGV burst, tokens per second, cost. Refills by the time since its last use (Redis's own
# clock, the same for every process), takes ``cost`` when there is enough, and returns the seconds to wait
# ("0" when taken; "-1" for never, a rate of 0) as text (a Lua number would come back cut to an integer). The
# bucket expires once it would be full again: a forgotten one is the same as a full one.
TAKE_SCRIPT = """
local burst, rate, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local stored = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens, updated = tonumber(stored[1]), tonumber(stored[2])
if tokens == nil or updated == nil then tokens, updated = burst, now end
if now > updated then tokens = math.min(burst, tokens + (now - updated) * rate); updated = now end
local wait = 0
if tokens >= cost then tokens = tokens - cost elseif rate <= 0 then wait = -1 else wait = (cost - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(updated))
local ttl = 3600
if rate > 0 then ttl = math.ceil((burst - tokens) / rate) + 1 end
redis.call('EXPIRE', KEYS[1], ttl)
return tostring(wait)
"""


class SharedBuckets:
    """Token buckets kept in Redis: every server process takes from the same bucket for a key."""

    def __init__(self, url: str, *, timeout: float = 0.5) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        self.script: Any = self.client.register_script(TAKE_SCRIPT)

    def take(self, name: str, key: str, burst: float, per_second: float, cost: float = 1.0) -> float:
        """0.0 when allowed (and counted), else the seconds to wait; raises redis' errors."""
        answer = self.script(keys=[f"{SHARED_PREFIX}{name}:{key}"], args=[burst, per_second, cost])
        wait = float(answer.decode() if isinstance(answer, bytes) else answer)
        return math.inf if wait < 0 else wait

    def reset(self) -> None:
        for found in self.client.scan_iter(match=f"{SHARED_PREFIX}*", count=500):
            self.client.delete(found)


class Limits:
    """The buckets (made on first use, so a test or a bench may set the environment first): the per-address
    ones in Redis when ``REDIS_URL`` is set (:data:`SHARED`), the rest in the process."""

    def __init__(self) -> None:
        self._made: dict[str, Limiter] = {}
        self._shared: SharedBuckets | None = None
        self._shared_url: str | None = None

    def _shared_buckets(self) -> SharedBuckets | None:
        url = getattr(settings, "REDIS_URL", None) or None
        if url != self._shared_url:
            self._shared_url = url
            self._shared = SharedBuckets(url) if url else None
        return self._shared

    def take(self, name: str, key: str, cost: float = 1.0) -> float:
        """0.0 when allowed, else the seconds to wait; ``name`` is a setting of :data:`DEFAULTS` or ``typing``."""
        limiter = self._made.get(name)
        if limiter is None:
            limiter = self._made[name] = (Limiter(burst=5, per_second=1.0) if name == "typing" else _limiter(name))
        if name in SHARED:
            shared = self._shared_buckets()
            if shared is not None:
                try:
                    return shared.take(name, key, limiter.burst, limiter.per_second, cost)
                except Exception as exc:  # Redis away: this process counts on its own meanwhile
                    log.warning("chat rate limit %s: Redis unreachable (%s); counting in this process", name, exc)
        return limiter.take(key, time.monotonic(), cost)

    async def atake(self, name: str, key: str, cost: float = 1.0) -> float:
        """:meth:`take` for a consumer: a shared bucket is asked from a worker thread, not the event loop."""
        if name in SHARED and self._shared_buckets() is not None:
            return await asyncio.to_thread(self.take, name, key, cost)
        return self.take(name, key, cost)

    def reset(self) -> None:
        self._made.clear()
        shared = self._shared_buckets()
        if shared is not None:
            shared.reset()


LIMITS = Limits()


def too_many(wait: float) -> InputError:
    """429 ``rate_limited`` saying how long to wait."""
    seconds = max(1, min(3600, math.ceil(wait))) if math.isfinite(wait) else 3600  # a rate of 0: an hour
    error = InputError("rate_limited", _("Too many requests; try again in %(seconds)s s.") % {"seconds": seconds},
                       status=429)
    error.retry_after = seconds  # type: ignore[attr-defined]
    return error


def own_origins(*origins: str | None) -> list[str]:
    """The help desk's own origins: ``ATIENDE_BASE_URL``'s and those given (the request's), normalised."""
    found = []
    for value in (config.base_url(), *origins):
        if not value:
            continue
        parts = urlsplit(value)
        try:
            found.append(normalise_origin(f"{parts.scheme}://{parts.netloc}"))
        except OriginError:
            continue
    return found


def check_origin(allowed: Iterable[str], origin: str | None, *, own: Iterable[str]) -> None:
    """403 ``origin_not_allowed`` unless the page's origin is allowed for the widget or is the desk's own.

    A request with no ``Origin`` header does not come from another site's page (browsers send it on every
    cross-site fetch and websocket): it is let through, as the chat services do."""
    if not origin:
        return
    if origin_allowed(origin, [*allowed, *own]):
        return
    raise InputError("origin_not_allowed", _("This site may not use this chat: add %(origin)s to the widget's "
                                             "allowed origins.") % {"origin": origin[:200]}, status=403)
