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

A setting is ``BURST/PER_MINUTE`` (``ATIENDE_CHAT_STARTS=10/2``). With several server processes an
address may get up to that many times the limit (each process counts its own); a chat session's
messages go through its one socket, so that limit is exact.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterable
from urllib.parse import urlsplit

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


class Limits:
    """The process's buckets (made on first use, so a test or a bench may set the environment first)."""

    def __init__(self) -> None:
        self._made: dict[str, Limiter] = {}

    def take(self, name: str, key: str, cost: float = 1.0) -> float:
        """0.0 when allowed, else the seconds to wait; ``name`` is a setting of :data:`DEFAULTS` or ``typing``."""
        limiter = self._made.get(name)
        if limiter is None:
            limiter = self._made[name] = (Limiter(burst=5, per_second=1.0) if name == "typing" else _limiter(name))
        return limiter.take(key, time.monotonic(), cost)

    def reset(self) -> None:
        self._made.clear()


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
