"""PO-1 (maximum call time), PO-2 (maximum wait before being attended), PO-5 (escalation)."""

from __future__ import annotations

from atiende.quality import signals
from atiende.quality.card import Item
from atiende.quality.context import Context, clock, describe, quote


def score(ctx: Context) -> list[Item]:
    return [po1(ctx), po2(ctx), po5(ctx)]


def po1(ctx: Context) -> Item:
    tr = ctx.transcript
    if tr.channel != "telefonico":
        return ctx.na("PO-1", "the maximum call time applies to phone calls")
    length = tr.ended_at - tr.started_at
    limit = ctx.policy.max_call_seconds
    evidence = [f"duración / length {clock(length)} (máx. / max {clock(limit)})"]
    if length > limit:
        return ctx.missed("PO-1", evidence, tr.started_at + limit)
    return ctx.met("PO-1", evidence, None)


def po2(ctx: Context) -> Item:
    tr = ctx.transcript
    if tr.channel == "email":
        return ctx.na("PO-2", "the maximum wait applies to calls, chats and walk-ins")
    starts = tr.events_of("start")
    first_tech = ctx.technician[0] if ctx.technician else None
    if starts and "wait_seconds" in starts[0].data:
        wait = float(starts[0].get("wait_seconds")) + (first_tech.t - starts[0].t if first_tech else 0.0)
    elif first_tech is not None:
        wait = first_tech.t - tr.started_at
    else:
        return ctx.unheard("PO-2", "nobody attended the customer in this transcript")
    limit = ctx.policy.max_wait_seconds
    evidence = [f"espera / wait {clock(wait)} (máx. / max {clock(limit)})"]
    if wait > limit:
        return ctx.missed("PO-2", evidence, first_tech.t if first_tech else None)
    return ctx.met("PO-2", evidence, None)


def po5(ctx: Context) -> Item:
    escalations = ctx.transcript.events_of("escalation")
    asked = next((t for t in ctx.customer if signals.SUPERVISOR_REQUEST.search(t.folded)), None)
    if escalations:
        first = escalations[0]
        return ctx.met("PO-5", [describe(first)] + ([quote(asked)] if asked else []), first.t)
    if asked is None:
        return ctx.unheard("PO-5", "nobody asked for a supervisor and nothing was escalated")
    offered = next((t for t in ctx.technician if t.t > asked.t and signals.SUPERVISOR_OFFER.search(t.folded)), None)
    if offered is not None:
        return ctx.met("PO-5", [quote(asked), quote(offered)], offered.t)
    return ctx.missed("PO-5", [quote(asked)], asked.t, note="asked for a supervisor; none offered")
