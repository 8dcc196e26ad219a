"""Deadlines: claimed with a lease and fired by workers, and moved when a policy changes."""

from __future__ import annotations

import functools
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.db import connection

from atiende import engine
from atiende.contact.clock import now
from atiende.contact.models import (
    ContactState,
    Deadline,
)
from atiende.contact.selectors import policy_for
from atiende.contact.services.apply import Outcome, engine_contact, load, organisation_id_of, run
from atiende.contact.services.locking import lock_contact, without_savepoints
from atiende.contact.services.routing import dispatch
from atiende.db import sent_together, single_writer, write
from atiende.engine.timers import DeadlineKind, deadlines_for

LEASE_SECONDS = 30


def _sql(template: str) -> str:
    """``template`` with the deadline table's and columns' quoted names, and the row lock where there is one;
    made once per text and database (the worker runs these for every deadline)."""
    return _sql_on(template, connection.vendor)


@functools.lru_cache(maxsize=16)
def _sql_on(template: str, vendor: str) -> str:
    """:func:`_sql`'s text for the current connection, whose ``vendor`` keys the cache."""
    quote = connection.ops.quote_name
    names = {f.name: quote(f.column) for f in Deadline._meta.concrete_fields}
    return template.format(table=quote(Deadline._meta.db_table), lock=(
        " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""), **names)


# One statement claims every due deadline (up to the limit) and says which call each belongs to: an idle look
# is this statement alone, and the deadlines fired after it need no read of their own to find their call.
# PostgreSQL skips the rows another worker is claiming (SKIP LOCKED); on SQLite the statement holds the write
# lock while it runs. RETURNING gives the rows in no order: they are sorted as they were chosen.
_CLAIM = ("UPDATE {table} SET {claimed_by} = %s, {lease_until} = %s WHERE {id} IN ("
          "SELECT {id} FROM {table} WHERE {fired_at} IS NULL AND {due_at} <= %s "
          "AND ({lease_until} IS NULL OR {lease_until} < %s) ORDER BY {due_at}, {id} LIMIT %s{lock}) "
          "RETURNING {id}, {contact}, {due_at}")
# Under the call's lock: marked fired first (the store drops only unfired ones), once; nothing back if it was
# fired or dropped meanwhile (the call moved on).
_MARK_FIRED = "UPDATE {table} SET {fired_at} = %s WHERE {id} = %s AND {fired_at} IS NULL RETURNING {kind}, {key}"
_PUT_OFF = ("UPDATE {table} SET {fired_at} = NULL, {due_at} = %s, {claimed_by} = '', {lease_until} = NULL "
            "WHERE {id} = %s")


def _claim(*, worker: str, limit: int, moment: datetime) -> list[tuple[int, int]]:
    """Lease due deadlines to this worker: (deadline, call) pairs, oldest due first."""
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(_sql(_CLAIM), [worker, adapt(moment + timedelta(seconds=LEASE_SECONDS)), adapt(moment),
                                      adapt(moment), limit])
        rows = cursor.fetchall()
    rows.sort(key=lambda r: (r[2], r[0]))
    return [(deadline_id, contact_id) for deadline_id, contact_id, _due in rows]


@single_writer
def claim_due_deadlines(*, worker: str, limit: int = 100, at: datetime | None = None) -> list[int]:
    """Lease due deadlines to this worker. A crashed worker's lease runs out and another takes over."""
    return [deadline_id for deadline_id, _contact in _claim(worker=worker, limit=limit, moment=at or now())]


@single_writer
def fire_deadline(*, deadline_id: int, at: datetime | None = None) -> Outcome | None:
    """Fire one claimed deadline: the engine decides whether it still applies (late is fine)."""
    contact_id = Deadline.objects.filter(pk=deadline_id, fired_at__isnull=True).values_list(
        "contact_id", flat=True).first()
    if contact_id is None:
        return None
    fired = _fire(deadline_id, contact_id, at or now())
    if fired is not None and fired[1]:
        dispatch()  # a technician became free, or one more tier opened (PO-2 overflow)
    return fired[0] if fired is not None else None


def _fire(deadline_id: int, contact_id: int, moment: datetime) -> tuple[Outcome, bool] | None:
    """Fire the deadline of this call, in one transaction holding the call's lock: its outcome, and whether
    routing should run after it. None when it no longer applies or is not due yet (then stored again)."""
    with sent_together(), without_savepoints():  # the store's writes go with the COMMIT, one round trip
        row = lock_contact(contact_id)
        with connection.cursor() as cursor:
            cursor.execute(_sql(_MARK_FIRED), [connection.ops.adapt_datetimefield_value(moment), deadline_id])
            found = cursor.fetchone()
        if found is None:  # fired already, or the contact moved on meanwhile and the deadline was dropped
            return None
        kind, key = found
        loaded = load(row)
        later = next((d for d in deadlines_for(loaded.contact, loaded.policy) if d.key == key), None)
        if later is not None and later.due_at > moment:
            # Not due yet: the policy changed since it was stored (a longer PO-1 maximum, a longer
            # wrap-up...). Store it again at its right time instead of losing it.
            write(_sql(_PUT_OFF), [connection.ops.adapt_datetimefield_value(later.due_at), deadline_id])
            return None
        outcome = run(loaded, lambda c, p: engine.fire(c, key, p, now=moment), at=moment)
    return outcome, outcome.routes_again or kind in (DeadlineKind.WAIT_WARNING, DeadlineKind.WAIT_BREACH)


@single_writer
def run_due_deadlines(*, worker: str | None = None, limit: int = 100, at: datetime | None = None) -> int:
    """Claim and fire everything that is due now; overdue deadlines after a restart fire at once.

    Each deadline fires in its own transaction (a failing one leaves the others fired); routing runs once
    after each batch that freed a technician or opened a tier, not once per deadline."""
    name = worker or f"worker-{uuid.uuid4().hex[:8]}"
    fired = 0
    while True:
        moment = at or now()
        claimed = _claim(worker=name, limit=limit, moment=moment)
        if not claimed:
            return fired
        route = False
        try:
            for deadline_id, contact_id in claimed:
                done = _fire(deadline_id, contact_id, at or now())
                if done is not None:
                    fired += 1
                    route = route or done[1]
        finally:
            if route:
                dispatch()  # technicians became free, or one more tier opened (PO-2 overflow)
        if len(claimed) < limit:
            return fired


def realign_deadlines(contacts: Any) -> int:
    """After a policy change, move the stored deadlines of these calls in progress to their new times.

    A raised limit (PO-1 maximum call to 1800 s) moves the warning and the breach
    later, a lowered one earlier, a longer ``wrap_up_seconds`` the end of the
    wrap-up. Each call is locked while its deadlines move. Returns how many moved.
    """
    rows = list(contacts.exclude(state__in=[ContactState.ENDED, ContactState.ABANDONED])
                .select_for_update(of=("self",)).select_related("queue", "customer").order_by("pk"))
    if not rows:
        return 0
    stored = {(d.contact_id, d.key): d for d in Deadline.objects.filter(
        contact__in=[r.pk for r in rows], fired_at__isnull=True)}
    policies: dict[tuple[int, int | None], engine.Policy] = {}
    moved: list[Deadline] = []
    missing: list[Deadline] = []
    for row in rows:
        organisation = organisation_id_of(row)
        policy = policies.get((row.queue_id, organisation))
        if policy is None:
            policy = policies[(row.queue_id, organisation)] = policy_for(row.queue, organisation)
        for due in deadlines_for(engine_contact(row), policy):
            found = stored.get((row.pk, due.key))
            if found is None:
                missing.append(Deadline(contact=row, kind=due.kind.value, key=due.key, due_at=due.due_at))
            elif found.due_at != due.due_at:
                found.due_at, found.claimed_by, found.lease_until = due.due_at, "", None
                moved.append(found)
    if moved:
        Deadline.objects.bulk_update(moved, ["due_at", "claimed_by", "lease_until"])
    if missing:
        Deadline.objects.bulk_create(missing, ignore_conflicts=True)
    return len(moved)
