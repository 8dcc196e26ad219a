"""Who and where, for both CTI protocols: the technician a PBX names, the queue it names (else the first
one), whether a call id is new, and whether a caller is blocked.

The native protocol (:mod:`atiende.telephony.native`) and the generic one
(:mod:`atiende.telephony.generic`) ask these and nothing else, so a PBX that
names a technician, a queue or a caller is understood the same way on both.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Concat, Lower
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext as _

from atiende import config_cache
from atiende.contact.models import Contact, Queue, TechnicianState
from atiende.desk.rows import placeholders, shape, table
from atiende.errors import InputError
from atiende.people.models import User
from atiende.people.roles import STAFF, Role, role_filter
from atiende.telephony.models import BlockedCaller
from atiende.telephony.numbers import compact, normalise_number, normalise_pattern

# ---- technicians ---------------------------------------------------------------------


def _staff() -> QuerySet[User]:
    return User.objects.filter(role_filter(STAFF), is_active=True)


def find_technician(ref: str) -> User | None:
    """A technician by extension, username, email or full name, in that order; only an unambiguous match."""
    ref = ref.strip()
    if not ref:
        return None
    found = _by_extension(ref)  # how a PBX names them on every answer: hand-written (issue 25)
    if len(found) == 1:
        return found[0]
    lowered = ref.lower()
    lookups: list[Callable[[QuerySet[User]], QuerySet[User]]] = [
        lambda qs: qs.filter(username__iexact=ref),
        lambda qs: qs.filter(email__iexact=ref),
        lambda qs: qs.annotate(full=Lower(Concat("first_name", Value(" "), "last_name"))).filter(full=lowered),
    ]
    dialled = compact(ref)
    if dialled != ref:
        lookups.insert(0, lambda qs: qs.filter(extension=dialled))
    for lookup in lookups:
        found = list(lookup(_staff())[:2])
        if len(found) == 1:
            return found[0]
    return None


def _by_extension(ref: str) -> list[User]:
    """Up to two active staff members (:func:`_staff`: role_filter(STAFF)) with this extension, in one
    hand-written statement built once per database; the ORM compiled it on every PBX answer.

    Each comes with their console state as the same statement read it (``phone_state``: status and pause
    reason, ``(None, None)`` with no state row): a PBX's answer needs it next (``calls.answer``'s state to
    return to), and reading it here saves that event a statement (issue 25)."""
    users = shape(User, "u")
    sql = _EXTENSION_SQL.get(connection.vendor)
    if sql is None:
        roles = placeholders(STAFF)
        quote = connection.ops.quote_name
        sql = (f"SELECT {users.columns}, s.{quote('status')}, s.{quote('pause_reason')} FROM {table(User)} u "
               f"LEFT JOIN {table(TechnicianState)} s ON s.{quote('user_id')} = u.{quote('id')} "
               f"WHERE u.extension = %s AND u.is_active = %s "
               f"AND ((u.role IN ({roles}) AND u.is_superuser = %s)"
               + (" OR u.is_superuser = %s)" if Role.ADMINISTRATOR in STAFF else ")") + " LIMIT 2")
        _EXTENSION_SQL[connection.vendor] = sql
    params: list[Any] = [ref, True, *(str(role) for role in STAFF), False]
    if Role.ADMINISTRATOR in STAFF:
        params.append(True)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found: list[User] = []
    for row in rows:
        user = users.build(row, 0)
        if user is not None:
            user.phone_state = (row[-2], row[-1])  # type: ignore[attr-defined]
            found.append(user)  # type: ignore[arg-type]
    return found


_EXTENSION_SQL: dict[str, str] = {}


def technician_named(ref: str | None, *, field: str, rule: str | None = None) -> User:
    """:func:`find_technician`, required: a missing name is a 400, one that matches nobody a 404."""
    if not ref:
        raise InputError("technician_required", _("Name the technician (extension or username)."), field=field,
                         rule=rule)
    found = find_technician(ref)
    if found is None:
        raise InputError(
            "unknown_technician",
            _("No technician has the extension, username, email or name %(ref)s.") % {"ref": ref},
            status=404, field=field, rule=rule)
    return found


# ---- queues --------------------------------------------------------------------------


def first_queue() -> Queue:
    """The queue a call goes to when the PBX names none: the first one created that is not a walk-in desk's
    (CH-PRE: its visitors are called from the desk, and a call parked there would wait for nobody)."""
    queue = Queue.objects.filter(walkin_service__isnull=True).order_by("pk").first()
    if queue is None:
        raise InputError("no_queue", _("Create a queue first."), status=409, rule="CH-TEL")
    return queue


def queue_for(name: str | None, *, unknown_is_first: bool = False, version: int | None = None) -> Queue:
    """The queue the PBX names, else :func:`first_queue`.

    The native protocol names queues by their name, and an unknown name is a
    404. The generic protocol's queue names are free text set in the PBX:
    there a name or label matches case-insensitively, and an unknown one falls
    back to the first queue (``unknown_is_first``).

    A queue named exactly is kept by the process under the settings' version (:mod:`atiende.config_cache`;
    ``version`` if the caller read it already): saving or deleting a queue writes a new version, so the next
    call anywhere reads it again. Each caller gets its own copy of the row.
    """
    if not name:
        return first_queue()
    if not unknown_is_first:
        kept = config_cache.cached(("telephony.queue", name), lambda: Queue.objects.filter(name=name).first(),
                                   at=version)
        queue = copy.copy(kept) if kept is not None else None
        if queue is None:
            raise InputError("unknown_queue", _("There is no queue named %(name)s.") % {"name": name},
                             status=404, field="queue", rule="CH-TEL")
        return queue
    found = Queue.objects.filter(Q(name__iexact=name) | Q(label__iexact=name)).order_by("pk").first()
    return found or first_queue()


# ---- calls ---------------------------------------------------------------------------


def require_new_call(external_id: str, *, field: str) -> int:
    """A call id is reported once, through one protocol: a second ``new_call``/``newCall`` is a 409.

    Returns the settings' version, read in the same statement (:func:`atiende.config_cache.version_and`), for
    the queue and the block list that come next."""
    version, found = config_cache.version_and(f"SELECT 1 FROM {table(Contact)} WHERE external_id = %s", [external_id])
    if found is not None:
        raise InputError("duplicate_call", _("A call with this id already exists."), status=409, field=field,
                         rule="CH-TEL")
    return version


# ---- the caller-block list -------------------------------------------------------------


def clean_pattern(pattern: str) -> str:
    """A block-list pattern as stored: a number, a prefix ending in ``*``, or ``anonymous``; else a 400."""
    text = normalise_pattern(pattern, settings.ATIENDE_DEFAULT_REGION)
    body = text[:-1] if text.endswith("*") else text
    if text == "anonymous" or re.fullmatch(r"\+?[0-9]{2,30}", body or "x"):
        return text
    raise InputError("invalid_pattern", _("A blocked number is digits (optionally +), a prefix ending in *, "
                                          "or anonymous: %(pattern)s is none of them.") % {"pattern": pattern},
                     field="pattern")


def _matches(pattern: str, number: str) -> bool:
    if pattern.endswith("*"):
        return number.startswith(pattern[:-1])
    return number == pattern


def blocked_by(number: str, *, version: int | None = None) -> BlockedCaller | None:
    """The active block that matches this caller, if any (the longest pattern wins). THE block check.

    The caller and each pattern compare as :mod:`atiende.telephony.numbers` keys them with the desk's
    region (``ATIENDE_DEFAULT_REGION``), at the time of the call: «34600111222», «600 111 222» and
    «+34600111222» are one caller in Spain, and a pattern stored before the region changed still works.
    The active blocks are kept by the process under the settings' version (``version`` if the caller read it
    already): blocking or unblocking writes a new version, so the next call anywhere is checked against it.
    """
    region = settings.ATIENDE_DEFAULT_REGION
    caller = normalise_number(number, region) or "anonymous"
    blocks = config_cache.cached("telephony.blocked_callers", lambda: list(BlockedCaller.objects.filter(active=True)),
                                 at=version)
    found = [b for b in blocks if _matches(normalise_pattern(b.pattern, region), caller)]
    return copy.copy(max(found, key=lambda b: len(b.pattern))) if found else None


@receiver([post_save, post_delete], sender=Queue, dispatch_uid="telephony-queue-changed")
@receiver([post_save, post_delete], sender=BlockedCaller, dispatch_uid="telephony-block-changed")
def _settings_changed(sender: type, **kwargs: Any) -> None:
    """A queue or a block saved or deleted: a new settings version in the same transaction, so every process
    reads the queues and the block list again at its next call (connected at start-up, apps.py)."""
    config_cache.changed()


def rejection(block: BlockedCaller) -> dict[str, Any]:
    """Atiende's decision for a blocked caller, as both protocols report it."""
    return {"action": "reject", "blocked": block.pattern, "reason": block.reason, "technician": None,
            "contact": None, "state": None}
