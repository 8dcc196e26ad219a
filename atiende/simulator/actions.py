"""What callers, the PBX and technicians do: arrivals (a Poisson process), answering, holds, transfers,
escalations, hanging up, wrap-up and short breaks. Each action is a step on the simulation's agenda."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from atiende.engine import IN_CONVERSATION, UNANSWERED, ContactState
from atiende.simulator.world import Caller, Simulation, Technician, ring


def schedule_arrivals(sim: Simulation, start: datetime) -> None:
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

def arrive(sim: Simulation, *, caller: Caller) -> None:
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

def give_up(sim: Simulation, *, contact_id: int) -> None:
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
    if sim.state(contact_id) != ContactState.OFFERED:  # the caller hung up meanwhile
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
    plan_the_conversation(sim, contact_id, escalations=True)

def plan_the_conversation(sim: Simulation, contact_id: int, *, escalations: bool) -> None:
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
    if holder is None or sim.state(contact_id) not in (ContactState.TALKING, ContactState.ESCALATED):
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

def resume(sim: Simulation, *, contact_id: int, via: str) -> None:
    holder = _holder(sim, contact_id)
    if sim.state(contact_id) != ContactState.ON_HOLD:
        return
    if via == "phone" or holder is None:
        sim.pbx(sim.callers[contact_id], "resumed")
    else:
        sim.console(holder, "POST", f"/{contact_id}/resume", contact_id=contact_id)

def _transfer(sim: Simulation, *, contact_id: int) -> None:
    me = _holder(sim, contact_id)
    if me is None or sim.state(contact_id) not in (ContactState.TALKING, ContactState.ESCALATED):
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

def _accept(sim: Simulation, *, contact_id: int, technician_id: int) -> None:
    tech = sim.technicians[technician_id]
    if sim.state(contact_id, tech.token, "technicians") != ContactState.TRANSFER_PENDING:
        return
    before = _holder(sim, contact_id)
    if sim.console(tech, "POST", f"/{contact_id}/transfer/accept", contact_id=contact_id).ok:
        tech.status, tech.call = "talking", contact_id
        if before is not None and before is not tech:
            sim.free(before)

def _decline(sim: Simulation, *, contact_id: int, technician_id: int) -> None:
    tech = sim.technicians[technician_id]
    if sim.state(contact_id, tech.token, "technicians") == ContactState.TRANSFER_PENDING:
        sim.console(tech, "POST", f"/{contact_id}/transfer/decline", contact_id=contact_id)

def _escalate(sim: Simulation, *, contact_id: int) -> None:
    me = _holder(sim, contact_id)
    if me is None or sim.state(contact_id) not in (ContactState.TALKING, ContactState.ON_HOLD, ContactState.TRANSFER_PENDING):
        return
    if sim.console(me, "POST", f"/{contact_id}/escalate", {"reason": "Cliente difícil"}, contact_id=contact_id).ok:
        sim.later(sim.rng.uniform(15, 60), "supervise", contact_id=contact_id)

def _supervise(sim: Simulation, *, contact_id: int) -> None:
    if sim.state(contact_id, sim.supervisor_token, "supervisor") == ContactState.ESCALATED:
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
    if sim.state(contact_id, tech.token, "technicians") == ContactState.WRAP_UP:
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
    "arrive": arrive, "give_up": give_up, "answer": _answer, "hold": _hold, "resume": resume,
    "transfer": _transfer, "accept": _accept, "decline": _decline, "escalate": _escalate,
    "supervise": _supervise, "hang_up": _hang_up, "wrap_up": _wrap_up, "sign_in": sign_in,
}
