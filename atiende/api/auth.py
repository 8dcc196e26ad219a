"""API authentication: bearer tokens for integrations, the session (with CSRF) for the web UI."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer, SessionAuth

from atiende.api.errors import ApiError
from atiende.people.models import ApiToken


class BearerToken(HttpBearer):
    """An API token. A telephony token (kind ``cti``) is refused here: it sits in a PBX's configuration,
    URL and logs, so it sends call events and nothing else; it cannot, say, mint an API token (issue 22,
    item 14). Only the telephony's endpoints take it (:data:`telephony_auth`)."""

    telephony = False

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = ApiToken.authenticate(token)
        if found is None:
            return None
        if found.kind == ApiToken.Kind.CTI and not self.telephony:
            raise ApiError(403, "telephony_token", _("A telephony token only sends call events; use an API "
                                                     "token (atiende token create USERNAME) here."), "CH-TEL")
        request.user = found.user
        request.auth_token = found  # type: ignore[attr-defined]
        return found.user


class ActiveSession(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is not None and not user.is_active:
            return None
        return user


class TelephonyBearer(BearerToken):
    """A telephony token, or an administrator's API token (checked by the endpoint)."""

    telephony = True


# Every endpoint accepts either; the bearer goes first so scripts never need a CSRF token.
default_auth = [BearerToken(), ActiveSession()]
# The telephony's endpoints take telephony tokens: the native CTI events (bearer tokens only, never the
# web session), and a call's transcript (the telephony's or the technician's, so the session too).
telephony_auth = [TelephonyBearer()]
telephony_or_session_auth = [TelephonyBearer(), ActiveSession()]
