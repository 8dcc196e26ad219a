"""Who may open which page: one place for the web UI's role checks (ET-4).

Visibility of individual records (a customer sees only their own work orders)
is decided by the desk selectors; this module only gates whole pages by role.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from atiende.people.models import Role

EVERYONE: tuple[str, ...] = tuple(Role.values)
STAFF: tuple[str, ...] = tuple(role for role in EVERYONE if role != Role.CUSTOMER)

View = Callable[..., HttpResponse]


def forbidden(request: HttpRequest, message: str, *, rule: str | None = "ET-4") -> HttpResponse:
    return render(request, "web/error.html", {"status": 403, "message": message, "rule": rule}, status=403)


def not_found(request: HttpRequest, message: str | None = None) -> HttpResponse:
    return render(
        request, "web/error.html",
        {"status": 404, "message": message or _("That page does not exist or you may not see it."), "rule": None},
        status=404,
    )


def role_required(roles: Iterable[str], *, superuser: bool = True) -> Callable[[View], View]:
    """Let a signed-in user of one of ``roles`` through; others get a 403 naming who may.

    Superusers pass too, unless ``superuser=False`` (pages that only make sense for
    one role, such as the customers' own request form)."""
    allowed = frozenset(roles)

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not ((superuser and user.is_superuser) or user.role in allowed):  # type: ignore[union-attr]
                labels = ", ".join(str(Role(r).label) for r in Role.values if r in allowed)
                return forbidden(request, _("Only these roles may open this page: %(roles)s.") % {"roles": labels})
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


staff_required = role_required(STAFF)
signed_in_required = role_required(EVERYONE)
