"""The simulated world: callers, technicians' consoles, the agenda of what happens next, and every
request the PBX, the consoles and the supervisor send (counted for the report)."""

from __future__ import annotations

import heapq
import itertools
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from atiende.engine import ContactState
from atiende.simulator.scenario import API, CTI_EVENTS, Scenario
from atiende.simulator.transport import Answer, Transport


@dataclass
class Caller:
    call_id: str
    difficult: bool
    handle: float
    patience: float
    seq: int = 0
    contact_id: int | None = None

@dataclass
class Technician:
    id: int
    username: str
    token: str
    status: str = "offline"  # what the console shows: available, ringing, talking, wrap_up, paused
    call: int | None = None

class Clock(Protocol):
    def now(self) -> datetime: ...

@dataclass
class Simulation:
    scenario: Scenario
    api: Transport
    clock: Clock
    rng: random.Random
    pbx_token: str = ""
    board_token: str = ""  # what the PBX reads with (the board, a call); empty: the pbx_token
    supervisor_token: str = ""
    run_id: str = ""
    technicians: dict[int, Technician] = field(default_factory=dict)
    agenda: list[tuple[datetime, int, str, dict[str, Any]]] = field(default_factory=list)
    callers: dict[int, Caller] = field(default_factory=dict)
    known: dict[int, str] = field(default_factory=dict)  # contact -> state, as last answered
    assignee: dict[int, int | None] = field(default_factory=dict)
    stale: set[int] = field(default_factory=set)  # contacts a deadline may have changed since
    look: bool = False  # something may have freed a technician or re-routed a call: consoles re-read
    requests: Counter[tuple[str, int]] = field(default_factory=Counter)
    refusals: Counter[str] = field(default_factory=Counter)
    errors: Counter[tuple[int, str, str]] = field(default_factory=Counter)
    retries: Counter[str] = field(default_factory=Counter)
    retry_rng: random.Random = field(default_factory=random.Random)
    cti_events: int = 0  # distinct events the PBX posted (retries not counted)
    cti_refused: int = 0
    poll_every: float = 0.0  # remote mode: the PBX re-reads the board every so many seconds
    # In-process the IVR tags each call with the simulation's skill: in a database with other
    # technicians (--in-place), only the simulated ones are rung for it.
    call_skills: list[str] = field(default_factory=list)
    issued: list[Any] = field(default_factory=list)  # the run's API tokens, revoked at the end
    _seq: Iterator[int] = field(default_factory=itertools.count)

    def at(self, when: datetime, kind: str, **data: Any) -> None:
        heapq.heappush(self.agenda, (when, next(self._seq), kind, data))

    def later(self, seconds: float, kind: str, **data: Any) -> None:
        self.at(self.clock.now() + timedelta(seconds=seconds), kind, **data)

    # ---- requests ---------------------------------------------------------------

    def send(self, side: str, method: str, path: str, token: str, body: dict[str, Any] | None = None) -> Answer:
        answer = self.api.call(method, path, token, body)
        self.requests[(side, answer.status)] += 1
        if answer.ok:
            self._learn(answer.body)
        else:
            err = answer.error
            self.refusals[str(err.get("rule") or err.get("code") or answer.status)] += 1
            self.errors[(answer.status, str(err.get("code", "")), str(err.get("rule") or ""))] += 1
        return answer

    def pbx(self, caller: Caller, kind: str, **fields: Any) -> Answer:
        caller.seq += 1
        body = {"id": f"{caller.call_id}-{caller.seq}", "type": kind, "call_id": caller.call_id, **fields}
        answer = self.send("pbx", "POST", CTI_EVENTS, self.pbx_token, body)
        self.cti_events += 1
        self.cti_refused += not answer.ok
        if answer.status and self.retry_rng.random() < self.scenario.retry_share:
            # The PBX did not hear the answer in time and sends the very same event again.
            again = self.api.call("POST", CTI_EVENTS, self.pbx_token, body)
            self.requests[("pbx", again.status)] += 1
            self.retries["sent"] += 1
            self.retries["same_answer" if (again.status, again.body) == (answer.status, answer.body)
                         else "different_answer"] += 1
        if not answer.ok and caller.contact_id is not None:
            self.stale.add(caller.contact_id)
        return answer

    def console(self, tech: Technician, method: str, path: str, body: dict[str, Any] | None = None,
                contact_id: int | None = None) -> Answer:
        answer = self.send("technicians", method, f"{API}/contacts{path}", tech.token, body)
        if not answer.ok and contact_id is not None:
            self.stale.add(contact_id)
        return answer

    def supervisor(self, method: str, path: str, body: dict[str, Any] | None = None) -> Answer:
        return self.send("supervisor", method, f"{API}/contacts{path}", self.supervisor_token, body)

    def _learn(self, body: Any) -> None:
        """Keep what the answers said about each call (CTI answers and contact views alike)."""
        items = body if isinstance(body, list) else [body]
        for item in items:
            if not isinstance(item, dict) or "state" not in item:
                continue
            if "contact" in item:  # a CTI answer
                contact_id = item["contact"]
                who = item.get("technician") or {}
                if item.get("action") not in ("ring", "queue"):
                    self.assignee[contact_id] = who.get("id")
            elif "offered_to" in item:  # a contact view
                contact_id = item["id"]
                self.assignee[contact_id] = item.get("assignee")
            else:
                continue
            self.known[contact_id] = item["state"]
            self.stale.discard(contact_id)

    # ---- what a console or the PBX knows before acting ---------------------------

    def state(self, contact_id: int, token: str | None = None, side: str = "pbx") -> str:
        """The call's state; re-read first if a deadline may have changed it (a websocket notice)."""
        if contact_id in self.stale or self.poll_every:
            self.send(side, "GET", f"{API}/contacts/{contact_id}", token or self.board_token or self.pbx_token)
            self.stale.discard(contact_id)
        return self.known.get(contact_id, "")

    def tech(self, user_id: int | None) -> Technician | None:
        return self.technicians.get(user_id) if user_id is not None else None

    def free(self, tech: Technician) -> None:
        tech.status, tech.call = "available", None
        self.look = True

    def read_consoles(self) -> None:
        """Available technicians' consoles re-read their list; a call ringing there gets answered.

        Only a waiting call can start ringing: with none of ours waiting (as far as the
        answers said, or since a deadline touched it) there is nothing new to see.
        """
        self.look = False
        if not any(state == ContactState.WAITING or (state == ContactState.OFFERED and contact_id in self.stale)
                   for contact_id, state in self.known.items()):
            return
        for tech in sorted(self.technicians.values(), key=lambda t: t.id):
            if tech.status == "available":
                self.read_console(tech)

    def read_console(self, tech: Technician) -> bool:
        answer = self.console(tech, "GET", "")
        if not answer.ok or not isinstance(answer.body, list):
            return False
        for item in answer.body:
            if item.get("state") == ContactState.OFFERED and item.get("offered_to") == tech.id:
                ring(self, tech, item["id"], via="console")
                return True
        return False

def ring(sim: Simulation, tech: Technician, contact_id: int, *, via: str) -> None:
    """A call rings at this technician, who picks up a few seconds later."""
    tech.status, tech.call = "ringing", contact_id
    sim.later(sim.rng.uniform(2, 8), "answer", contact_id=contact_id, technician_id=tech.id, via=via)
