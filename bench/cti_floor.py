"""The floor for CTI events over HTTP: the statements Atiende issues per event, with no framework.

A bare ASGI application (served by uvicorn, as ``atiende serve`` is) that
answers ``POST /api/v1/cti/events`` by running, in one PostgreSQL transaction,
the same kinds of statements Atiende runs for each event type (the stored
answer looked up by idempotency id, the call locked by the PBX's id, the call
updated, its event logged, its deadlines replaced, the technician's state, for
a hold the consent and the audit chain's head, the answer stored) on tables of
its own, through psycopg's asynchronous pool. No rules are checked and no
timers computed: what it costs is what the machine, the driver and PostgreSQL
cost, the floor any implementation of the same storage pays.

``bench_engine.py`` serves it beside Atiende in the same run and drives both
with the same clients; ``FLOOR_DATABASE_URL`` names the database.
"""

from __future__ import annotations

import json
import os
from typing import Any

from psycopg_pool import AsyncConnectionPool

SCHEMA = """
CREATE TABLE IF NOT EXISTS floor_technician (id integer PRIMARY KEY, status varchar(20) NOT NULL,
    idle_since timestamptz, calls_today integer NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS floor_technician_status ON floor_technician (status);
CREATE TABLE IF NOT EXISTS floor_contact (id bigserial PRIMARY KEY, external_id varchar(120) UNIQUE,
    state varchar(20) NOT NULL, assignee_id integer, data jsonb NOT NULL, version integer NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS floor_contact_state ON floor_contact (state);
CREATE TABLE IF NOT EXISTS floor_contact_event (id bigserial PRIMARY KEY, contact_id bigint NOT NULL
    REFERENCES floor_contact, kind varchar(40) NOT NULL, at timestamptz NOT NULL DEFAULT now(), data jsonb NOT NULL);
CREATE INDEX IF NOT EXISTS floor_contact_event_contact ON floor_contact_event (contact_id);
CREATE TABLE IF NOT EXISTS floor_deadline (id bigserial PRIMARY KEY, contact_id bigint NOT NULL
    REFERENCES floor_contact, key varchar(60) NOT NULL, due_at timestamptz NOT NULL, fired_at timestamptz);
CREATE INDEX IF NOT EXISTS floor_deadline_due ON floor_deadline (due_at) WHERE fired_at IS NULL;
CREATE INDEX IF NOT EXISTS floor_deadline_contact ON floor_deadline (contact_id);
CREATE TABLE IF NOT EXISTS floor_consent (id bigserial PRIMARY KEY, contact_ref varchar(40) NOT NULL,
    scope varchar(20) NOT NULL, given_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS floor_audit_head (id integer PRIMARY KEY, seq bigint NOT NULL, hash varchar(64) NOT NULL);
CREATE TABLE IF NOT EXISTS floor_audit_entry (seq bigint PRIMARY KEY, action varchar(40) NOT NULL,
    details jsonb NOT NULL, hash varchar(64) NOT NULL);
CREATE TABLE IF NOT EXISTS floor_cti_event (id bigserial PRIMARY KEY, event_id varchar(120) UNIQUE NOT NULL,
    status integer NOT NULL, response jsonb NOT NULL, contact_id bigint);
"""


def create_schema(url: str, technicians: int) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(SCHEMA)
        conn.execute("INSERT INTO floor_technician (id, status, idle_since) "
                     "SELECT i, 'disponible', now() - i * interval '1 second' FROM generate_series(1, %s) i "
                     "ON CONFLICT DO NOTHING", (technicians,))
        conn.execute("INSERT INTO floor_audit_head VALUES (1, 0, '') ON CONFLICT DO NOTHING")
        conn.execute("ANALYZE")


async def _new_call(conn: Any, event: dict[str, Any]) -> dict[str, Any]:
    await conn.execute("SELECT 1 FROM floor_contact WHERE external_id = %s", (event["call_id"],))
    cursor = await conn.execute("SELECT id FROM floor_technician WHERE status = 'disponible' "
                                "ORDER BY idle_since NULLS LAST, calls_today, id LIMIT 50")
    candidates = [row[0] for row in await cursor.fetchall()]
    technician = None
    if candidates:
        cursor = await conn.execute("SELECT id FROM floor_technician WHERE id = %s AND status = 'disponible' "
                                    "FOR UPDATE SKIP LOCKED", (candidates[0],))
        found = await cursor.fetchone()
        technician = found[0] if found else None
    cursor = await conn.execute(
        "INSERT INTO floor_contact (external_id, state, assignee_id, data) VALUES (%s, %s, %s, %s) RETURNING id",
        (event["call_id"], "offered" if technician else "waiting", technician, json.dumps(event)))
    contact = (await cursor.fetchone())[0]
    await conn.execute("INSERT INTO floor_contact_event (contact_id, kind, data) "
                       "SELECT %s, unnest(%s::text[]), '{}'", (contact, ["created", "offered"]))
    await conn.execute("INSERT INTO floor_deadline (contact_id, key, due_at) "
                       "SELECT %s, unnest(%s::text[]), now() + interval '3 minutes'",
                       (contact, ["ring_timeout", "wait_warning", "wait_breach"]))
    if technician:
        await conn.execute("UPDATE floor_technician SET status = 'ocupado', idle_since = NULL WHERE id = %s",
                           (technician,))
    return {"action": "ring" if technician else "queue", "technician": {"id": technician}, "contact": contact}


async def _on_call(conn: Any, event: dict[str, Any]) -> dict[str, Any]:
    cursor = await conn.execute("SELECT id, state, assignee_id, data FROM floor_contact WHERE external_id = %s "
                                "FOR UPDATE", (event["call_id"],))
    contact, _state, assignee, _data = await cursor.fetchone()
    await conn.execute("UPDATE floor_contact SET state = %s, data = %s, version = version + 1 WHERE id = %s",
                       (event["type"], json.dumps(event), contact))
    await conn.execute("INSERT INTO floor_contact_event (contact_id, kind, data) VALUES (%s, %s, %s)",
                       (contact, event["type"], json.dumps(event)))
    await conn.execute("DELETE FROM floor_deadline WHERE contact_id = %s AND fired_at IS NULL", (contact,))
    await conn.execute("INSERT INTO floor_deadline (contact_id, key, due_at) "
                       "VALUES (%s, %s, now() + interval '2 minutes')", (contact, event["type"]))
    if event["type"] in ("answered", "hangup") and assignee:
        await conn.execute("UPDATE floor_technician SET status = %s, calls_today = calls_today + 1 WHERE id = %s",
                           ("ocupado" if event["type"] == "answered" else "disponible", assignee))
    if event["type"] == "hold":
        await conn.execute("INSERT INTO floor_consent (contact_ref, scope) VALUES (%s, 'hold')", (str(contact),))
        cursor = await conn.execute("SELECT seq, hash FROM floor_audit_head WHERE id = 1 FOR UPDATE")
        seq, _hash = await cursor.fetchone()
        await conn.execute("INSERT INTO floor_audit_entry (seq, action, details, hash) VALUES (%s, 'consent', %s, %s)",
                           (seq + 1, json.dumps({"contact": contact}), f"{seq + 1:064d}"))
        await conn.execute("UPDATE floor_audit_head SET seq = %s, hash = %s WHERE id = 1", (seq + 1, f"{seq + 1:064d}"))
    return {"action": event["type"], "technician": {"id": assignee}, "contact": contact}


async def handle(conn: Any, event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """One event in the caller's transaction: the stored answer for a repeated id, else the event's statements."""
    cursor = await conn.execute("SELECT status, response FROM floor_cti_event WHERE event_id = %s", (event["id"],))
    stored = await cursor.fetchone()
    if stored is not None:
        return stored[0], stored[1] if isinstance(stored[1], dict) else json.loads(stored[1])
    handler = _new_call if event["type"] == "new_call" else _on_call
    answer = {"id": event["id"], **await handler(conn, event)}
    await conn.execute("INSERT INTO floor_cti_event (event_id, status, response, contact_id) "
                       "VALUES (%s, %s, %s, %s)", (event["id"], 200, json.dumps(answer), answer["contact"]))
    return 200, answer


class Floor:
    def __init__(self, url: str) -> None:
        self.pool = AsyncConnectionPool(url, min_size=8, max_size=16, open=False)
        self.opened = False

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        if not self.opened:
            await self.pool.open()
            self.opened = True
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if scope["method"] != "POST":  # bench_engine's readiness probe
            await self._answer(send, 401, {})
            return
        event = json.loads(body)
        async with self.pool.connection() as conn, conn.transaction():
            status, answer = await handle(conn, event)
        await self._answer(send, status, answer)

    @staticmethod
    async def _answer(send: Any, status: int, answer: dict[str, Any]) -> None:
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": json.dumps(answer).encode()})


app = Floor(os.environ.get("FLOOR_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
