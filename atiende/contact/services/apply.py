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

from atiende import engine
from atiende.contact import live
from atiende.contact.clock import now
from atiende.contact.models import (
    Alert,
    Contact,
    ContactEvent,
    Deadline,
    TechnicianStatus,
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
        row.save(update_fields=["state", "assignee", "offered_to", "answered_at", "ended_at", "data", "version"])
    events = decided.events
    if events:
        ContactEvent.objects.bulk_create([
            ContactEvent(contact=row, kind=e.kind, at=e.at, actor=actor, rule=e.rule or "", data=_json(e.data))
            for e in events
        ])
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
        Deadline.objects.filter(contact=row, key__in=decided.deadlines_dropped, fired_at__isnull=True).delete()
    if decided.deadlines_added:
        Deadline.objects.bulk_create([Deadline(contact=row, kind=d.kind.value, key=d.key, due_at=d.due_at)
                                      for d in decided.deadlines_added], ignore_conflicts=True)


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
