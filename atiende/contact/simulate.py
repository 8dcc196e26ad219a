"""Built-in traffic generator: a simulated PBX and simulated consoles driving Atiende through its API.

Everything the simulated world does reaches Atiende the way it would in a
deployment, as HTTP requests to the public API with a bearer token:

* **The PBX** (a telephony user with a CTI token) posts ``POST /api/v1/cti/events``,
  each event with its own idempotency id: ``new_call`` when a caller dials in,
  ``answered`` when the phone it was told to ring is picked up, ``hold`` and
  ``resumed`` and ``transfer`` when the technician uses the phone's keys (the
  softphone form passes the reason, the consent and the minutes), and ``hangup``
  when the caller gives up waiting (``caller_hangup``) or the conversation ends.
  A small share of events is sent twice, as a PBX retries after a timeout; the
  stored answer must come back unchanged.
* **Each technician's console** (that technician's own API token) calls
  ``/api/v1/contacts/...``: becomes available at the start of the shift, reads
  its list when something may have changed (what the console does on a
  websocket notice), answers calls found ringing there, puts calls on hold and
  transfers from the console's forms, accepts or declines transfers, escalates
  to a supervisor, finishes the wrap-up, takes short breaks (pause with a reason).
* **The supervisor's console** joins or coaches escalated calls.

Accelerated time: in this process the services read a :class:`ManualClock`
that jumps from one happening to the next (an arrival, someone's action, a
stored deadline falling due); due deadlines fire through the worker's own
code (:func:`contact_deadlines.run_due_deadlines`). The requests go through Django's
test client: full middleware, URL routing, authentication and error handlers,
so what the API answers is what a PBX would get. A refused request (a 409
citing a rule, a 404...) is counted, never fatal. The report is read back from
what was stored (events and alerts), plus the count of API answers by status.

Callers arrive as a Poisson process; handle times follow a gamma distribution
around the mean; a share of callers are "difficult" (CT: talkative, angry,
knowledgeable...): longer calls, more holds that overrun the announced time
(HO-5), more transfers and escalations (PO-5), some ask for level 2 (CT-ENT).
Callers who wait past their patience hang up (abandonment).

:func:`run_remote` drives a running server over real HTTP in real time with
one token, as the PBX alone (see docs/cti.md, "Simulated traffic").
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import os
import random
import secrets
import statistics
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from atiende.engine import DEFAULT_POLICY, IN_CONVERSATION, OPEN_STATES, UNANSWERED, ManualClock

API = "/api/v1"
CTI_EVENTS = f"{API}/cti/events"
LIVE = OPEN_STATES  # the engine's states, as the API reports them
SKILL = "simulacion"


@dataclass(frozen=True)
class Scenario:
    minutes: float = 60
    calls_per_hour: float = 120
    technicians: int = 8
    tier2_share: float = 0.25
    handle_seconds: float = 300
    difficult_share: float = 0.2
    patience_seconds: float = 240
    seed: int = 1
    queue: str = "simulacion"
    phone_share: float = 0.5  # holds and transfers made with the phone's keys (CTI) rather than the console
    break_share: float = 0.05  # after a call, a technician takes a short break (pause with a reason)
    retry_share: float = 0.02  # PBX events sent twice, as after a timeout (idempotency)


# ---- talking to the API ------------------------------------------------------------

@dataclass(frozen=True)
class Answer:
    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def error(self) -> dict[str, Any]:
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            return self.body["error"]
        return {}


class Transport(Protocol):
    def call(self, method: str, path: str, token: str, body: dict[str, Any] | None = None) -> Answer: ...


class InProcessApi:
    """The API through Django's test client: the real middleware, routing, auth and error handlers."""

    def __init__(self) -> None:
        from django.conf import settings
        from django.test import Client

        hosts = [h.lstrip(".") for h in settings.ALLOWED_HOSTS if h and h != "*"]
        host = "testserver" if "testserver" in hosts or not hosts else hosts[0]
        # secure: a production setting that redirects plain HTTP to HTTPS must not answer 301 here.
        self.client = Client(raise_request_exception=False, HTTP_HOST=host, secure=True)

    def call(self, method: str, path: str, token: str, body: dict[str, Any] | None = None) -> Answer:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_ACCEPT_LANGUAGE": "en"}
        if method == "GET":
            response = self.client.get(path, **headers)  # type: ignore[arg-type]
        else:
            response = self.client.generic(method, path, json.dumps(body or {}), content_type="application/json",
                                           **headers)  # type: ignore[arg-type]
        return Answer(response.status_code, _decode(response.content))


class HttpApi:
    """The API of a running server, over real HTTP."""

    def __init__(self, base_url: str, timeout: float = 10) -> None:
        self.base = base_url.rstrip("/")
        self.timeout = timeout

    def call(self, method: str, path: str, token: str, body: dict[str, Any] | None = None) -> Answer:
        data = None if method == "GET" else json.dumps(body or {}).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method, headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json", "Accept-Language": "en"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return Answer(response.status, _decode(response.read()))
        except urllib.error.HTTPError as exc:
            return Answer(exc.code, _decode(exc.read()))
        except OSError as exc:  # refused, timed out: a PBX logs it and carries on
            return Answer(0, {"error": {"code": "unreachable", "message": str(exc), "rule": None}})


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"null")
    except ValueError:
        return {"error": {"code": "not_json", "message": raw[:200].decode(errors="replace"), "rule": None}}


# ---- the simulated world -------------------------------------------------------------

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
        if not any(state == "waiting" or (state == "offered" and contact_id in self.stale)
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
            if item.get("state") == "offered" and item.get("offered_to") == tech.id:
                ring(self, tech, item["id"], via="console")
                return True
        return False


def ring(sim: Simulation, tech: Technician, contact_id: int, *, via: str) -> None:
    """A call rings at this technician, who picks up a few seconds later."""
    tech.status, tech.call = "ringing", contact_id
    sim.later(sim.rng.uniform(2, 8), "answer", contact_id=contact_id, technician_id=tech.id, via=via)


# ---- running it -----------------------------------------------------------------------

def run(scenario: Scenario, *, start: datetime | None = None) -> dict[str, Any]:
    """Simulate the scenario in this process, in accelerated time, through the API; return the report."""
    from atiende.contact import clock as contact_clock

    if not scenario.queue:
        scenario = replace(scenario, queue="simulacion")
    wall = time.perf_counter()
    clock = ManualClock(start.replace(microsecond=0) if start else None)
    previous = contact_clock.set_clock(clock)
    sim: Simulation | None = None
    # Refused requests are counted in the report; Django's per-request warnings would only repeat them.
    request_log = logging.getLogger("django.request")
    log_level = request_log.level
    request_log.setLevel(logging.ERROR)
    # Simulated calls must never ring real phones: no webhook decisions are stored or sent meanwhile.
    webhook = os.environ.pop("ATIENDE_WEBHOOK_URL", None)
    try:
        sim = Simulation(scenario, InProcessApi(), clock, random.Random(scenario.seed),
                         retry_rng=random.Random(scenario.seed + 1), call_skills=[SKILL])
        sim.run_id = f"sim-{scenario.seed}-{secrets.token_hex(3)}"
        _prepare(sim)
        _schedule_arrivals(sim, clock.now())
        end = clock.now() + timedelta(minutes=scenario.minutes)
        _loop(sim, clock, until=end + timedelta(minutes=30))  # let the last calls finish
        report = _report(sim)
    finally:
        contact_clock.set_clock(previous)
        request_log.setLevel(log_level)
        if webhook is not None:
            os.environ["ATIENDE_WEBHOOK_URL"] = webhook
        for token in sim.issued if sim else ():
            token.revoke()  # the simulation's tokens served their purpose
    report["wall_seconds"] = round(time.perf_counter() - wall, 2)
    return report


def _prepare(sim: Simulation) -> None:
    """Users and tokens are set up directly (as an administrator would); the rest goes through the API."""
    from atiende.contact.models import TechnicianState, TechnicianStatus
    from atiende.people.models import ApiToken, Role, User

    s = sim.scenario
    tokens = sim.issued
    pbx_user, _created = User.objects.get_or_create(
        username="sim-centralita", defaults={"role": Role.ADMINISTRATOR, "first_name": "Centralita simulada"})
    token, sim.pbx_token = ApiToken.issue(pbx_user, name=sim.run_id, kind=ApiToken.Kind.CTI, days=1)
    tokens.append(token)
    # A telephony token sends call events only: setting up the queue and reading calls take an API token.
    token, sim.board_token = ApiToken.issue(pbx_user, name=f"{sim.run_id}-tablero", days=1)
    tokens.append(token)
    supervisor, _created = User.objects.get_or_create(
        username="sim-supervisora", defaults={"role": Role.SUPERVISOR, "tier": 2})
    token, sim.supervisor_token = ApiToken.issue(supervisor, name=sim.run_id, days=1)
    tokens.append(token)
    # Setting up the queue goes through the API too, but is not traffic: not counted in the report.
    queues = sim.api.call("GET", f"{API}/contacts/queues", sim.board_token)
    if not queues.ok or s.queue not in {q.get("name") for q in queues.body}:  # an existing queue stays as it is
        answer = sim.api.call("PUT", f"{API}/contacts/queues/{s.queue}", sim.board_token,
                              {"label": "Simulación", "tiers": [1, 2], "skills": [], "policy": {}})
        if not answer.ok:
            raise RuntimeError(f"the simulation queue could not be set up: {answer.status} {answer.body}")
    tier2 = max(1, round(s.technicians * s.tier2_share)) if s.technicians > 1 else 0
    for i in range(s.technicians):
        tier = 2 if i < tier2 else 1
        user, _created = User.objects.update_or_create(
            username=f"sim-tec-{i + 1:02d}", defaults={"role": Role.TECHNICIAN, "tier": tier, "skills": [SKILL]},
            create_defaults={"role": Role.TECHNICIAN, "tier": tier, "skills": [SKILL], "first_name": f"Técnico {i + 1}"})
        # A fresh shift: signed out, no calls today, serving only the simulation's queue.
        TechnicianState.objects.update_or_create(user=user, defaults={
            "status": TechnicianStatus.OFFLINE, "idle_since": None, "calls_today": 0, "pause_reason": "", "queues": [s.queue]})
        token, raw = ApiToken.issue(user, name=sim.run_id, days=1)
        tokens.append(token)
        sim.technicians[user.pk] = Technician(user.pk, user.username, raw)
    for tech in sim.technicians.values():
        sign_in(sim, technician_id=tech.id)


def _schedule_arrivals(sim: Simulation, start: datetime) -> None:
    s = sim.scenario
    rate = s.calls_per_hour / 3600
    t = 0.0
    horizon = s.minutes * 60
    n = 0
    while rate > 0:
        t += sim.rng.expovariate(rate)
        if t >= horizon:
            break
        n += 1
        difficult = sim.rng.random() < s.difficult_share
        mean = s.handle_seconds * (1.6 if difficult else 1.0)
        caller = Caller(f"{sim.run_id}-{n:05d}", difficult, sim.rng.gammavariate(2.0, mean / 2),
                        sim.rng.expovariate(1 / s.patience_seconds))
        sim.at(start + timedelta(seconds=t), "arrive", caller=caller)


def _loop(sim: Simulation, clock: ManualClock, *, until: datetime) -> None:
    from atiende.contact.models import Deadline
    from atiende.contact.services import deadlines as contact_deadlines

    while True:
        mine = Deadline.objects.filter(fired_at__isnull=True, contact_id__in=list(sim.callers))
        next_deadline = mine.order_by("due_at").values_list("due_at", flat=True).first()
        next_action = sim.agenda[0][0] if sim.agenda else None
        if next_action is None and next_deadline is None:
            return
        if next_deadline is not None and (next_action is None or next_deadline <= next_action):
            if next_deadline > until:
                return
            clock.set(max(clock.now(), next_deadline))
            # The worker's own code fires them; the calls it touched must be re-read before anyone acts.
            sim.stale.update(mine.filter(due_at__lte=clock.now()).values_list("contact_id", flat=True))
            sim.look = True
            if not contact_deadlines.run_due_deadlines(worker="simulator"):
                clock.advance(1)  # leased elsewhere or no longer relevant: step past it rather than spin
        else:
            if next_action is None or next_action > until:
                return
            when, _seq, kind, data = heapq.heappop(sim.agenda)
            clock.set(max(clock.now(), when))
            ACTIONS[kind](sim, **data)
        if sim.look:
            sim.read_consoles()


# ---- what callers, the PBX and technicians do ---------------------------------------

def _arrive(sim: Simulation, *, caller: Caller) -> None:
    knowledgeable = caller.difficult and sim.rng.random() < 0.3  # CT-ENT asks for level 2
    number = f"+34 6{sim.rng.randrange(10**8):08d}"
    answer = sim.pbx(caller, "new_call", queue=sim.scenario.queue or None, to="900100200",
                     level2_requested=knowledgeable, skills=sim.call_skills, **{"from": number})
    if not answer.ok:
        return  # refused: the PBX plays its fallback message; counted in the report
    contact_id = answer.body["contact"]
    caller.contact_id = contact_id
    sim.callers[contact_id] = caller
    tech = sim.tech((answer.body.get("technician") or {}).get("id"))
    if answer.body.get("action") == "ring" and tech is not None:
        ring(sim, tech, contact_id, via="phone")
    sim.later(caller.patience, "give_up", contact_id=contact_id)


def _give_up(sim: Simulation, *, contact_id: int) -> None:
    if sim.state(contact_id) not in UNANSWERED:
        return
    if sim.pbx(sim.callers[contact_id], "hangup", cause="caller_hangup").ok:
        for tech in sim.technicians.values():
            if tech.status == "ringing" and tech.call == contact_id:
                sim.free(tech)


def _answer(sim: Simulation, *, contact_id: int, technician_id: int, via: str) -> None:
    tech = sim.technicians[technician_id]
    if tech.status != "ringing" or tech.call != contact_id:
        return
    if sim.state(contact_id) != "offered":  # the caller hung up meanwhile
        sim.free(tech)
        return
    if via == "phone":  # picked up the handset: the PBX reports it
        answer = sim.pbx(sim.callers[contact_id], "answered", technician=tech.username)
    else:
        answer = sim.console(tech, "POST", f"/{contact_id}/answer", contact_id=contact_id)
    if not answer.ok:
        sim.free(tech)
        return
    tech.status = "talking"
    _plan_the_conversation(sim, contact_id, escalations=True)


def _plan_the_conversation(sim: Simulation, contact_id: int, *, escalations: bool) -> None:
    """What the answered caller will need, and when they hang up: difficult callers hold, transfer and escalate more."""
    caller = sim.callers[contact_id]
    rng = sim.rng
    if rng.random() < (0.6 if caller.difficult else 0.2):
        sim.later(caller.handle * rng.uniform(0.2, 0.5), "hold", contact_id=contact_id)
    if rng.random() < (0.25 if caller.difficult else 0.05):
        sim.later(caller.handle * rng.uniform(0.5, 0.7), "transfer", contact_id=contact_id)
    if escalations and caller.difficult and rng.random() < 0.15:
        sim.later(caller.handle * rng.uniform(0.1, 0.3), "escalate", contact_id=contact_id)
    sim.later(caller.handle, "hang_up", contact_id=contact_id)


def _holder(sim: Simulation, contact_id: int) -> Technician | None:
    return sim.tech(sim.assignee.get(contact_id))


def _hold(sim: Simulation, *, contact_id: int) -> None:
    holder = _holder(sim, contact_id)
    if holder is None or sim.state(contact_id) not in ("talking", "escalated"):
        return
    caller = sim.callers[contact_id]
    consent = sim.rng.random() < 0.95  # now and then the technician skips the question (HO-3 refuses)
    minutes = 2
    fields = {"reason": "Consulto la documentación", "customer_consent": consent, "expected_minutes": minutes}
    via = "phone" if sim.rng.random() < sim.scenario.phone_share else "console"
    if via == "phone":
        answer = sim.pbx(caller, "hold", **fields)
    else:
        answer = sim.console(holder, "POST", f"/{contact_id}/hold", fields, contact_id=contact_id)
    if answer.ok:
        # Difficult problems take longer than announced more often (HO-5).
        factor = sim.rng.uniform(0.8, 1.8) if caller.difficult else sim.rng.uniform(0.4, 1.1)
        sim.later(minutes * 60 * factor, "resume", contact_id=contact_id, via=via)


def _resume(sim: Simulation, *, contact_id: int, via: str) -> None:
    holder = _holder(sim, contact_id)
    if sim.state(contact_id) != "on_hold":
        return
    if via == "phone" or holder is None:
        sim.pbx(sim.callers[contact_id], "resumed")
    else:
        sim.console(holder, "POST", f"/{contact_id}/resume", contact_id=contact_id)


def _transfer(sim: Simulation, *, contact_id: int) -> None:
    me = _holder(sim, contact_id)
    if me is None or sim.state(contact_id) not in ("talking", "escalated"):
        return
    free = [t for t in sorted(sim.technicians.values(), key=lambda t: t.id) if t.status == "available" and t is not me]
    if not free:
        return
    target = sim.rng.choice(free)
    purpose = "Lo atiende un especialista"
    if sim.rng.random() < sim.scenario.phone_share:
        answer = sim.pbx(sim.callers[contact_id], "transfer", purpose=purpose, customer_consent=True,
                         to_technician=target.username)
    else:
        answer = sim.console(me, "POST", f"/{contact_id}/transfer", {
            "purpose": purpose, "customer_consent": True, "to_technician": target.id}, contact_id=contact_id)
    if not answer.ok:
        return
    roll = sim.rng.random()
    if roll < 0.7:
        sim.later(sim.rng.uniform(5, 40), "accept", contact_id=contact_id, technician_id=target.id)
    elif roll < 0.9:
        sim.later(sim.rng.uniform(5, 30), "decline", contact_id=contact_id, technician_id=target.id)
    # otherwise nobody answers: TR-5 returns the call when the timeout fires


def _accept(sim: Simulation, *, contact_id: int, technician_id: int) -> None:
    tech = sim.technicians[technician_id]
    if sim.state(contact_id, tech.token, "technicians") != "transfer_pending":
        return
    before = _holder(sim, contact_id)
    if sim.console(tech, "POST", f"/{contact_id}/transfer/accept", contact_id=contact_id).ok:
        tech.status, tech.call = "talking", contact_id
        if before is not None and before is not tech:
            sim.free(before)


def _decline(sim: Simulation, *, contact_id: int, technician_id: int) -> None:
    tech = sim.technicians[technician_id]
    if sim.state(contact_id, tech.token, "technicians") == "transfer_pending":
        sim.console(tech, "POST", f"/{contact_id}/transfer/decline", contact_id=contact_id)


def _escalate(sim: Simulation, *, contact_id: int) -> None:
    me = _holder(sim, contact_id)
    if me is None or sim.state(contact_id) not in ("talking", "on_hold", "transfer_pending"):
        return
    if sim.console(me, "POST", f"/{contact_id}/escalate", {"reason": "Cliente difícil"}, contact_id=contact_id).ok:
        sim.later(sim.rng.uniform(15, 60), "supervise", contact_id=contact_id)


def _supervise(sim: Simulation, *, contact_id: int) -> None:
    if sim.state(contact_id, sim.supervisor_token, "supervisor") == "escalated":
        sim.supervisor("POST", f"/{contact_id}/supervise", {"mode": sim.rng.choice(["join", "coach"])})


def _hang_up(sim: Simulation, *, contact_id: int) -> None:
    if sim.state(contact_id) not in IN_CONVERSATION:
        return
    holder = _holder(sim, contact_id) or next((t for t in sim.technicians.values() if t.call == contact_id), None)
    if sim.pbx(sim.callers[contact_id], "hangup", cause="normal").ok and holder is not None:
        holder.status, holder.call = "wrap_up", contact_id
        sim.later(sim.rng.uniform(5, 25), "wrap_up", contact_id=contact_id, technician_id=holder.id)


def _wrap_up(sim: Simulation, *, contact_id: int, technician_id: int) -> None:
    tech = sim.technicians[technician_id]
    if sim.state(contact_id, tech.token, "technicians") == "wrap_up":
        sim.console(tech, "POST", f"/{contact_id}/wrap-up", contact_id=contact_id)
    sim.free(tech)
    # Finishing the wrap-up routes the next waiting call at once: the console shows it ringing.
    if sim.read_console(tech) or sim.rng.random() >= sim.scenario.break_share:
        return
    if sim.console(tech, "POST", "/technicians/me/pause", {"reason": "Descanso breve"}).ok:
        tech.status = "paused"
        sim.later(sim.rng.uniform(120, 300), "sign_in", technician_id=tech.id)


def sign_in(sim: Simulation, *, technician_id: int) -> None:
    tech = sim.technicians[technician_id]
    answer = sim.console(tech, "POST", "/technicians/me/available")
    if answer.ok:
        sim.free(tech)


ACTIONS: dict[str, Callable[..., None]] = {
    "arrive": _arrive, "give_up": _give_up, "answer": _answer, "hold": _hold, "resume": _resume,
    "transfer": _transfer, "accept": _accept, "decline": _decline, "escalate": _escalate,
    "supervise": _supervise, "hang_up": _hang_up, "wrap_up": _wrap_up, "sign_in": sign_in,
}


# ---- the report -------------------------------------------------------------------

def _report(sim: Simulation) -> dict[str, Any]:
    """Read back what was stored for the simulation's calls: their events and alerts."""
    from atiende.contact.models import Alert, ContactEvent
    from atiende.people.models import User

    ids = list(sim.callers)
    events = [(kind, data) for kind, data in ContactEvent.objects.filter(contact_id__in=ids)
              .order_by("at", "id").values_list("kind", "data")]
    alerts = list(Alert.objects.filter(contact_id__in=ids).values_list("rule", "level"))
    names = dict(User.objects.filter(pk__in=list(sim.technicians)).values_list("pk", "username"))
    return summarise(sim, events, alerts, names)


def summarise(sim: Simulation, events: list[tuple[str, dict[str, Any]]], alerts: list[tuple[str, str]],
              names: dict[int, str]) -> dict[str, Any]:
    def of(kind: str) -> list[dict[str, Any]]:
        return [data or {} for k, data in events if k == kind]

    waits = [d.get("waited_seconds", 0.0) for d in of("answered")]
    abandoned = len(of("abandoned"))
    resumed = of("resumed")
    returns = Counter(d.get("cause") for d in of("transfer_returned"))
    per_tech = Counter(d.get("technician") for d in of("answered"))
    rules = Counter(alerts)
    calls = len(sim.callers)
    answered = len(waits)
    accepted = len(of("transfer_accepted"))
    ordered = sorted(waits)
    by_status: Counter[str] = Counter()
    by_side: dict[str, Counter[str]] = {}
    for (side, status), n in sorted(sim.requests.items()):
        by_status[str(status)] += n
        by_side.setdefault(side, Counter())[str(status)] += n
    return {
        "scenario": asdict(sim.scenario),
        "run": sim.run_id,
        "calls": calls,
        "answered": answered,
        "abandoned": abandoned,
        "abandonment_rate": round(abandoned / calls, 3) if calls else 0.0,
        "difficult_callers": sum(1 for c in sim.callers.values() if c.difficult),
        "wait_seconds": {
            "mean": round(statistics.fmean(waits), 1) if waits else 0.0,
            "p90": round(ordered[int(0.9 * (len(ordered) - 1))], 1) if ordered else 0.0,
            "max": round(ordered[-1], 1) if ordered else 0.0,
            "answered_within_max_wait": round(sum(1 for w in waits if w <= DEFAULT_POLICY.max_wait_seconds) / answered, 3) if answered else 0.0,
        },
        "breaches": {
            "wait_warnings_PO2": rules[("PO-2", "warning")],
            "wait_breaches_PO2": rules[("PO-2", "breach")],
            "call_warnings_PO1": rules[("PO-1", "warning")],
            "call_breaches_PO1": rules[("PO-1", "breach")],
        },
        "holds": {
            "count": len(of("hold")),
            "overruns_HO5": sum(1 for d in resumed if d.get("overrun_seconds", 0) > 0),
            "reminders_HO5": sum(n for (rule, _level), n in rules.items() if rule == "HO-5"),
            "mean_seconds": round(statistics.fmean(d.get("held_seconds", 0.0) for d in resumed), 1)
            if resumed else 0.0,
        },
        "transfers": {
            "requested": len(of("transfer_requested")),
            "accepted": accepted,
            "declined": returns.get("declined", 0),
            "timed_out_TR5": returns.get("timeout", 0),
            "rate_TR1": round(accepted / answered, 3) if answered else 0.0,
        },
        "escalations_PO5": len(of("escalated")),
        "refusals": dict(sorted(sim.refusals.items())),
        "calls_per_technician": {names.get(k, str(k)): v for k, v in sorted(per_tech.items()) if k},
        "api": {
            "requests": sum(sim.requests.values()),
            "cti_events": sim.cti_events,
            "cti_refused": sim.cti_refused,
            "by_status": dict(sorted(by_status.items())),
            "by_side": {side: dict(sorted(c.items())) for side, c in sorted(by_side.items())},
            "errors": [{"status": status, "code": code, "rule": rule or None, "count": n}
                       for (status, code, rule), n in sorted(sim.errors.items())],
            "retries": {"sent": sim.retries["sent"], "same_answer": sim.retries["same_answer"]},
        },
    }


# ---- against a running server, in real time ---------------------------------------------

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
        if row.get("status") == "disponible":
            sim.technicians[row["user"]] = Technician(row["user"], row["username"], "", status="board")
    # CH-TEL: without a queue every call is refused, without an available technician none is answered;
    # say so now rather than after the whole run with a report of zeros.
    missing = [code for code, lacking in (("no_queue", queues.ok and not queues.body),
                                          ("no_available_technician", not sim.technicians)) if lacking]
    if missing:
        raise ServerNotReady(missing)
    sim.scenario = replace(scenario, technicians=len(sim.technicians))  # the server's, not ours
    start = clock.now()
    _schedule_arrivals(sim, start)
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
        if contact_id not in sim.callers or item.get("state") != "offered":
            continue
        tech = sim.technicians.setdefault(item["offered_to"], Technician(item["offered_to"], "", ""))
        if tech.status != "ringing" or tech.call != contact_id:
            ring(sim, tech, contact_id, via="phone")
    listed = {item.get("id") for item in answer.body}
    for contact_id in sim.callers:
        if contact_id not in listed and sim.known.get(contact_id) in LIVE:
            sim.known[contact_id] = "ended"  # gone from the live board


def _remote_answer(sim: Simulation, *, contact_id: int, technician_id: int, via: str) -> None:
    tech = sim.technicians[technician_id]
    if tech.status != "ringing" or tech.call != contact_id or sim.state(contact_id) != "offered":
        tech.status = "board"
        return
    answer = sim.pbx(sim.callers[contact_id], "answered", technician=tech.username or None)
    tech.status = "board"
    if not answer.ok:
        return
    _plan_the_conversation(sim, contact_id, escalations=False)  # a PBX alone cannot escalate


def _remote_hold(sim: Simulation, *, contact_id: int) -> None:
    if sim.state(contact_id) not in ("talking", "escalated"):
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
    if not others or sim.state(contact_id) not in ("talking", "escalated"):
        return
    target = sim.technicians[sim.rng.choice(others)]
    sim.pbx(sim.callers[contact_id], "transfer", purpose="Lo atiende un especialista", customer_consent=True,
            to_technician=target.username)


def _remote_hang_up(sim: Simulation, *, contact_id: int) -> None:
    if sim.state(contact_id) in IN_CONVERSATION:
        sim.pbx(sim.callers[contact_id], "hangup", cause="normal")  # the server's worker ends the wrap-up


REMOTE_ACTIONS: dict[str, Callable[..., None]] = {
    "arrive": _arrive, "give_up": _give_up, "answer": _remote_answer, "hold": _remote_hold, "resume": _resume,
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
