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

from atiende.people.roles import EVERYONE, STAFF, has_role, role_labels

View = Callable[..., HttpResponse]


def forbidden(request: HttpRequest, message: str, *, rule: str | None = "ET-4") -> HttpResponse:
    return render(request, "web/error.html", {"status": 403, "message": message, "rule": rule}, status=403)


def not_found(request: HttpRequest, message: str | None = None) -> HttpResponse:
    return render(
        request, "web/error.html",
        {"status": 404, "message": message or _("That page does not exist or you may not see it."), "rule": None},
        status=404,
    )


def role_required(roles: Iterable[str]) -> Callable[[View], View]:
    """Let a signed-in user of one of ``roles`` through; others get a 403 naming who may.

    Roles are read by ``atiende.people.roles``: a superuser passes wherever an
    administrator does, and only there (not the console, not the customers' portal)."""
    allowed = frozenset(roles)

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(user, allowed):
                return forbidden(request, _("Only these roles may open this page: %(roles)s.")
                                 % {"roles": role_labels(allowed)})
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


staff_required = role_required(STAFF)
signed_in_required = role_required(EVERYONE)
