"""Role checks shared by every endpoint: one place decides who may do what."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest
from django.utils.translation import gettext as _

from atiende.api.errors import ApiError
from atiende.people.models import Role, User


def current_user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def require_role(request: HttpRequest, roles: Iterable[str]) -> User:
    """The signed-in user, or a 403 naming the roles that may do this (ET-4)."""
    user = current_user(request)
    allowed = set(roles)
    if user.is_superuser or user.role in allowed:
        return user
    labels = ", ".join(str(Role(r).label) for r in Role.values if r in allowed)
    raise ApiError(403, "forbidden", _("Only these roles may do this: %(roles)s.") % {"roles": labels}, "ET-4")


STAFF = (Role.TECHNICIAN, Role.SUPERVISOR, Role.ADMINISTRATOR)
MANAGERS = (Role.SUPERVISOR, Role.ADMINISTRATOR)
ADMINS = (Role.ADMINISTRATOR,)
