"""A simulation in this process, in accelerated time (``atiende simulate``): users and tokens set up as an
administrator would, a :class:`ManualClock` that jumps from one happening to the next, stored deadlines
fired by the worker's own code, and the report read back from the database.

It needs Django set up (the CLI does it first), so the package does not import it:
``from atiende.simulator.in_process import run``."""

from __future__ import annotations

import heapq
import logging
import os
import random
import secrets
import time
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from atiende.contact import clock as contact_clock
from atiende.contact.models import Alert, ContactEvent, Deadline, TechnicianState, TechnicianStatus
from atiende.contact.services import deadlines as contact_deadlines
from atiende.engine import ManualClock
from atiende.people.models import ApiToken, Role, User
from atiende.simulator.actions import ACTIONS, schedule_arrivals, sign_in
from atiende.simulator.report import summarise
from atiende.simulator.scenario import API, SKILL, Scenario
from atiende.simulator.transport import InProcessApi
from atiende.simulator.world import Simulation, Technician


def run(scenario: Scenario, *, start: datetime | None = None) -> dict[str, Any]:
    """Simulate the scenario in this process, in accelerated time, through the API; return the report."""
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
        schedule_arrivals(sim, clock.now())
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

def _loop(sim: Simulation, clock: ManualClock, *, until: datetime) -> None:

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

def _report(sim: Simulation) -> dict[str, Any]:
    """Read back what was stored for the simulation's calls: their events and alerts."""
    ids = list(sim.callers)
    events = [(kind, data) for kind, data in ContactEvent.objects.filter(contact_id__in=ids)
              .order_by("at", "id").values_list("kind", "data")]
    alerts = list(Alert.objects.filter(contact_id__in=ids).values_list("rule", "level"))
    names = dict(User.objects.filter(pk__in=list(sim.technicians)).values_list("pk", "username"))
    return summarise(sim, events, alerts, names)
