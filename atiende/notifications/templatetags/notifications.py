"""``{% bell %}``: the notifications bell of the top bar, with the unread count (staff only)."""

from __future__ import annotations

from typing import Any

from django import template

from atiende.notifications.selectors import unread_count
from atiende.people.roles import is_staff

register = template.Library()


@register.inclusion_tag("notifications/_bell.html", takes_context=True)
def bell(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not is_staff(user):
        return {"show": False, "unread": 0}
    return {"show": True, "unread": unread_count(user)}
