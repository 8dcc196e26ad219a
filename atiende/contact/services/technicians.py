"""Technicians' stored state kept in step with their calls: reserved, released, on a call, in wrap-up, handed back."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende import engine
from atiende.contact import live
from atiende.contact.clock import now
from atiende.contact.models import (
    IN_CONVERSATION,
    Contact,
    ContactEvent,
    ContactState,
    TechnicianState,
    TechnicianStatus,
)
from atiende.desk.rows import placeholders
from atiende.engine import EventKind
from atiende.engine.channels import CONCURRENT
from atiende.errors import InputError
from atiende.people.models import User
from atiende.people.roles import is_staff


def technician_state(user: User) -> TechnicianState:
    state, _created = TechnicianState.objects.get_or_create(user=user)
    return state


def _chats_of(user: Any) -> Any:
    """The chats a technician holds (``user``: an id, or OuterRef): offered to them, theirs in conversation
    or in its wrap-up (CH-VIR: each holds one of their chat slots; a pending transfer's receiver holds none
    until they accept, TR-4)."""
    return Contact.objects.filter(
        Q(offered_to_id=user, state=ContactState.OFFERED)
        | Q(assignee_id=user, state__in=(*IN_CONVERSATION, ContactState.WRAP_UP)),
        channel__in=CONCURRENT)


def chats_held(user_id: int) -> int:
    """How many chats this technician holds now (read after locking their state row, it is exact)."""
    return _chats_of(user_id).count()


def chats_held_by(user_ids: Iterable[int]) -> dict[int, int]:
    """How many chats each of these technicians holds, in one statement (as :func:`chats_held` counts them)."""
    ids = list(user_ids)
    held: dict[int, int] = dict.fromkeys(ids, 0)
    rows = (Contact.objects.filter(Q(offered_to_id__in=ids, state=ContactState.OFFERED)
                                   | Q(assignee_id__in=ids, state__in=(*IN_CONVERSATION, ContactState.WRAP_UP)),
                                   channel__in=CONCURRENT)
            .order_by().values_list("offered_to_id", "assignee_id", "state").annotate(n=Count("pk")))
    for offered_to, assignee, state, n in rows:
        holder = offered_to if state == ContactState.OFFERED else assignee
        if holder in held:
            held[holder] += n
    return held


def engine_technician(row: TechnicianState) -> engine.Technician:
    """The engine's view of a stored state; its chats are the row's ``chats_held`` if the read gave one
    (routing's, atiende/contact/services/candidates.py), else counted now."""
    user = row.user
    # PO-3 counts per day: on a new day the count starts again from zero.
    calls = row.calls_today if row.calls_day == now().date() else 0
    held = getattr(row, "chats_held", None)
    return engine.Technician(
        user.pk, user.tier, frozenset(user.skills or []), engine.TechnicianStatus(row.status),
        row.idle_since, row.pause_reason, calls,
        chats=held if held is not None else chats_held(user.pk), max_chats=row.max_chats,
    )


def store_technician(row: TechnicianState, tech: engine.Technician, moment: datetime) -> None:
    row.status = tech.status.value
    row.pause_reason = tech.pause_reason
    row.idle_since = tech.idle_since
    row.calls_today = tech.calls_today
    row.calls_day = now().date()
    row.save(update_fields=["status", "pause_reason", "idle_since", "calls_today", "calls_day", "updated_at"])


def require_staff(user: User) -> None:
    if not is_staff(user):
        raise InputError("not_a_technician", _("Only technicians take calls."), status=403, rule="CH-TEL")


def technician_changed(row: TechnicianState) -> None:
    live.technician_after_commit(row.user_id, row.status)


# The hot path's statements (every call event moves a technician): hand-written SQL, the same text on SQLite and
# PostgreSQL, built once; the ORM compiled the same queries again on every event, half of their cost (issue 25).

def _placeholders(values: Any) -> tuple[str, list[str]]:
    items = sorted(str(v) for v in values)
    return placeholders(items), items


def _busy_beyond_sql() -> tuple[str, list[str]]:
    """``EXISTS (...)`` for a technician (the first parameter, their id twice), true when another call than the
    last parameter rings at them or is in their hands (see :func:`_busy_beyond`)."""
    talking, talking_params = _placeholders(IN_CONVERSATION)
    chats, chat_params = _placeholders(CONCURRENT)
    contacts = connection.ops.quote_name(Contact._meta.db_table)
    sql = (f"EXISTS (SELECT 1 FROM {contacts} o WHERE ((o.assignee_id = %s AND o.state IN ({talking})) "
           f"OR (o.offered_to_id = %s AND o.state = %s)) AND o.channel NOT IN ({chats}) AND o.id <> %s)")
    return sql, [*talking_params, str(ContactState.OFFERED), *chat_params]


def _busy_beyond_params(user_id: int, contact: engine.Contact) -> list[Any]:
    _sql, fixed = _BUSY
    talking = len(IN_CONVERSATION)
    return [user_id, *fixed[:talking], user_id, *fixed[talking:], int(contact.id) if contact.id else 0]


def _elsewhere_sql() -> tuple[str, list[str]]:
    held, held_params = _placeholders((*IN_CONVERSATION, ContactState.WRAP_UP))
    talking, talking_params = _placeholders(IN_CONVERSATION)
    chats, chat_params = _placeholders(CONCURRENT)
    contacts, events = (connection.ops.quote_name(Contact._meta.db_table),
                        connection.ops.quote_name(ContactEvent._meta.db_table))
    sql = (f"SELECT c.state, c.assignee_id, c.offered_to_id, c.data FROM {contacts} c "
           f"WHERE ((c.assignee_id = %s AND c.state IN ({held})) OR (c.offered_to_id = %s AND c.state = %s) "
           f"OR (c.state IN ({talking}) AND EXISTS (SELECT 1 FROM {events} e WHERE e.contact_id = c.id "
           f"AND e.kind = %s))) AND c.channel NOT IN ({chats}) AND c.id <> %s ORDER BY c.id")
    return sql, [*held_params, str(ContactState.OFFERED), *talking_params, str(EventKind.SUPERVISOR_JOINED),
                 *chat_params]


_BUSY = _busy_beyond_sql()
_ELSEWHERE = _elsewhere_sql()


def _busy_beyond(contact: engine.Contact) -> Exists:
    """True for a technician's state row when another call than ``contact`` rings at them or is in their hands.

    A technician may be on one call while another ends without them: a ring that
    times out after they took a transfer, a PBX answer from their extension. The
    end of that other call must not set them free or into wrap-up mid-call.
    (The ORM's form, for queries over many technicians; one technician's UPDATE uses :data:`_BUSY`.)
    """
    others = Contact.objects.filter(Q(assignee_id=OuterRef("user_id"), state__in=IN_CONVERSATION)
                                    | Q(offered_to_id=OuterRef("user_id"), state=ContactState.OFFERED))
    others = others.exclude(channel__in=CONCURRENT)  # chats never make a technician busy (CH-VIR)
    if contact.id:
        others = others.exclude(pk=int(contact.id))
    return Exists(others)


@dataclass(frozen=True)
class _Elsewhere:
    """A technician's other calls, seen from one call: see :func:`_elsewhere`."""

    on_a_call: bool  # answered and in their hands, ringing at them, or joined (supervisor)
    wrap_up_pending: bool  # a call of theirs in wrap-up ("cierre")
    kept: dict[str, str] | None  # where those calls take them afterwards (their ``returns_to`` entry)


def _elsewhere(user_id: int, contact_id: str | int | None) -> _Elsewhere:
    """What else this technician is doing besides the call ``contact_id`` (None: any call counts).

    A supervisor who joins or coaches (PO-5) is on the call without being its
    assignee: the engine lists them in ``supervisors`` (JSON), checked here on the
    live calls some supervisor joined (a ``supervisor_joined`` event; one who took
    the call over and handed it on has left the list). One query.
    """
    sql, fixed = _ELSEWHERE
    held = len(IN_CONVERSATION) + 1
    params = [user_id, *fixed[:held], user_id, *fixed[held:], int(contact_id) if contact_id else 0]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    on_a_call = wrap_up_pending = False
    kept: dict[str, str] | None = None
    for state, assignee, offered, stored in rows:
        data = json.loads(stored) if isinstance(stored, str | bytes) else (stored or {})
        mine = assignee == user_id
        if state == ContactState.WRAP_UP:
            wrap_up_pending = wrap_up_pending or mine
        elif state == ContactState.OFFERED:
            on_a_call = on_a_call or offered == user_id
            continue  # a call that rings at them keeps nothing for them
        elif mine or user_id in (data.get("supervisors") or []):
            on_a_call = True
        else:
            continue
        kept = kept or (data.get("returns_to") or {}).get(str(user_id))
    return _Elsewhere(on_a_call, wrap_up_pending, kept)


COUNT_CALL = object()  # set_technician(calls_today=COUNT_CALL): one more today, or 1 on a new day (PO-3)


def _update_state(user_id: int, fields: dict[str, Any], *, unless_busy_beyond: engine.Contact | None = None,
                  only_from: str | None = None) -> int:
    """One technician's state row: ``UPDATE ... WHERE user_id = ...`` (and not busy with another call than
    ``unless_busy_beyond``, and in status ``only_from``), hand-written; returns the rows changed."""
    fields = {**fields, "updated_at": timezone.now()}
    sets: list[str] = []
    params: list[Any] = []
    for name, value in fields.items():
        field = TechnicianState._meta.get_field(name)
        column = connection.ops.quote_name(field.column)
        if value is COUNT_CALL:
            today = field.model._meta.get_field("calls_day")
            sets.append(f"{column} = CASE WHEN {today.column} = %s THEN {column} + 1 ELSE 1 END")
            params.append(today.get_db_prep_save(now().date(), connection))
        else:
            sets.append(f"{column} = %s")
            params.append(field.get_db_prep_save(value, connection))
    table = connection.ops.quote_name(TechnicianState._meta.db_table)
    sql = f"UPDATE {table} SET {', '.join(sets)} WHERE user_id = %s"
    params.append(user_id)
    if only_from is not None:
        sql += " AND status = %s"
        params.append(only_from)
    if unless_busy_beyond is not None:
        sql += f" AND NOT {_BUSY[0]}"
        params.extend(_busy_beyond_params(user_id, unless_busy_beyond))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def set_technician(user_id: int, *, unless_busy_beyond: engine.Contact | None = None, **fields: Any) -> None:
    if unless_busy_beyond is not None and _elsewhere(user_id, unless_busy_beyond.id).on_a_call:
        return  # still on another call (a supervisor on two at once): busy, whatever this one does
    updated = _update_state(user_id, fields, unless_busy_beyond=unless_busy_beyond)
    if not updated and User.objects.filter(pk=user_id).exists():
        # A PBX may report a technician who never signed in to the console: start their state now.
        clean = {k: v for k, v in fields.items() if not hasattr(v, "resolve_expression") and v is not COUNT_CALL}
        if "calls_today" in fields:
            clean["calls_today"] = 1
            clean["calls_day"] = now().date()
        TechnicianState.objects.get_or_create(user_id=user_id, defaults=clean)


def reserve(user_id: int) -> None:
    set_technician(user_id, status=TechnicianStatus.BUSY, idle_since=None, pause_reason="")


def release(user_id: int, moment: datetime, contact: engine.Contact) -> None:
    set_technician(user_id, status=TechnicianStatus.AVAILABLE, idle_since=moment, pause_reason="",
                    unless_busy_beyond=contact)


def end_wrap_up(user_id: int, moment: datetime, contact: engine.Contact) -> None:
    """The wrap-up is over (engine.Technician.finish_wrap_up): only a technician still in "cierre" is freed.

    A pause taken during the wrap-up stands with its reason; a technician who took
    another call meanwhile stays busy. One conditional UPDATE, so a pause that
    commits first is never overwritten. A supervisor who took the call over goes
    back to the state they had before (``returns_to``), not to the routing pool.
    """
    hand_back(user_id, contact, moment, only_from=TechnicianStatus.WRAP_UP)


def hand_back(user_id: int, contact: engine.Contact, moment: datetime, *, only_from: str | None = None) -> None:
    """This technician is done with the call: where they go next (engine.state_after_calls).

    Still on another call (a supervisor joined to two at once, PO-5): busy, until
    the last of them ends for them. Else the wrap-up of a call of their own if one
    is still running ("cierre": a call joined during it does not skip it), then the
    state ``contact.returns_to`` keeps for them (their pause with its reason, not
    taking calls), else the routing pool.
    """
    elsewhere = _elsewhere(user_id, contact.id)
    if elsewhere.on_a_call:
        return
    status, reason = engine.state_after_calls(contact.returns_to.get(str(user_id)),
                                              wrap_up_pending=elsewhere.wrap_up_pending)
    _update_state(user_id, {"status": status.value, "pause_reason": reason,
                            "idle_since": moment if status is engine.TechnicianStatus.AVAILABLE else None},
                  unless_busy_beyond=contact, only_from=only_from)


def start_call(user_id: int, moment: datetime, *, counted: bool = True) -> None:
    """The technician is on a contact now (busy). ``counted``: it is a call, one more for PO-3 today; a visitor
    served at the walk-in desk (CH-PRE) is not a call, so PO-3's "calls per technician per day" leaves it out."""
    if not counted:
        reserve(user_id)
        return
    today = now().date()
    # PO-3: calls are counted per day; the first call of a new day starts the count again.
    set_technician(user_id, status=TechnicianStatus.BUSY, idle_since=None, pause_reason="", calls_today=COUNT_CALL,
                   calls_day=today)


def count_contact(user_id: int) -> None:
    """CH-VIR: a chat taken counts for PO-3 like a call answered; the technician's status stays as it is."""
    today = now().date()
    TechnicianState.objects.filter(user_id=user_id).update(
        calls_day=today, calls_today=Case(When(calls_day=today, then=F("calls_today") + 1), default=Value(1)),
        updated_at=timezone.now())


def state_to_return_to(user_id: int, *, read: tuple[str | None, str | None] | None = None) -> dict[str, str] | None:
    """Where this technician goes back to after a call they come onto now (kept in its ``returns_to``).

    What they are doing now (status, pause reason; no state row: not signed in for
    calls, desconectado). On another call or in a wrap-up of their own, where that
    call takes them afterwards (engine.state_to_keep): a supervisor who joins two calls
    goes back, after the last, to what they did before the first. None: the pool.
    ``read``: their status and pause reason as this transaction already read them (``(None, None)``: no state
    row), so they are not read again.
    """
    if read is not None:
        found = read if read[0] is not None else None
    else:
        with connection.cursor() as cursor:  # hand-written: read on every answer the PBX reports (issue 25)
            cursor.execute(f"SELECT status, pause_reason FROM "
                           f"{connection.ops.quote_name(TechnicianState._meta.db_table)} WHERE user_id = %s", [user_id])
            found = cursor.fetchone()
    status, reason = (str(found[0]), str(found[1])) if found else (TechnicianStatus.OFFLINE.value, "")
    if status == TechnicianStatus.AVAILABLE:
        return {"status": status, "pause_reason": ""}  # nothing else going on: no need to look
    elsewhere = _elsewhere(user_id, None)  # every call: joining one again keeps what it already keeps
    return engine.state_to_keep(status, reason, wrap_up_pending=elsewhere.wrap_up_pending,
                                kept_elsewhere=elsewhere.kept)
