"""SP-2..4 (the service steps) and CO-1..3 (opening a contact: know, relate, understand)."""

from __future__ import annotations

from atiende.quality import signals
from atiende.quality.card import Item
from atiende.quality.context import Context, questions, quote
from atiende.quality.transcript import Turn

OPENING_TURNS = 3  # SP-3: the name must come up in the welcome, i.e. the first few turns


def handed_over(ctx: Context) -> bool:
    """The contact left this technician (accepted transfer or escalation) and they did not speak again."""
    handovers = ctx.transcript.events_of("transfer_accepted", "escalation")
    if not handovers:
        return False
    last = handovers[-1]
    return not any(t.index > last.index for t in ctx.technician)


def closing_turns(ctx: Context) -> list[Turn]:
    tech = ctx.technician
    return tech[-max(3, len(tech) // 3):]


def takes_charge(ctx: Context) -> Turn | None:
    for turn in ctx.technician:
        # acting on the need («he renovado los permisos») is taking charge of it too
        if signals.TAKE_CHARGE.search(turn.folded) or signals.PARAPHRASE.search(turn.folded) \
                or signals.SUMMARY.search(turn.folded):
            return turn
        if any(not signals.NON_DIAGNOSTIC.search(q) for q in questions(turn)):
            return turn
    return None


def score(ctx: Context) -> list[Item]:
    tech = ctx.technician
    if not tech:
        return [ctx.unheard(r, "the technician said nothing") for r in ("SP-2", "SP-3", "SP-4", "CO-1", "CO-2", "CO-3")]
    return [sp2(ctx), sp3(ctx), sp4(ctx), co1(ctx), co2(ctx), co3(ctx)]


def sp3(ctx: Context) -> Item:
    first = ctx.technician[0]
    if not signals.GREETING.search(first.folded):
        return ctx.missed("SP-3", [quote(first)], first.t, reason="greeting",
                          note="the technician's first turn has no greeting")
    opening = ctx.technician[:OPENING_TURNS]
    named = next((t for t in opening if ctx.says_name(t) or signals.NAME_REQUEST.search(t.folded)), None)
    if named is None:
        return ctx.missed("SP-3", [quote(first)], first.t, reason="name",
                          note="greeted, but did not identify the customer by name in the opening")
    evidence = [quote(first)] if named is first else [quote(first), quote(named)]
    return ctx.met("SP-3", evidence, first.t)


def sp4(ctx: Context) -> Item:
    if handed_over(ctx):
        return ctx.na("SP-4", "the contact was handed over; the close belongs to whoever received it")
    closing = closing_turns(ctx)
    summary = next((t for t in closing if signals.SUMMARY.search(t.folded)), None)
    check = next((t for t in closing if signals.SATISFACTION_CHECK.search(t.folded)), None)
    thanks = next((t for t in closing if signals.THANKS.search(t.folded)), None)
    missing = [name for name, found in (("summary", summary), ("satisfaction check", check), ("thanks", thanks))
               if found is None]
    if missing:
        last = closing[-1]
        return ctx.missed("SP-4", [quote(last)], last.t, note="missing: " + ", ".join(missing))
    assert summary is not None and check is not None and thanks is not None
    shown = sorted({summary.index: summary, check.index: check, thanks.index: thanks}.values(),
                   key=lambda t: t.index)
    return ctx.met("SP-4", [quote(t) for t in shown], shown[0].t)


def sp2(ctx: Context) -> Item:
    first = ctx.technician[0]
    welcome = bool(signals.GREETING.search(first.folded))
    charge = takes_charge(ctx)
    last_turns = ctx.technician[-2:]
    written = ctx.transcript.is_written
    close = handed_over(ctx) or any(
        signals.THANKS.search(t.folded) or signals.POSITIVE_FAREWELL.search(t.folded)
        or (written and signals.WRITTEN_CLOSING.search(t.folded[-160:])) for t in last_turns)
    missing = [step for step, ok in (("welcome", welcome), ("take charge", charge is not None),
                                     ("positive close", close)) if not ok]
    if missing:
        at = first.t if not welcome else last_turns[-1].t
        return ctx.missed("SP-2", [quote(first if not welcome else last_turns[-1])], at,
                          note="missing step: " + ", ".join(missing))
    evidence = [quote(first)] + ([quote(charge)] if charge is not None and charge is not first else [])
    return ctx.met("SP-2", evidence, first.t)


def co1(ctx: Context) -> Item:
    named = next((t for t in ctx.technician if ctx.says_name(t)), None)
    if named is None:
        return ctx.missed("CO-1", [], None, note="the customer's name never comes up")
    return ctx.met("CO-1", [quote(named)], named.t)


def co2(ctx: Context) -> Item:
    hostile = [f for f in ctx.findings if f.rule in ("DN-1", "DN-3", "DN-4", "DN-7")]
    if hostile:
        # minimising, a negative tone, arguing or judging breaks the one-to-one connection
        return ctx.missed("CO-2", [quote(hostile[0].turn)], hostile[0].turn.t,
                          note=f"{hostile[0].rule}: {hostile[0].excerpt}")
    for turn in ctx.technician:
        intro = signals.SELF_INTRO.search(turn.folded) or (
            ctx.technician_name_pattern is not None and ctx.technician_name_pattern.search(turn.folded))
        if intro or signals.EMPATHY.search(turn.folded):
            return ctx.met("CO-2", [quote(turn)], turn.t)
    return ctx.missed("CO-2", [], None, note="no self-introduction and no empathy")


def co3(ctx: Context) -> Item:
    check = next((t for t in ctx.technician if signals.LEVEL_CHECK.search(t.folded)), None)
    jargon = ctx.findings_for("DN-2")
    inexperienced = ctx.profile.has("CT-INX") or ctx.profile.level == "basico"
    if inexperienced and jargon:
        first = jargon[0]
        return ctx.missed("CO-3", [quote(first.turn)], first.turn.t, reason="mismatch",
                          note="jargon to a customer the assistant reads as inexperienced")
    knowledgeable = ctx.profile.has("CT-ENT") or ctx.profile.level == "avanzado"
    if knowledgeable:
        # CT-ENT: no obvious checks (power, reboot, cable) without saying why
        basic = next((t for t in ctx.technician if signals.BASIC_CHECK.search(t.folded)
                      and not signals.BASIC_CHECK_REASON.search(t.folded)), None)
        if basic is not None:
            return ctx.missed("CO-3", [quote(basic)], basic.t, reason="basics",
                              note="obvious checks without a reason to a customer the assistant reads as knowledgeable")
    if check is None:
        return ctx.missed("CO-3", [], None, note="the customer's level was neither asked nor adapted to")
    return ctx.met("CO-3", [quote(check)], check.t)
