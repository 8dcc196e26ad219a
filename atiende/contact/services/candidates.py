"""Routing's reads of the available technicians: hand-written SQL, one text on SQLite and PostgreSQL (issue 25).

Every new call reads a page of the technicians who may take it, longest idle first,
locks the one the engine picks and counts the chats they hold. Built by the ORM
(``select_related("user")``, a correlated count as an annotation, an ``EXISTS`` on
team membership, ``select_for_update(skip_locked=True)``) those three statements cost
about half of a ``new_call``'s CPU, most of it building and compiling the same
queries again on every call (bench/bench_cti_costs.py). Here each text is built once
per shape (how many tiers, a team or not, a call or a chat) and kept; the values go
through the model fields as the ORM sends them, the rows come back through the same
converters and become model instances as the ORM makes them (``from_db``), the user
cached on the state row as ``select_related`` leaves it.

What the reads mean is unchanged (routing.py's ``_choose_technician`` documents the
rules): status available, a tier open for the call, the queue's team (a member, or
anyone with a list of queues of their own, checked afterwards), no chat held for a
call (CH-VIR) or fewer than their capacity for a chat, ordered by the chats held,
the longest idle, the fewest calls today, then the id.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from atiende.contact.models import (
    IN_CONVERSATION,
    Contact,
    ContactState,
    TechnicianState,
    TechnicianStatus,
)
from atiende.engine.channels import CONCURRENT
from atiende.people.models import User

_STATE_FIELDS = tuple(TechnicianState._meta.concrete_fields)
_USER_FIELDS = tuple(User._meta.concrete_fields)
_STATE_NAMES = [f.attname for f in _STATE_FIELDS]
_USER_NAMES = [f.attname for f in _USER_FIELDS]
_MEMBERSHIP = User.teams.through


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _held_sql(user: str) -> tuple[str, list[str]]:
    """How many chats the technician ``user`` (an SQL expression) holds: offered to them, theirs in conversation
    or in its wrap-up (CH-VIR, technicians.chats_held: each holds one of their chat slots)."""
    held = sorted({*(str(s) for s in IN_CONVERSATION), str(ContactState.WRAP_UP)})
    chats = sorted(str(c) for c in CONCURRENT)
    sql = (f"(SELECT COUNT(*) FROM {_quote(Contact._meta.db_table)} o "
           f"WHERE ((o.offered_to_id = {user} AND o.state = %s) "
           f"OR (o.assignee_id = {user} AND o.state IN ({', '.join(['%s'] * len(held))}))) "
           f"AND o.channel IN ({', '.join(['%s'] * len(chats))}))")
    return sql, [str(ContactState.OFFERED), *held, *chats]


class _Reader:
    """Rows of (technician state, user) into model instances, through the fields' converters (per database)."""

    def __init__(self) -> None:
        self._converters: dict[str, list[tuple[int, list[Any], Any]]] = {}

    def _found_converters(self) -> list[tuple[int, list[Any], Any]]:
        found = self._converters.get(connection.vendor)
        if found is None:
            found = []
            for index, field in enumerate((*_STATE_FIELDS, *_USER_FIELDS)):
                table = TechnicianState._meta.db_table if index < len(_STATE_FIELDS) else User._meta.db_table
                col = field.get_col(table)
                converters = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
                if converters:
                    found.append((index, converters, col))
            self._converters[connection.vendor] = found
        return found

    def __call__(self, row: tuple[Any, ...]) -> TechnicianState:
        values = list(row)
        for index, converters, col in self._found_converters():
            value = values[index]
            for convert in converters:
                value = convert(value, col, connection)
            values[index] = value
        split = len(_STATE_FIELDS)
        state = TechnicianState.from_db(connection.alias, _STATE_NAMES, values[:split])
        state._state.fields_cache["user"] = User.from_db(connection.alias, _USER_NAMES,
                                                         values[split:split + len(_USER_FIELDS)])
        if len(values) > split + len(_USER_FIELDS):
            state.chats_held = values[-1]  # type: ignore[attr-defined]
        return state


_read = _Reader()
_pages: dict[tuple[str, int, bool, bool], str] = {}


def _page_sql(tiers: int, team: bool, chat: bool) -> str:
    key = (connection.vendor, tiers, team, chat)
    sql = _pages.get(key)
    if sql is not None:
        return sql
    columns = [f"s.{_quote(str(f.column))}" for f in _STATE_FIELDS] + [
        f"u.{_quote(str(f.column))}" for f in _USER_FIELDS]
    held, _params = _held_sql("s.user_id")
    if chat:
        columns.append(f"{held} AS chats_held")
    sql = (f"SELECT {', '.join(columns)} FROM {_quote(TechnicianState._meta.db_table)} s "
           f"INNER JOIN {_quote(User._meta.db_table)} u ON u.{_quote('id')} = s.user_id "
           f"WHERE s.status = %s AND u.tier IN ({', '.join(['%s'] * tiers)})")
    if team:
        # A team's queue: its members (EXISTS on the membership table: no duplicate rows for people in several
        # teams), and whoever has a list of queues of their own (that list is checked on the rows read).
        sql += (f" AND (EXISTS (SELECT 1 FROM {_quote(_MEMBERSHIP._meta.db_table)} m "
                f"WHERE m.team_id = %s AND m.user_id = s.user_id) OR NOT (s.queues = %s))")
    if chat:
        # CH-VIR: fewer chats than their own capacity, or the queue's policy's when they have none.
        sql += f" AND {held} < COALESCE(s.max_chats, %s) ORDER BY {len(columns)}, "
    else:
        sql += f" AND {held} = 0 ORDER BY "  # a call goes to a technician holding no chat
    sql += "s.idle_since ASC NULLS LAST, s.calls_today, s.user_id LIMIT %s OFFSET %s"
    _pages[key] = sql
    return sql


def page(*, tiers: tuple[int, ...], team_id: int | None, chat: bool, max_chats: int, start: int,
         size: int) -> list[TechnicianState]:
    """One page of the technicians a contact may be rung at, in the engine's order, each with their user and
    ``chats_held`` (the chats they hold as read now; exact only once their row is locked)."""
    sql = _page_sql(len(tiers), team_id is not None, chat)
    _held, held_params = _held_sql("s.user_id")
    params: list[Any] = held_params.copy() if chat else []
    params += [str(TechnicianStatus.AVAILABLE), *tiers]
    if team_id is not None:
        no_list = TechnicianState._meta.get_field("queues").get_db_prep_value([], connection)
        params += [team_id, no_list]
    params += [*held_params, max_chats] if chat else held_params
    params += [size, start]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found = [_read(row) for row in rows]
    if not chat:
        for state in found:
            state.chats_held = 0  # type: ignore[attr-defined]
    return found


_claims: dict[str, str] = {}


def claim(user_id: int) -> bool:
    """Lock this technician's state row if they are still available and nobody holds it (``SKIP LOCKED``: a
    racing call takes someone else). SQLite has no row locks: its transaction's write lock is the lock."""
    sql = _claims.get(connection.vendor)
    if sql is None:
        sql = f"SELECT user_id FROM {_quote(TechnicianState._meta.db_table)} WHERE user_id = %s AND status = %s"
        if connection.features.has_select_for_update_skip_locked:
            sql += " FOR UPDATE SKIP LOCKED"
        _claims[connection.vendor] = sql
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id, str(TechnicianStatus.AVAILABLE)])
        return cursor.fetchone() is not None


def chats_held(user_id: int) -> int:
    """How many chats this technician holds now (read after locking their state row, it is exact)."""
    held, params = _held_sql("%s")
    with connection.cursor() as cursor:
        cursor.execute(held[1:-1], [user_id, params[0], user_id, *params[1:]])  # the count, out of its brackets
        return int(cursor.fetchone()[0])
