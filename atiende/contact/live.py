"""Live updates for consoles (Channels), for each contact change.

:func:`after_commit` is called by the services' ``persist`` inside the change's
transaction, next to the webhook outbox's ``record`` (atiende/telephony/webhooks.py),
and sends the consoles' update only once the transaction commits, so a console
never sees a change that was rolled back. Websocket groups: ``contacts`` (supervisors' board) and
``technician-<id>`` (one technician's console). An update goes to the board, to
every technician it names (who has the call, who it is ringing at, the receiver
of a transfer, who had it before, whom an alert is for) and, for a transfer to
a queue, to each technician who may accept it (TR-4: ``selectors.may_accept_transfer``, the
rule the acceptance checks, read when the update is sent): they learn of the
offer, and of its end (accepted, declined, timed out), without re-reading; a
technician whose tier or skills the queue does not take hears nothing of it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction

from atiende.contact.models import Alert, Contact, ContactEvent, Queue
from atiende.contact.selectors import may_accept_transfer, queue_config
from atiende.engine.contact import EventKind
from atiende.people.models import User
from atiende.people.roles import TECHNICIANS, role_filter

if TYPE_CHECKING:
    from atiende.engine import Contact as EngineContact
    from atiende.engine import Event

log = logging.getLogger(__name__)

BOARD_GROUP = "contacts"

# Event data naming technicians an update concerns (ids): who it rings or stops ringing at, the receiver and
# the requester of a transfer, whom a returned transfer goes back to, who had the call before a supervisor.
_NAMED = ("technician", "to_technician", "to", "from", "back_to", "supervisor")


def technician_group(user_id: int) -> str:
    return f"technician-{user_id}"


def technicians_who_may_accept(queue_names: Iterable[str]) -> set[int]:
    """The active technicians who may accept a transfer to one of these queues (TR-4: the acceptance's own
    rule, ``selectors.may_accept_transfer``); one query for the technicians with their teams, one for the
    queues. Supervisors and administrators are left out: the board shows them the calls they may see (ET-4)."""
    queues = list(Queue.objects.filter(name__in={q for q in queue_names if q}).only("name", "tiers", "skills",
                                                                                    "team"))
    if not queues:
        return set()
    tiers = {t for q in queues for t in queue_config(q).tiers}
    people: dict[int, tuple[int, list[str], list[str] | None, set[int]]] = {}
    for pk, tier, skills, served, team in (User.objects.filter(role_filter(TECHNICIANS), is_active=True, tier__in=tiers)
                                           .values_list("pk", "tier", "skills", "desk_state__queues", "teams")):
        teams = people.setdefault(pk, (tier, skills, served, set()))[3]  # one row per team
        if team is not None:
            teams.add(team)
    return {pk for pk, (tier, skills, served, teams) in people.items()
            if any(may_accept_transfer(q, tier=tier, skills=skills, queues_served=served, team_ids=teams)
                   for q in queues)}


# Channel -> what else must hear of a change to one of its contacts, in the change's transaction: the walk-in
# desk's waiting-room display repaints whatever changed a visitor's contact (call-next, the console's own
# «Contestar», a hang-up...), not only the desk's own buttons. Registered by the channel's app (its ready()).
CHANNEL_LISTENERS: dict[str, Callable[[Contact], None]] = {}


def after_commit(row: Contact, events: Iterable[Event], alerts: Iterable[Alert], *,
                 before: EngineContact | None = None) -> None:
    """``before``: the call's state before the change (the engine's outcome has it), which says where a
    transfer that was just accepted or returned had been offered; without it, its request is read."""
    events = list(events)
    alerts = list(alerts)
    listener = CHANNEL_LISTENERS.get(row.channel)
    if listener is not None and events:
        listener(row)
    transfer = (row.data or {}).get("transfer") or None
    technicians, queues = _concerned(row, events, alerts, transfer, before)
    message = {
        "type": "contact.update",
        "contact": {"id": row.pk, "state": row.state, "assignee": row.assignee_id, "version": row.version,
                    "queue_id": row.queue_id, "offered_to": row.offered_to_id,
                    "transfer": ({"to_technician": transfer.get("to_technician"), "to_queue": transfer.get("to_queue"),
                                  "deadline": transfer.get("deadline")} if transfer else None)},
        "events": [{"kind": e.kind, "at": e.at.isoformat(), "rule": e.rule} for e in events],
        "alerts": [{"kind": a.kind, "rule": a.rule, "level": a.level, "technician": a.technician_id,
                    "message_es": a.message_es, "message_en": a.message_en} for a in alerts],
        # For the consumers, not sent on: whom it names (a supervisor named sees it whatever their scope), and
        # an id to drop the second copy when one socket is in two of the groups.
        "notify": sorted(technicians),
        "update": uuid.uuid4().hex,
    }
    transaction.on_commit(lambda: _after(message, technicians, queues))


def technician_after_commit(user_id: int, status: str) -> None:
    """A technician's own state changed (a pause, back to available): once committed, the boards re-read
    their technicians and the technician's own consoles their state. The message carries the id and the
    status only (no pause reason: that is read, in scope, from the snapshot)."""
    message = {"type": "technician.update", "technician": {"id": user_id, "status": status},
               "update": uuid.uuid4().hex}
    transaction.on_commit(lambda: _tell(_listening_layer(), [BOARD_GROUP, technician_group(user_id)], message))


def _concerned(row: Contact, events: list[Event], alerts: list[Alert], transfer: dict[str, Any] | None,
               before: EngineContact | None) -> tuple[set[int], set[str]]:
    """The technicians an update names, and the queues whose technicians were (or are) offered a transfer."""
    technicians = {row.assignee_id, row.offered_to_id, *(a.technician_id for a in alerts)}
    queues: set[str] = set()
    if transfer:
        technicians.add(transfer.get("to_technician"))
        queues.add(transfer.get("to_queue") or "")
    for event in events:
        technicians.update(event.data.get(key) for key in _NAMED)
        if event.kind in (EventKind.TRANSFER_REQUESTED, EventKind.TRANSFER_ACCEPTED, EventKind.TRANSFER_RETURNED):
            # Where the transfer was offered. An acceptance, or a return by a hang-up, does not say: the
            # state before it does, else the request it ends (one query, on those events only).
            offered = event.data if "to_queue" in event.data else _offered_before(row, before)
            technicians.add(offered.get("to_technician"))
            queues.add(offered.get("to_queue") or "")
    return {t for t in technicians if isinstance(t, int)}, {q for q in queues if q}


def _offered_before(row: Contact, before: EngineContact | None) -> dict[str, Any]:
    if before is not None:
        transfer = before.transfer
        return {"to_technician": transfer.to_technician, "to_queue": transfer.to_queue} if transfer else {}
    return _last_transfer_request(row)


def _last_transfer_request(row: Contact) -> dict[str, Any]:
    data = (ContactEvent.objects.filter(contact_id=row.pk, kind=EventKind.TRANSFER_REQUESTED)
            .order_by("-at", "-id").values_list("data", flat=True).first())
    return data if isinstance(data, dict) else {}


def _after(message: dict[str, Any], technicians: set[int], queues: set[str]) -> None:
    """After the commit: whom to tell, read now (who may accept a queue's transfer), and tell them."""
    layer = _listening_layer()
    if layer is None:
        return
    if queues:
        technicians = technicians | technicians_who_may_accept(queues)
    _tell(layer, [BOARD_GROUP, *(technician_group(t) for t in sorted(technicians))], message)


def _listening_layer() -> Any:
    """The channel layer, or None when nobody can be listening: no layer, or an in-process one with no console
    connected (tests, benches)."""
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    return None if layer is None or getattr(layer, "groups", None) == {} else layer


def _tell(layer: Any, groups: list[str], message: dict[str, Any]) -> None:
    if layer is None:
        return
    # An in-process layer: only if a console is in one of the groups. Redis or another shared layer: consoles
    # may be in other processes.
    joined = getattr(layer, "groups", None)
    if joined is None or any(joined.get(g) for g in groups):
        _send(layer, message, groups)


def _send(layer: Any, message: dict[str, Any], groups: list[str]) -> None:
    """One hop to the event loop for the whole update: every group is sent to at once, in that one call.

    On a request's (or a socket's) database thread the update is handed to the server's event loop and the
    thread goes on: the answer to the request no longer waits for the channel layer's round trips (Redis) and
    for a loop busy with other sockets, about a quarter of a CTI event's time in the server on a loaded machine
    (bench/bench_cti_steps.py, issue 25). The update still leaves only after the commit, in the order this
    process hands them over; a console re-reads what an update names, so one arriving a moment later shows the
    same. Elsewhere (the worker, a command, a test's thread) it is sent before this returns."""
    loop = _server_loop()
    if loop is not None:
        asyncio.run_coroutine_threadsafe(_send_all(layer, message, groups), loop).add_done_callback(_logged)
        return
    own = _own_loop
    if own is not None and own.is_running():
        try:
            asyncio.run_coroutine_threadsafe(_send_all(layer, message, groups), own).result(SEND_TIMEOUT_SECONDS)
        except Exception:  # a live update must never break the action that caused it
            log.exception("live update failed")
        return
    from asgiref.sync import async_to_sync

    try:
        async_to_sync(_send_all)(layer, message, groups)
    except Exception:  # a live update must never break the action that caused it
        log.exception("live update failed")


# A process that sends many updates outside a server (the worker: each deadline fired) keeps one event loop for
# them, so each update is not a new loop (asgiref's async_to_sync) and a new connection to Redis (the channel
# layer's connections belong to the loop that opened them). None: each update runs its own loop.
_own_loop: asyncio.AbstractEventLoop | None = None
_own_loop_lock = threading.Lock()
SEND_TIMEOUT_SECONDS = 10.0


def keep_own_loop() -> None:
    """From now on, updates sent outside a server go through one event loop of this process's, on a thread of
    its own (daemon: it ends with the process); still sent before :func:`_send` returns, as before."""
    global _own_loop
    with _own_loop_lock:
        if _own_loop is not None and _own_loop.is_running():
            return
        loop = asyncio.new_event_loop()
        threading.Thread(target=loop.run_forever, name="atiende-live-updates", daemon=True).start()
        _own_loop = loop


def _server_loop() -> asyncio.AbstractEventLoop | None:
    """The server's event loop when this thread runs sync code for it (asgiref's sync_to_async), else None."""
    from asgiref.sync import SyncToAsync

    local = SyncToAsync.threadlocal
    loop: asyncio.AbstractEventLoop | None = getattr(local, "main_event_loop", None)
    if loop is None or getattr(local, "main_event_loop_pid", None) != os.getpid() or loop.is_closed():
        return None
    return loop


def _logged(future: concurrent.futures.Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("live update failed", exc_info=future.exception())


async def _send_all(layer: Any, message: dict[str, Any], groups: list[str]) -> None:
    results = await asyncio.gather(*(layer.group_send(g, message) for g in groups), return_exceptions=True)
    for group, result in zip(groups, results, strict=True):
        if isinstance(result, BaseException):  # one group failing does not keep the others from their update
            log.error("live update to %s failed", group, exc_info=result)
