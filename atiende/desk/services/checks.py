"""What every desk action checks first: who acts, what they may see, and clean input.

Refusals are :class:`atiende.errors.InputError` with a translated message and the
rule they protect: 403 ``forbidden`` (ET-4) for someone who may not act, 404 for a
work order they may not see (never revealing that it exists), 409 for a closed one
(SP-1), 400 for input that is not what the field takes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.desk.models import Phase, WorkOrder
from atiende.desk.selectors import visible_work_orders
from atiende.errors import InputError
from atiende.people.models import User
from atiende.people.roles import is_staff

TEXT_LIMIT = 20_000  # long free text (stories, resolutions, notes)


def forbidden(message: str) -> InputError:
    return InputError("forbidden", message, rule="ET-4", status=403)


def require_staff(actor: User) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise forbidden(_("Sign in as a member of the help desk to do this."))
    if not is_staff(actor):
        raise forbidden(_("Only the help desk staff may do this."))


def require_visible_work_order(actor: User, work_order: WorkOrder, *, lock: bool = False) -> WorkOrder:
    """The fresh row, or 404 if the actor may not see it (ET-4: never reveal existence).

    ``lock`` takes the row lock (PostgreSQL) for the rest of the transaction. Closing
    checks the questions and commitments, and adding one checks the phase: both lock the
    work order first, so a commitment can never slip in beside a concurrent close (PT-2).
    SQLite needs no lock: its transactions already run one at a time.
    """
    qs = visible_work_orders(actor).filter(pk=work_order.pk)
    if lock:
        qs = qs.select_for_update(of=("self",))
    found = qs.first()
    if found is None:
        raise InputError("not_found", _("No such work order."), status=404)
    return found


def require_open(work_order: WorkOrder) -> None:
    if work_order.phase == Phase.CLOSURE:
        raise InputError(
            "work_order_closed",
            _("Work order #%(number)s is closed; reopen it to change it.") % {"number": work_order.number},
            rule="SP-1", status=409,
        )


def clean_text(value: Any, field: str, max_length: int, *, required: bool = False, label: str = "") -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InputError("invalid_input", _("%(field)s must be text.") % {"field": label or field}, field=field)
    value = value.strip()
    if "\x00" in value:
        raise InputError("invalid_input", _("%(field)s contains a null character.") % {"field": label or field},
                         field=field)
    if required and not value:
        raise InputError("required", _("%(field)s cannot be empty.") % {"field": label or field}, field=field)
    if len(value) > max_length:
        raise InputError(
            "too_long",
            _("%(field)s is too long (%(length)s characters; at most %(max)s).")
            % {"field": label or field, "length": len(value), "max": max_length},
            field=field,
        )
    return value


def clean_choice(value: Any, field: str, choices: type[models.TextChoices], *, blank: bool = False) -> str:
    if value is None:
        value = ""
    value = str(value).strip() if isinstance(value, str) else value
    if blank and value == "":
        return ""
    if value not in choices.values:
        allowed = ", ".join(v for v in choices.values if v)
        raise InputError(
            "invalid_choice",
            _("%(value)r is not a valid %(field)s; use one of: %(allowed)s.")
            % {"value": value, "field": field, "allowed": allowed},
            field=field,
        )
    return str(value)


def clean_version(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError("invalid_version", _("version must be a positive whole number."), field="version")
    return value


def clean_moment(value: Any, field: str) -> datetime:
    if not isinstance(value, datetime):
        raise InputError("invalid_datetime", _("%(field)s must be a date and time.") % {"field": field},
                         field=field)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if not (2000 <= value.year <= 2200):
        raise InputError("invalid_datetime", _("%(field)s is out of range.") % {"field": field}, field=field)
    return value


MAX_ID = 2**62  # ids beyond this cannot exist; checked before any query so PostgreSQL never overflows


def is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < MAX_ID


def resolve_staff(value: Any, field: str) -> User | None:
    if value is None or value == "":
        return None
    pk = value.pk if isinstance(value, User) else value
    if isinstance(pk, bool) or not isinstance(pk, int):
        raise InputError("invalid_input", _("%(field)s must be a user id.") % {"field": field}, field=field)
    user = User.objects.filter(pk=pk, is_active=True).first() if is_id(pk) else None
    if user is None or not is_staff(user):
        raise InputError("unknown_user", _("No active staff member with id %(id)s.") % {"id": pk},
                         field=field, status=404)
    return user

