"""The admin site as a whole: only administrators may open it (ET-4).

The model admins live with their apps (``atiende/desk/admin.py``,
``atiende/people/admin.py``); this module only decides who gets in, because
the admin shows every customer and work order regardless of team.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from atiende.people.roles import is_admin

admin.site.site_title = _("Atiende administration")
admin.site.index_title = _("Administration")


def _administrators_only(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_staff and is_admin(user))


admin.site.has_permission = _administrators_only  # type: ignore[method-assign]
