"""Is this installation fit to serve? The checks behind ``/readyz`` and ``atiende check``.

Each check answers ``ok`` (True, False, or None when it does not apply) with a
few figures, never a URL, a password or a key: the report is served without
authentication to the proxy and the orchestrator. The limits come from the
environment, read at each check:

- ``ATIENDE_READY_WORKER_SECONDS`` (default 60): the newest worker heartbeat
  must be younger than this. Without a worker no timer fires.
- ``ATIENDE_READY_MAX_BACKLOG`` (default 1000): due rows allowed in each queue
  (timers, webhooks, outgoing mail, scoring).
- ``ATIENDE_READY_MAX_LAG_SECONDS`` (default 120): how long the oldest due
  timer may have waited (the worker's lag).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils import timezone

from atiende import env
from atiende.operations import backlog, heartbeat


@dataclass
class Readiness:
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def failing(self) -> list[str]:
        return [name for name, check in self.checks.items() if check["ok"] is False]

    @property
    def ready(self) -> bool:
        return not self.failing

    def as_json(self) -> dict[str, Any]:
        return {"status": "ready" if self.ready else "not_ready", "failing": self.failing, "checks": self.checks}


def _limits() -> dict[str, float]:
    return {"worker_seconds": env.number("ATIENDE_READY_WORKER_SECONDS", 60.0),
            "max_backlog": env.number("ATIENDE_READY_MAX_BACKLOG", 1000, whole=True),
            "max_lag_seconds": env.number("ATIENDE_READY_MAX_LAG_SECONDS", 120.0)}


def check_database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure to reach it is the answer, told by its kind only
        return {"ok": False, "vendor": connection.vendor, "error": exc.__class__.__name__}
    return {"ok": True, "vendor": connection.vendor}


def check_redis() -> dict[str, Any]:
    url = os.environ.get("REDIS_URL", "").strip()
    if not url:
        return {"ok": None, "configured": False}
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as exc:
        return {"ok": False, "configured": True, "error": exc.__class__.__name__}
    return {"ok": True, "configured": True}


def check_worker(limit: float) -> dict[str, Any]:
    beat = heartbeat.newest()
    if beat is None:
        return {"ok": False, "last_beat_seconds": None, "limit_seconds": limit}
    age = (timezone.now() - beat.beat_at).total_seconds()
    return {"ok": age <= limit, "last_beat_seconds": round(age, 1), "limit_seconds": limit}


def readiness() -> Readiness:
    """Every check; the ones that read the database are skipped (None) when it cannot be reached."""
    limits = _limits()
    report = Readiness()
    report.checks["database"] = check_database()
    report.checks["redis"] = check_redis()
    if not report.checks["database"]["ok"]:
        for name in ("worker", "backlog"):
            report.checks[name] = {"ok": None, "skipped": "database"}
        return report
    report.checks["worker"] = check_worker(limits["worker_seconds"])
    queues = backlog.backlogs()
    lag = queues["timers"].oldest_seconds
    too_many = [name for name, due in queues.items() if due.count > limits["max_backlog"]]
    report.checks["backlog"] = {
        "ok": not too_many and lag <= limits["max_lag_seconds"],
        "due": {name: due.count for name, due in queues.items()},
        "timer_lag_seconds": round(lag, 1),
        "max_backlog": int(limits["max_backlog"]), "max_lag_seconds": limits["max_lag_seconds"],
    }
    return report
