"""Notifying the help desk staff: one action, :func:`notify`, and the person's own switches.

A notification is written for each recipient who wants it in the app or by email
(``selectors.wants``), in the recipient's language, and only for active staff: customers
hear through their conversation, never through these. A notification, and its email copy
(:data:`atiende.notifications.signals.notification_stored`), are written inside the
transaction of the change they tell of (:func:`with_change`), so they commit with it: a
process killed right after the commit loses none (issue 16). Only what is derived from the
stored rows waits for the commit: the live update of each recipient's bell
(``live.push``) and :data:`atiende.notifications.signals.notification_created`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.db import DatabaseError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from atiende.errors import InputError
from atiende.notifications import live
from atiende.notifications.models import Delivery, Kind, Notification, Preference
from atiende.notifications.selectors import preferences
from atiende.notifications.signals import notification_created, notification_stored
from atiende.people.models import User
from atiende.people.roles import is_staff

TEXT_LIMIT = 500

log = logging.getLogger(__name__)


def with_change(action: Callable[[], Any]) -> None:
    """Tell of a change from inside its own transaction (call it where the change is written, never after it).

    The notifications commit or roll back with the change: nothing told of a change that was rolled back,
    nothing lost when the process dies between the commit and its on-commit hooks. A notification must not
    undo its change, so a failure of its own (a text that cannot be built, a row that cannot be written: those
    are in a savepoint, see :func:`notify`) is logged and the change goes on. A failure of the database while
    reading who to tell is raised: the change's transaction cannot go on after it (PostgreSQL refuses any
    further statement), and failing the change whole is what keeps it and its notifications together.
    """
    try:
        action()
    except DatabaseError:
        raise
    except Exception:
        log.exception("notification failed")


def _choice(value: Any, field: str, allowed: list[str]) -> str:
    if value not in allowed:
        raise InputError("invalid_choice", _("%(value)r is not a valid %(field)s; use one of: %(allowed)s.")
                         % {"value": value, "field": field, "allowed": ", ".join(allowed)}, field=field)
    return str(value)


def notify(*, recipients: Iterable[User], kind: str, text: str | Callable[[], str], work_order: Any = None,
           url: str | Callable[[], str] = "", exclude: User | None = None,
           now: datetime | None = None) -> list[Notification]:
    """Tell each recipient (active staff, once each, never ``exclude``: whoever caused it).

    ``text`` may be a function: it is called in each recipient's language. ``url`` may be one too: it is called
    once, when a first notification is written (resolving a URL imports the whole URLconf, the API's schemas
    with it: about a second of CPU for the first one in a process, wasted when nobody is told).
    """
    kind = _choice(kind, "kind", Kind.values)
    now = now or timezone.now()
    created: list[Notification] = []
    seen: set[int] = set()
    link: str | None = None
    for user in recipients:
        if (user is None or user.pk in seen or (exclude is not None and user.pk == exclude.pk)
                or not is_staff(user)):
            continue
        seen.add(user.pk)
        wanted = preferences(user)
        in_app, email = wanted[(kind, Delivery.IN_APP)], wanted[(kind, Delivery.EMAIL)]
        if not (in_app or email):
            continue
        with translation.override(user.language or "es"):
            shown = text() if callable(text) else text
        if link is None:
            link = url() if callable(url) else url
        try:
            # The notification and its email copy's outbox row: both or neither, in a savepoint of the change's
            # transaction (or a transaction of their own outside one), so a failed write leaves the change whole.
            with transaction.atomic():
                notification = Notification.objects.create(
                    recipient=user, kind=kind, work_order=work_order, text=str(shown)[:TEXT_LIMIT], url=link[:500],
                    in_app=in_app, created_at=now)
                notification_stored.send_robust(sender=Notification, notification=notification)
        except DatabaseError:
            log.exception("the %s notification to user %s could not be stored", kind, user.pk)
            continue
        created.append(notification)
    if created:
        transaction.on_commit(lambda: _announce(created))
    return created


def _announce(created: list[Notification]) -> None:
    for notification in created:
        if notification.in_app:
            live.push(notification)
        notification_created.send_robust(sender=Notification, notification=notification)


def set_preference(*, user: User, kind: str, delivery: str, enabled: bool) -> None:
    """Switch one kind of notification on or off for one delivery (in the app, by email)."""
    kind = _choice(kind, "kind", Kind.values)
    delivery = _choice(delivery, "delivery", Delivery.values)
    if not isinstance(enabled, bool):
        raise InputError("invalid_input", _("«enabled» must be true or false."), field="enabled")
    Preference.objects.update_or_create(user=user, kind=kind, delivery=delivery, defaults={"enabled": enabled})


def mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the person's own notifications read (all of them without ``ids``); returns how many changed."""
    found = Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True)
    if ids is not None:
        found = found.filter(pk__in=[i for i in ids if isinstance(i, int) and 0 < i < 2**62])
    changed = found.update(read_at=timezone.now())
    if changed:
        transaction.on_commit(lambda: live.push_count(user.pk))
    return changed
