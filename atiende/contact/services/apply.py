"""The locked apply of an engine action: run it on the stored contact and persist everything it changed."""

from __future__ import annotations

from collections.abc import Callable, Iterable
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
    end_wrap_up,
    hand_back,
    release,
    reserve,
    set_technician,
    start_call,
)
from atiende.engine.timers import deadlines_for
from atiende.people.models import User
from atiende.telephony import webhooks


@dataclass
class Outcome:
    contact: Contact
    events: list[engine.Event]
    alerts: list[Alert]


def engine_contact(row: Contact) -> engine.Contact:
    contact = engine.Contact.from_dict(row.data)
    contact.id = str(row.pk)
    return contact


def organisation_id_of(row: Contact) -> int | None:
    return row.customer.organisation_id if row.customer_id and row.customer else None


def apply_action(row: Contact, action: Callable[[engine.Contact, engine.Policy], list[engine.Event]], *,
           actor: User | None = None, extra_alerts: Iterable[engine.Alert] = ()) -> Outcome:
    """Run ``action`` on the engine's contact and persist everything it changed. Call inside a transaction."""
    policy = policy_for(row.queue, organisation_id_of(row))
    contact = engine_contact(row)
    before = deadline_keys(contact, policy)
    events = action(contact, policy)
    return persist(row, contact, policy, events, list(extra_alerts), actor, before)


def deadline_keys(contact: engine.Contact, policy: engine.Policy) -> set[str]:
    return {d.key for d in deadlines_for(contact, policy)}


def persist(row: Contact, contact: engine.Contact, policy: engine.Policy, events: list[engine.Event],
             alerts: list[engine.Alert], actor: User | None, before: set[str], *, insert: bool = False) -> Outcome:
    previous_assignee = row.assignee_id
    previous_offered = row.offered_to_id
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
    if events:
        ContactEvent.objects.bulk_create([
            ContactEvent(contact=row, kind=e.kind, at=e.at, actor=actor, rule=e.rule or "", data=_json(e.data))
            for e in events
        ])
    _sync_deadlines(row, contact, policy, before)
    _sync_technicians(events, previous_assignee, previous_offered, contact)
    stored = [
        Alert(kind=a.kind, rule=a.rule, level=a.level, contact=row, technician_id=a.technician,
              message_es=a.es, message_en=a.en, created_at=a.at)
        for a in alerts
    ]
    if stored:
        Alert.objects.bulk_create(stored)
    if events or stored:
        webhooks.record(row, events)  # the outbox rows: in this transaction, so they commit or roll back with it
        live.after_commit(row, events, stored)
    return Outcome(row, events, stored)


def _sync_deadlines(row: Contact, contact: engine.Contact, policy: engine.Policy, before: set[str]) -> None:
    """Stored deadlines = what the state implies: drop the ones it no longer implies, add the new.

    ``before`` is what the state implied before the change (all stored, by this
    same rule), so an action that changes no timer costs no query.
    """
    implied = {d.key: d for d in deadlines_for(contact, policy)}
    stale = before - implied.keys()
    if stale:
        Deadline.objects.filter(contact=row, key__in=stale, fired_at__isnull=True).delete()
    new = [Deadline(contact=row, kind=d.kind.value, key=d.key, due_at=d.due_at)
           for key, d in implied.items() if key not in before]
    if new:
        Deadline.objects.bulk_create(new, ignore_conflicts=True)


def _sync_technicians(events: list[engine.Event], previous_assignee: int | None, previous_offered: int | None,
                      contact: engine.Contact) -> None:
    """Keep technicians' states in step with what happened to the call (one UPDATE each)."""
    moment = events[-1].at if events else now()
    for event in events:
        if event.kind == "offered":
            reserve(event.data["technician"])
        elif event.kind == "returned_to_queue" and event.data.get("technician"):
            release(event.data["technician"], moment, contact)
        elif event.kind == "answered":
            start_call(event.data["technician"], moment)
        elif event.kind == "transfer_accepted":
            hand_back(event.data["from"], contact, moment)
            start_call(event.data["to"], moment)
        elif event.kind == "supervisor_joined":
            if (event.data.get("mode") == "take_over" and previous_assignee
                    and previous_assignee != event.data["supervisor"]):
                hand_back(previous_assignee, contact, moment)
            # Taking over, joining or coaching, the supervisor is on the call: no other is offered them (PO-5).
            reserve(event.data["supervisor"])
        elif event.kind == "hangup":
            if contact.assignee:
                set_technician(contact.assignee, status=TechnicianStatus.WRAP_UP, unless_busy_beyond=contact)
            for supervisor in contact.supervisors:
                if supervisor != contact.assignee:  # no wrap-up for who only joined: back to what they did
                    hand_back(supervisor, contact, moment)
        elif event.kind == "ended" and contact.assignee:
            end_wrap_up(contact.assignee, moment, contact)
        elif event.kind == "abandoned" and previous_offered:
            release(previous_offered, moment, contact)


def _json(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        out[key] = value.isoformat() if isinstance(value, datetime) else value
    return out
