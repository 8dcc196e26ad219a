"""A simulation against a running server (``atiende simulate --url``), over real HTTP in real time, as
its PBX alone: the server's own technicians take the calls in their consoles and its worker fires the
timers; the report is read back through the API."""

from __future__ import annotations

import heapq
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from atiende.engine import IN_CONVERSATION, ContactState, TechnicianStatus
from atiende.simulator.actions import (
    arrive,
    give_up,
    plan_the_conversation,
    resume,
    schedule_arrivals,
)
from atiende.simulator.report import summarise
from atiende.simulator.scenario import API, LIVE, Scenario
from atiende.simulator.transport import Answer, HttpApi
from atiende.simulator.world import Simulation, Technician, ring


class WallClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

def run_remote(scenario: Scenario, *, url: str, token: str, poll_seconds: float = 2.0,
               settle_minutes: float = 30, sleep: Callable[[float], None] = time.sleep) -> dict[str, Any]:
    """Drive a running server as its PBX, in real time, with one token; return the report.

    Creates nothing on the server but the calls: the queue must exist and the
    server's own technicians, available in their consoles, take the calls.
    Only the PBX's events are sent (the consoles belong to the people at them);
    calls are found ringing by reading the live board (``GET /api/v1/contacts``,
    so the token's user must be a supervisor or an administrator), and the
    server's worker fires the timers (wrap-up, TR-5, PO-1/PO-2 alerts).
    After the last arrival it waits up to ``settle_minutes`` for the calls to end.
    """
    wall = time.perf_counter()
    clock = WallClock()
    sim = Simulation(scenario, HttpApi(url), clock, random.Random(scenario.seed),
                     retry_rng=random.Random(scenario.seed + 1), pbx_token=token, poll_every=poll_seconds)
    sim.run_id = f"sim-{scenario.seed}-{secrets.token_hex(3)}"
    probe = sim.send("pbx", "GET", f"{API}/contacts/technicians", token)
    if not probe.ok or not isinstance(probe.body, list):
        raise RemoteSetupError(probe)
    queues = sim.send("pbx", "GET", f"{API}/contacts/queues", token)
    if scenario.queue and queues.ok and scenario.queue not in {q.get("name") for q in queues.body}:
        raise RemoteSetupError(Answer(404, {"error": {
            "code": "unknown_queue", "message": f"the server has no queue named {scenario.queue}"}}))
    for row in probe.body:
        if row.get("status") == TechnicianStatus.AVAILABLE:
            sim.technicians[row["user"]] = Technician(row["user"], row["username"], "", status="board")
    # CH-TEL: without a queue every call is refused, without an available technician none is answered;
    # say so now rather than after the whole run with a report of zeros.
    missing = [code for code, lacking in (("no_queue", queues.ok and not queues.body),
                                          ("no_available_technician", not sim.technicians)) if lacking]
    if missing:
        raise ServerNotReady(missing)
    sim.scenario = replace(scenario, technicians=len(sim.technicians))  # the server's, not ours
    start = clock.now()
    schedule_arrivals(sim, start)
    stop = start + timedelta(minutes=scenario.minutes + settle_minutes)
    next_look = start
    while clock.now() < stop:
        now = clock.now()
        if now >= next_look:
            _read_board(sim)
            next_look = now + timedelta(seconds=poll_seconds)
        if sim.agenda and sim.agenda[0][0] <= now:
            _when, _seq, kind, data = heapq.heappop(sim.agenda)
            REMOTE_ACTIONS.get(kind, _nothing)(sim, **data)
            continue
        arriving = any(kind == "arrive" for _when, _seq, kind, _data in sim.agenda)
        if not arriving and all(sim.known.get(c) not in LIVE for c in sim.callers):
            break  # every call ended (the board no longer lists them); what is left to do is moot
        upcoming = min([next_look, stop] + ([sim.agenda[0][0]] if sim.agenda else []))
        sleep(max(0.0, min(1.0, (upcoming - clock.now()).total_seconds())))
    report = _remote_report(sim)
    report["wall_seconds"] = round(time.perf_counter() - wall, 2)
    return report

class ServerNotReady(Exception):
    """The server cannot take simulated calls yet; ``missing`` names what (no_queue, no_available_technician)."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(", ".join(missing))
        self.missing = missing

class RemoteSetupError(Exception):
    def __init__(self, answer: Answer) -> None:
        super().__init__(answer.error.get("message") or f"HTTP {answer.status}")
        self.answer = answer

def _nothing(sim: Simulation, **_data: Any) -> None:
    return None

def _read_board(sim: Simulation) -> None:
    """The PBX learns of rings from the live board (in place of the webhook) and rings those phones."""
    answer = sim.send("pbx", "GET", f"{API}/contacts", sim.board_token or sim.pbx_token)
    if not answer.ok or not isinstance(answer.body, list):
        return
    for item in answer.body:
        contact_id = item.get("id")
        if contact_id not in sim.callers or item.get("state") != ContactState.OFFERED:
            continue
        tech = sim.technicians.setdefault(item["offered_to"], Technician(item["offered_to"], "", ""))
        if tech.status != "ringing" or tech.call != contact_id:
            ring(sim, tech, contact_id, via="phone")
    listed = {item.get("id") for item in answer.body}
    for contact_id in sim.callers:
        if contact_id not in listed and sim.known.get(contact_id) in LIVE:
            sim.known[contact_id] = ContactState.ENDED  # gone from the live board

def _remote_answer(sim: Simulation, *, contact_id: int, technician_id: int, via: str) -> None:
    tech = sim.technicians[technician_id]
    if tech.status != "ringing" or tech.call != contact_id or sim.state(contact_id) != ContactState.OFFERED:
        tech.status = "board"
        return
    answer = sim.pbx(sim.callers[contact_id], "answered", technician=tech.username or None)
    tech.status = "board"
    if not answer.ok:
        return
    plan_the_conversation(sim, contact_id, escalations=False)  # a PBX alone cannot escalate

def _remote_hold(sim: Simulation, *, contact_id: int) -> None:
    if sim.state(contact_id) not in (ContactState.TALKING, ContactState.ESCALATED):
        return
    caller = sim.callers[contact_id]
    consent = sim.rng.random() < 0.95
    if sim.pbx(caller, "hold", reason="Consulto la documentación", customer_consent=consent,
               expected_minutes=2).ok:
        factor = sim.rng.uniform(0.8, 1.8) if caller.difficult else sim.rng.uniform(0.4, 1.1)
        sim.later(120 * factor, "resume", contact_id=contact_id, via="phone")

def _remote_transfer(sim: Simulation, *, contact_id: int) -> None:
    """To another technician on the board; the receiver accepts in their own console (or TR-5 returns it)."""
    me = sim.assignee.get(contact_id)
    others = sorted(t for t, tech in sim.technicians.items() if t != me and tech.username)
    if not others or sim.state(contact_id) not in (ContactState.TALKING, ContactState.ESCALATED):
        return
    target = sim.technicians[sim.rng.choice(others)]
    sim.pbx(sim.callers[contact_id], "transfer", purpose="Lo atiende un especialista", customer_consent=True,
            to_technician=target.username)

def _remote_hang_up(sim: Simulation, *, contact_id: int) -> None:
    if sim.state(contact_id) in IN_CONVERSATION:
        sim.pbx(sim.callers[contact_id], "hangup", cause="normal")  # the server's worker ends the wrap-up

REMOTE_ACTIONS: dict[str, Callable[..., None]] = {
    "arrive": arrive, "give_up": give_up, "answer": _remote_answer, "hold": _remote_hold, "resume": resume,
    "transfer": _remote_transfer, "hang_up": _remote_hang_up,
}

def _remote_report(sim: Simulation) -> dict[str, Any]:
    """Read back each call's stored history and alerts through the API."""
    events: list[tuple[str, dict[str, Any]]] = []
    alerts: list[tuple[str, str]] = []
    for contact_id in sorted(sim.callers):
        history = sim.send("pbx", "GET", f"{API}/contacts/{contact_id}/events", sim.board_token or sim.pbx_token)
        if history.ok:
            events += [(e["kind"], e.get("data") or {}) for e in history.body]
        view = sim.send("pbx", "GET", f"{API}/contacts/{contact_id}", sim.board_token or sim.pbx_token)
        if view.ok:
            alerts += [(a["rule"], a["level"]) for a in view.body.get("alerts", [])]
    names = {t.id: t.username for t in sim.technicians.values() if t.username}
    return summarise(sim, events, alerts, names)
