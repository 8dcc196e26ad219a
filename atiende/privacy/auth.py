"""Sign-in throttling: after repeated failures a user name (or an address) is locked for a while.

``ThrottledModelBackend`` replaces Django's ``ModelBackend``. Failures are counted
per user name (lower-cased, whether or not the user exists, so the answer never
tells which names exist; stored only as a keyed digest, since the name typed may be a
password) and per network address. When either reaches its limit
within the window, sign-in is refused, even with the right password, until the
lock ends. The refusal is a ``ValidationError`` with a clear message: any Django
``AuthenticationForm`` (the web sign-in, the admin) shows it as the form's error.

Settings (environment variables of the same name): ``ATIENDE_LOGIN_MAX_FAILURES``
(5 per user name), ``ATIENDE_LOGIN_MAX_FAILURES_PER_ADDRESS`` (20),
``ATIENDE_LOGIN_WINDOW_MINUTES`` (15), ``ATIENDE_LOGIN_LOCK_MINUTES`` (15).
The address is ``REMOTE_ADDR``; behind a proxy, have the proxy set it.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from atiende.privacy import audit
from atiende.privacy.models import LoginThrottle

DEFAULTS = {
    "ATIENDE_LOGIN_MAX_FAILURES": 5,
    "ATIENDE_LOGIN_MAX_FAILURES_PER_ADDRESS": 20,
    "ATIENDE_LOGIN_WINDOW_MINUTES": 15,
    "ATIENDE_LOGIN_LOCK_MINUTES": 15,
}


def _limit(name: str) -> int:
    value = getattr(settings, name, None)
    if value is None:
        try:
            value = int(os.environ.get(name, DEFAULTS[name]))
        except ValueError:
            value = DEFAULTS[name]
    return max(1, int(value))


class LoginLocked(ValidationError):
    """Sign-in refused because of too many recent failures."""

    def __init__(self, until: datetime) -> None:
        minutes = max(1, int((until - timezone.now()).total_seconds() // 60) + 1)
        super().__init__(
            _("Too many failed sign-in attempts. Try again in %(minutes)d minutes "
              "or ask an administrator.") % {"minutes": minutes},
            code="locked",
        )
        self.until = until


def username_key(username: str) -> str:
    """What the throttle table keeps of a typed user name: a keyed digest, never the text.

    People type their password into the user-name box; the table must not keep it (issue 22, item 6).
    The digest is keyed with SECRET_KEY (Django's ``salted_hmac``), so a leaked table cannot be tested
    against a list of guesses either. Case and surrounding spaces do not count, as before."""
    return "hmac-sha256:" + salted_hmac("atiende.privacy.login-throttle", username.strip().lower(),
                                        algorithm="sha256").hexdigest()


def _keys(request: HttpRequest | None, username: str | None) -> list[tuple[str, str]]:
    keys: list[tuple[str, str]] = []
    if username:
        keys.append((LoginThrottle.Kind.USERNAME, username_key(username)))
    address = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    if address:
        keys.append((LoginThrottle.Kind.ADDRESS, address[:200]))
    return keys


def locked_until(request: HttpRequest | None, username: str | None, now: datetime | None = None) -> datetime | None:
    now = now or timezone.now()
    found: datetime | None = None
    for kind, key in _keys(request, username):
        row = LoginThrottle.objects.filter(kind=kind, key=key, locked_until__gt=now).first()
        # locked_until__gt already excludes NULL; the check narrows the type.
        if row is not None and row.locked_until is not None and (found is None or row.locked_until > found):
            found = row.locked_until
    return found


def record_failure(request: HttpRequest | None, username: str | None, now: datetime | None = None) -> None:
    now = now or timezone.now()
    window = timedelta(minutes=_limit("ATIENDE_LOGIN_WINDOW_MINUTES"))
    lock = timedelta(minutes=_limit("ATIENDE_LOGIN_LOCK_MINUTES"))
    with transaction.atomic():
        for kind, key in _keys(request, username):
            limit = _limit("ATIENDE_LOGIN_MAX_FAILURES" if kind == LoginThrottle.Kind.USERNAME
                           else "ATIENDE_LOGIN_MAX_FAILURES_PER_ADDRESS")
            LoginThrottle.objects.get_or_create(kind=kind, key=key)
            row = LoginThrottle.objects.select_for_update().get(kind=kind, key=key)
            if row.first_failure_at is None or now - row.first_failure_at > window:
                row.failures, row.first_failure_at = 0, now
            row.failures += 1
            row.last_failure_at = now
            if row.failures >= limit:
                row.locked_until = now + lock
                row.failures, row.first_failure_at = 0, None
                audit.record("auth.locked", object_type=f"login.{kind}", object_id=key if kind ==
                             LoginThrottle.Kind.ADDRESS else "",
                             details={"kind": kind, "until": row.locked_until.isoformat(), "failures": limit})
            row.save()


def clear_failures(username: str | None) -> None:
    if username:
        LoginThrottle.objects.filter(kind=LoginThrottle.Kind.USERNAME, key=username_key(username)).delete()


class ThrottledModelBackend(ModelBackend):
    def authenticate(self, request: HttpRequest | None, username: str | None = None,
                     password: str | None = None, **kwargs: Any) -> Any:
        if username is None:
            from django.contrib.auth import get_user_model

            username = kwargs.get(get_user_model().USERNAME_FIELD)
        until = locked_until(request, username)
        if until is not None:
            raise LoginLocked(until)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            if password is not None:
                record_failure(request, username)
        else:
            clear_failures(username)
        return user
