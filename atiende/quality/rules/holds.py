"""HO-1..7 and DN-11: putting a contact on hold, judged hold by hold from the hold/resume events.

A rule is missed when any hold misses it; the evidence is the first hold that did.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from atiende.quality import signals
from atiende.quality.card import Item
from atiende.quality.context import (
    DEFAULT_HOLD_MINUTES,
    EVENTS_ONLY,
    HOLD_GRACE_SECONDS,
    NO_WORDS,
    OVERLAP_TOLERANCE,
    Context,
    describe,
    quote,
)
from atiende.quality.transcript import Event, Turn

ANNOUNCE_WINDOW = 120.0  # seconds before a hold in which the technician announces it


@dataclass(slots=True)
class Verdict:
    ok: bool | None  # None: does not apply to this hold
    evidence: list[str] = field(default_factory=list)
    at: float | None = None
    reason: str | None = None
    note: str | None = None


def _resume_after(ctx: Context, hold: Event) -> Event | None:
    for event in ctx.transcript.events:
        if event.index > hold.index and event.type in ("resume", "end"):
            return event if event.type == "resume" else None
        if event.index > hold.index and event.type == "hold":
            return None
    return None


def _announcement(ctx: Context, hold: Event) -> list[Turn]:
    """What the technician said to announce the hold: from the first recent turn that mentions it
    (and the statement just before, which often gives the reason), up to the hold."""
    recent = [t for t in ctx.technician_before(hold.index, 3) if t.t >= hold.t - ANNOUNCE_WINDOW]
    first = next((i for i, t in enumerate(recent)
                  if signals.HOLD_ANNOUNCE.search(t.folded) or signals.PERMISSION.search(t.folded)), None)
    if first is None:
        return recent[-1:]
    if first > 0 and "?" not in recent[first - 1].text:
        first -= 1
    return recent[first:]


def _judge_events(ctx: Context, hold: Event) -> dict[str, Verdict]:
    """A hold judged on its event alone (no words supplied): what the console recorded when the technician put
    the customer on hold (HO-2 the reason, HO-3 the consent, HO-4 the minutes announced), how long it ran (HO-5)
    and whether it was needed (HO-7, DN-11: a reason that is not the technician's own convenience). What only the
    words show (HO-1 the customer had finished, HO-6 the thanks) is n/a."""
    shown = [describe(hold)]
    reason = (hold.get("reason") or "").strip()
    consent = hold.get("customer_consent") is True
    minutes = hold.get("expected_minutes")
    timed = isinstance(minutes, int | float) and not isinstance(minutes, bool) and minutes > 0
    verdicts = {"HO-1": Verdict(None, note=NO_WORDS), "HO-6": Verdict(None, note=NO_WORDS)}
    verdicts["HO-2"] = Verdict(bool(reason), shown, hold.t, note=EVENTS_ONLY if reason else "reason field: False")
    verdicts["HO-3"] = Verdict(consent, shown, hold.t, note=EVENTS_ONLY if consent else "no customer consent recorded")
    ok4 = consent and timed and bool(reason)
    verdicts["HO-4"] = Verdict(ok4, shown, hold.t, note=EVENTS_ONLY if ok4 else
                               f"consent recorded: {consent}, minutes recorded: {timed}, reason field: {bool(reason)}")
    resume = _resume_after(ctx, hold)
    if resume is None:
        verdicts["HO-5"] = Verdict(False, shown, hold.t, note="the call ended while on hold")
        verdicts["HO-6"] = Verdict(False, shown, hold.t, note="never came back from the hold")
    else:
        length = resume.t - hold.t
        allowed = float(minutes if timed else DEFAULT_HOLD_MINUTES) * 60
        if length <= allowed:
            verdicts["HO-5"] = Verdict(None)
        else:  # back quickly after the announced time; the explanation is in the words, if any were supplied
            verdicts["HO-5"] = Verdict(length <= allowed + HOLD_GRACE_SECONDS, [describe(hold), describe(resume)],
                                       resume.t, note=f"hold of {length:.0f} s against {allowed:.0f} s announced")
    abrupt = not consent
    unnecessary = not reason or bool(signals.SELFISH_HOLD_REASON.search(reason.lower()))
    bad = abrupt or unnecessary
    for rule in ("HO-7", "DN-11"):
        verdicts[rule] = Verdict(not bad, shown, hold.t,
                                 note=f"abrupt: {abrupt}, unnecessary: {unnecessary}" if bad else EVENTS_ONLY)
    return verdicts


def _judge(ctx: Context, hold: Event) -> dict[str, Verdict]:
    if not ctx.has_words:
        return _judge_events(ctx, hold)
    said = _announcement(ctx, hold)
    text = " ".join(t.folded for t in said)
    shown = [describe(hold)] + [quote(t) for t in said[-2:]]
    reason = (hold.get("reason") or "").strip()
    consent = hold.get("customer_consent") is True
    minutes = hold.get("expected_minutes")
    verdicts: dict[str, Verdict] = {}

    # HO-1: the customer was still talking when the hold started.
    last = ctx.last_turn_before(hold.index)
    cut = last is not None and not last.is_technician and (
        hold.t < last.end - OVERLAP_TOLERANCE or bool(signals.TRUNCATED.search(last.text)))
    # cutting the customer off to announce the hold counts too
    cut = cut or any(i.technician in said and signals.HOLD_ANNOUNCE.search(i.technician.folded)
                     for i in ctx.interruptions)
    verdicts["HO-1"] = Verdict(not cut, [describe(hold)] + ([quote(last)] if cut and last else []), hold.t)

    announced = bool(signals.HOLD_ANNOUNCE.search(text))
    why = bool(signals.HOLD_WHY.search(text))
    ok2 = bool(reason) and announced and why
    verdicts["HO-2"] = Verdict(ok2, shown, hold.t, note=None if ok2 else
                               f"reason field: {bool(reason)}, announced: {announced}, why said: {why}")

    verdicts["HO-3"] = Verdict(consent, shown, hold.t, note=None if consent else "no customer consent recorded")

    thanked = bool(signals.THANKS.search(text))
    # HO-4: the customer must hear how long; the recorded expected_minutes alone is not telling them
    timed = bool(signals.SPOKEN_MINUTES.search(text))
    activity = why
    ok4 = consent and thanked and timed and activity
    verdicts["HO-4"] = Verdict(ok4, shown, hold.t, note=None if ok4 else
                               f"thanked: {thanked}, time given: {timed}, activity said: {activity}")

    resume = _resume_after(ctx, hold)
    allowed = float(minutes if minutes is not None else DEFAULT_HOLD_MINUTES) * 60
    back = ctx.technician_after(resume.index if resume else hold.index, 2)
    back_text = " ".join(t.folded for t in back)
    if resume is None:
        verdicts["HO-5"] = Verdict(False, [describe(hold)], hold.t, note="the call ended while on hold")
        verdicts["HO-6"] = Verdict(False, [describe(hold)], hold.t, note="never came back from the hold")
    else:
        length = resume.t - hold.t
        evidence = [describe(hold), describe(resume)] + [quote(t) for t in back[:1]]
        if length <= allowed:
            verdicts["HO-5"] = Verdict(None)
        else:
            explained = bool(signals.APOLOGY_DELAY.search(back_text) or signals.HOLD_WHY.search(back_text)
                             or signals.MINUTES.search(back_text))
            quick = length <= allowed + HOLD_GRACE_SECONDS
            verdicts["HO-5"] = Verdict(quick and explained, evidence, resume.t,
                                       note=f"hold of {length:.0f} s against {allowed:.0f} s announced")
        thanks_back = next((t for t in back if signals.PATIENCE_THANKS.search(t.folded)), None)
        verdicts["HO-6"] = Verdict(thanks_back is not None,
                                   [quote(thanks_back)] if thanks_back else evidence, resume.t)

    abrupt = not announced or not consent or cut  # cutting the customer into a hold is abrupt too
    selfish = bool(signals.SELFISH_HOLD_REASON.search(" ".join([reason.lower(), text])))
    unnecessary = not reason or selfish
    enf = ctx.profile.traits.get("CT-ENF")
    angry = enf is not None and (enf.at is None or enf.at <= hold.t)
    bad = abrupt or unnecessary
    verdicts["DN-11"] = Verdict(not bad, shown, hold.t,
                                note=None if not bad else f"abrupt: {abrupt}, unnecessary: {unnecessary}")
    if bad:
        verdicts["HO-7"] = Verdict(False, shown, hold.t, note=f"abrupt: {abrupt}, unnecessary: {unnecessary}")
    elif angry:
        verdicts["HO-7"] = Verdict(False, shown + [f"CT-ENF: {', '.join(enf.evidence[:2])}" if enf else "CT-ENF"],
                                   hold.t, reason="angry", note="a hold on an angry customer")
    else:
        verdicts["HO-7"] = Verdict(True, shown, hold.t)
    return verdicts


RULES = ("HO-1", "HO-2", "HO-3", "HO-4", "HO-5", "HO-6", "HO-7", "DN-11")


def score(ctx: Context) -> list[Item]:
    holds = ctx.transcript.events_of("hold")
    if not holds:
        return [ctx.na(rule, "no hold in this contact") for rule in RULES]
    judged = [_judge(ctx, hold) for hold in holds]
    return items_of(ctx, RULES, judged, na_notes={"HO-5": "no hold ran over the announced time"})


def items_of(ctx: Context, rules: tuple[str, ...], judged: list[dict[str, Verdict]], *,
             na_notes: dict[str, str] | None = None) -> list[Item]:
    """One scorecard item a rule from the verdicts on each hold (or transfer) of the contact.

    A rule that applied to none of them is n/a (with the first note a verdict gave, else ``na_notes``'s);
    one that failed on any is missed there; otherwise it is met, and with no words the met item says it was
    judged on the events alone.
    """
    items: list[Item] = []
    for rule in rules:
        verdicts = [v[rule] for v in judged if v[rule].ok is not None]
        if not verdicts:
            why = next((v[rule].note for v in judged if v[rule].note), None)
            items.append(ctx.na(rule, why or (na_notes or {}).get(rule)))
            continue
        failed = next((v for v in verdicts if not v.ok), None)
        if failed is not None:
            items.append(ctx.missed(rule, failed.evidence, failed.at, reason=failed.reason, note=failed.note))
        else:
            items.append(ctx.met(rule, verdicts[0].evidence, verdicts[0].at,
                                 note=None if ctx.has_words else verdicts[0].note))
    return items
