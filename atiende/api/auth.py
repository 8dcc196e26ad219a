"""API authentication: bearer tokens for integrations, the session (with CSRF) for the web UI."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from atiende.people.models import ApiToken


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = ApiToken.authenticate(token)
        if found is None:
            return None
        request.user = found.user
        request.auth_token = found  # type: ignore[attr-defined]
        return found.user


class ActiveSession(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is not None and not user.is_active:
            return None
        return user


# Every endpoint accepts either; the bearer goes first so scripts never need a CSRF token.
default_auth = [BearerToken(), ActiveSession()]
