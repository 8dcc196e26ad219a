"""Transactions and locks of the contact services: savepoints, the locked contact, a call locked by its PBX id."""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Callable, Iterator
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from atiende.contact.models import (
    Contact,
)
from atiende.errors import InputError

# Inside a caller's transaction that rolls back as a whole on any refusal (the CTI
# endpoint), the services' savepoints are two round trips per action for nothing.
_savepoints: contextvars.ContextVar[bool] = contextvars.ContextVar("atiende_contact_savepoints", default=True)


@contextlib.contextmanager
def without_savepoints() -> Iterator[None]:
    """Run services with no savepoints: an error then spoils the caller's whole transaction, by design."""
    token = _savepoints.set(False)
    try:
        yield
    finally:
        _savepoints.reset(token)


def tx() -> transaction.Atomic:
    return transaction.atomic(savepoint=_savepoints.get())


def atomic[F: Callable[..., Any]](func: F) -> F:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with tx():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


# A call the caller's transaction already locked (by the PBX's id): the next action on it reuses the lock.
_locked: contextvars.ContextVar[Contact | None] = contextvars.ContextVar("atiende_contact_locked", default=None)


def _locking() -> Any:
    # The customer (for an organisation's policy) is read only when the call has one.
    return Contact.objects.select_for_update(of=("self",)).select_related("queue")


def lock_contact(contact_id: int) -> Contact:
    row = _locked.get()
    if row is not None and row.pk == contact_id:
        return row
    row = _locking().filter(pk=contact_id).first()
    if row is None:
        raise InputError("unknown_contact", _("There is no contact %(id)s.") % {"id": contact_id}, status=404)
    return row


@contextlib.contextmanager
def call_locked(external_id: str) -> Iterator[Contact]:
    """Lock the call the telephony knows as ``external_id``, in one query, for the caller's transaction.

    Actions on that contact inside the block reuse the lock instead of looking
    the call up again. Use inside ``transaction.atomic()``.
    """
    row = _locking().filter(external_id=external_id).first()
    if row is None:
        raise InputError("unknown_call", _("No call has the id %(id)s.") % {"id": external_id}, status=404,
                         field="call_id")
    token = _locked.set(row)
    try:
        yield row
    finally:
        _locked.reset(token)
