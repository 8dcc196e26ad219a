"""The endpoints' gate: a 403 naming who may, with the roles read by ``atiende.people.roles``."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest
from django.utils.translation import gettext as _

from atiende.api.errors import ApiError
from atiende.people.models import User
from atiende.people.roles import has_role, role_labels


def current_user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def require_role(request: HttpRequest, roles: Iterable[str]) -> User:
    """The signed-in user, or a 403 naming the roles that may do this (ET-4)."""
    user = current_user(request)
    allowed = tuple(roles)
    if has_role(user, allowed):
        return user
    raise ApiError(403, "forbidden", _("Only these roles may do this: %(roles)s.") % {"roles": role_labels(allowed)},
                   "ET-4")
