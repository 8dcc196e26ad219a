"""The imperative shell around the engine: load a locked call once, let the engine decide, store once, tell.

Every change to a call goes through here, in four steps:

1. :func:`load`: the engine's contact and its policy, read from the row the
   caller locked (once per event: the same :class:`Loaded` serves routing and
   the decision);
2. :func:`atiende.engine.outcome.decide`: the pure decision, one
   :class:`~atiende.Decision` (new state, events, alerts,
   deadlines, technicians, whether to route again);
3. :func:`store`: the outcome written in one pass: the call's row, its events,
   its deadlines, the technicians' states, the alerts, and the webhook outbox
   rows (in the transaction, so they commit or roll back with the change);
4. the outward effects after the commit: the consoles' live update
   (``live.after_commit``) and the outbox's nudge (``webhooks.record``). Routing
   again (``outcome.routes_again``) is the caller's, once its transaction is
   over (``calls._act``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models.signals import post_save

from atiende import db, engine
from atiende.contact import live
from atiende.contact.clock import now
from atiende.contact.models import (
    FIGURE_COLUMNS,
    Alert,
    Contact,
    ContactEvent,
    Deadline,
    TechnicianStatus,
    figures_of,
)
from atiende.contact.selectors import policy_for
from atiende.contact.services.technicians import (
    count_contact,
    end_wrap_up,
    hand_back,
    release,
    reserve,
    set_technician,
    start_call,
)
from atiende.engine.channels import Channel
from atiende.engine.outcome import Action, TechnicianMove, decide
from atiende.engine.outcome import Outcome as Decision
from atiende.people.models import User
from atiende.telephony import webhooks


@dataclass
class Outcome:
    """What a service returns: the stored row, the engine's events and the stored alerts."""

    contact: Contact
    events: list[engine.Event]
    alerts: list[Alert]
    decided: Decision | None = None

    @property
    def routes_again(self) -> bool:
        return self.decided is not None and self.decided.routes_again


@dataclass
class Loaded:
    """A call's stored state as the engine sees it, read once from its locked row."""

    row: Contact
    contact: engine.Contact
    policy: engine.Policy


def engine_contact(row: Contact) -> engine.Contact:
    contact = engine.Contact.from_dict(row.data)
    contact.id = str(row.pk)
    contact.channel = row.channel  # the row's column is the truth (calls stored before chats have no key)
    return contact


def organisation_id_of(row: Contact) -> int | None:
    return row.customer.organisation_id if row.customer_id and row.customer else None


def load(row: Contact) -> Loaded:
    return Loaded(row, engine_contact(row), policy_for(row.queue, organisation_id_of(row)))


def run(loaded: Loaded, action: Action, *, actor: User | None = None, alerts: tuple[engine.Alert, ...] = (),
        at: datetime | None = None) -> Outcome:
    """Decide ``action`` on the loaded call and store the outcome. Call inside the transaction holding the lock."""
    decided = decide(loaded.contact, loaded.policy, action, now=at or now(), alerts=alerts)
    return store(loaded.row, decided, actor=actor)


def apply_action(row: Contact, action: Action, *, actor: User | None = None) -> Outcome:
    """:func:`load` then :func:`run`, for a row nobody has read the engine's state of yet."""
    return run(load(row), action, actor=actor)


def store(row: Contact, decided: Decision, *, actor: User | None = None,
          insert: bool = False) -> Outcome:
    """Write one outcome: the row, its events, deadlines, technicians, alerts and outbox rows."""
    contact = decided.contact
    row.state = contact.state.value
    row.assignee_id = contact.assignee
    row.offered_to_id = contact.offered_to
    row.answered_at = contact.answered_at
    row.ended_at = contact.ended_at
    row.data = contact.to_dict()
    row.version += 1
    if insert:
        row.save(force_insert=True)
    else:
        _update_row(row)
    events = decided.events
    if events:
        actor_id = actor.pk if actor is not None else None
        insert_rows(ContactEvent, ("contact", "kind", "at", "actor", "rule", "data"),
                [(row.pk, e.kind, e.at, actor_id, e.rule or "", _json(e.data)) for e in events])
    _store_deadlines(row, decided)
    _store_technicians(row, decided)
    stored = [
        Alert(kind=a.kind, rule=a.rule, level=a.level, contact=row, technician_id=a.technician,
              message_es=a.es, message_en=a.en, created_at=a.at)
        for a in decided.alerts
    ]
    if stored:
        Alert.objects.bulk_create(stored)
    if events or stored:
        webhooks.record(row, events)  # the outbox rows: in this transaction, so they commit or roll back with it
        live.after_commit(row, events, stored, before=decided.before)
    return Outcome(row, events, stored, decided)


def _store_deadlines(row: Contact, decided: Decision) -> None:
    """Stored deadlines = what the state implies: drop the ones it no longer implies, add the new.

    The outcome compares with what the loaded state implied (all stored, by this
    same rule), so an action that changes no timer costs no query.
    """
    if decided.deadlines_dropped:
        keys = sorted(decided.deadlines_dropped)
        db.write(f"DELETE FROM {_table(Deadline)} WHERE contact_id = %s AND fired_at IS NULL "
                 f"AND {connection.ops.quote_name('key')} IN ({', '.join(['%s'] * len(keys))})", [row.pk, *keys])
    if decided.deadlines_added:
        insert_rows(Deadline, ("contact", "kind", "key", "due_at", "fired_at", "claimed_by", "lease_until"),
                [(row.pk, d.kind.value, d.key, d.due_at, None, "", None) for d in decided.deadlines_added],
                conflicts_ignored=True)


# The store step's statements, hand-written: the same SQL text on SQLite and PostgreSQL, each value prepared by its
# model field for the database (dates, JSON). The ORM built and compiled these statements again for every event,
# about as much CPU as the rest of the event (issue 25).

def _table(model: Any) -> str:
    return str(connection.ops.quote_name(model._meta.db_table))


ROW_FIELDS = ("state", "assignee", "offered_to", "answered_at", "ended_at", "data", "version", *FIGURE_COLUMNS)


def _update_row(row: Contact) -> None:
    """The call's row after a decision, with its figure columns (``Contact.save``'s rule): one UPDATE."""
    for column, value in figures_of(row.data).items():
        setattr(row, column, value)
    fields = [Contact._meta.get_field(name) for name in ROW_FIELDS]
    assignments = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    db.write(f"UPDATE {_table(Contact)} SET {assignments} WHERE id = %s",
             [*(f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields), row.pk])
    # What a save would have told (the scorecards score a call that ended).
    post_save.send(sender=Contact, instance=row, created=False, update_fields=frozenset(ROW_FIELDS), raw=False,
                   using=connection.alias)


def insert_rows(model: Any, names: tuple[str, ...], rows: list[tuple[Any, ...]], *, conflicts_ignored: bool = False) -> None:
    """``INSERT INTO ... VALUES (...), (...)``, rows of ``names`` (field names); ``conflicts_ignored``: a row that
    would repeat a unique key is left out (``ON CONFLICT DO NOTHING``, SQLite 3.24 and PostgreSQL alike)."""
    fields = [model._meta.get_field(name) for name in names]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    one = f"({', '.join(['%s'] * len(fields))})"
    sql = (f"INSERT INTO {_table(model)} ({columns}) VALUES {', '.join([one] * len(rows))}"
           + (" ON CONFLICT DO NOTHING" if conflicts_ignored else ""))
    params = [f.get_db_prep_save(value, connection) for values in rows for f, value in zip(fields, values, strict=True)]
    db.write(sql, params)  # inside db.sent_together, sent with the next statement or the COMMIT


def _store_technicians(row: Contact, decided: Decision) -> None:
    """Each technician the call moved (one UPDATE each, guarded against their other calls)."""
    contact = decided.contact
    for change in decided.technicians:
        who, moment = change.technician, change.at
        if change.move is TechnicianMove.RESERVE:
            reserve(who)
        elif change.move is TechnicianMove.RELEASE:
            release(who, moment, contact)
        elif change.move is TechnicianMove.START_CALL:
            start_call(who, moment, counted=row.channel == Channel.PHONE)  # PO-3 counts calls, not visitors (CH-PRE)
        elif change.move is TechnicianMove.HAND_BACK:
            hand_back(who, contact, moment)
        elif change.move is TechnicianMove.WRAP_UP:
            set_technician(who, status=TechnicianStatus.WRAP_UP, unless_busy_beyond=contact)
        elif change.move is TechnicianMove.END_WRAP_UP:
            end_wrap_up(who, moment, contact)
        elif change.move is TechnicianMove.COUNT:
            count_contact(who)


def _json(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        out[key] = value.isoformat() if isinstance(value, datetime) else value
    return out
