"""TR-1..5 and DN-12: transferring a contact, judged request by request from the transfer events."""

from __future__ import annotations

from atiende.quality import signals
from atiende.quality.card import Item
from atiende.quality.context import EVENTS_ONLY, NO_WORDS, Context, describe, quote
from atiende.quality.rules.holds import ANNOUNCE_WINDOW, Verdict, items_of
from atiende.quality.transcript import Event

RULES = ("TR-1", "TR-2", "TR-3", "TR-4", "TR-5", "DN-12")


def _outcome(ctx: Context, request: Event) -> Event | None:
    for event in ctx.transcript.events:
        if event.index <= request.index:
            continue
        if event.type in ("transfer_accepted", "transfer_declined"):
            return event
        if event.type in ("transfer_request", "end"):
            return None
    return None


def _judge_events(ctx: Context, request: Event) -> dict[str, Verdict]:
    """A transfer judged on the engine's events alone (no words supplied): the purpose and consent the console
    recorded (TR-2, TR-3, DN-12), whether the purpose shows it was needed (TR-1), and its outcome: accepted by the
    receiver (TR-4) or returned to the first technician, never dropped (TR-5)."""
    shown = [describe(request)]
    purpose = (request.get("purpose") or "").strip()
    folded_purpose = purpose.lower()
    consent = request.get("customer_consent") is True
    verdicts: dict[str, Verdict] = {}
    if not purpose or signals.UNNECESSARY_PURPOSE.search(folded_purpose):
        verdicts["TR-1"] = Verdict(False, shown, request.t, note="the transcript does not show the transfer was necessary")
    elif signals.NECESSARY_PURPOSE.search(folded_purpose):
        verdicts["TR-1"] = Verdict(True, shown, request.t, note=EVENTS_ONLY)
    else:  # the words might show what the recorded purpose does not
        verdicts["TR-1"] = Verdict(None, note=NO_WORDS)
    verdicts["TR-2"] = Verdict(bool(purpose), shown, request.t, note=EVENTS_ONLY if purpose else "purpose field: False")
    verdicts["TR-3"] = Verdict(consent, shown, request.t, note=EVENTS_ONLY if consent else "no customer consent recorded")
    outcome = _outcome(ctx, request)
    if outcome is None:  # the call ended while the transfer was pending (the customer hung up)
        verdicts["TR-4"] = Verdict(None, note="the call ended while the transfer was pending")
        verdicts["TR-5"] = Verdict(None, note="the call ended while the transfer was pending")
    else:  # accepted by the receiver, or declined and back with the first technician (the engine's return)
        verdicts["TR-4"] = Verdict(True, [describe(request), describe(outcome)], outcome.t, note=EVENTS_ONLY)
        verdicts["TR-5"] = Verdict(True, [describe(outcome)], outcome.t, note=EVENTS_ONLY)
    ok12 = bool(purpose) and consent
    verdicts["DN-12"] = Verdict(ok12, shown, request.t, note=EVENTS_ONLY if ok12 else
                                f"purpose field: {bool(purpose)}, consent recorded: {consent}")
    return verdicts


def _judge(ctx: Context, request: Event) -> dict[str, Verdict]:
    if not ctx.has_words:
        return _judge_events(ctx, request)
    said = [t for t in ctx.technician_before(request.index, 3) if t.t >= request.t - ANNOUNCE_WINDOW]
    text = " ".join(t.folded for t in said)
    shown = [describe(request)] + [quote(t) for t in said[-2:]]
    purpose = (request.get("purpose") or "").strip()
    folded_purpose = purpose.lower()
    asked_for = [t for t in ctx.customer if t.index < request.index and signals.NECESSARY_PURPOSE.search(t.folded)]
    verdicts: dict[str, Verdict] = {}

    necessary = bool(purpose) and not signals.UNNECESSARY_PURPOSE.search(folded_purpose) and bool(
        signals.NECESSARY_PURPOSE.search(folded_purpose) or signals.NECESSARY_PURPOSE.search(text) or asked_for)
    verdicts["TR-1"] = Verdict(necessary, shown, request.t,
                               note=None if necessary else "the transcript does not show the transfer was necessary")

    talked = bool(signals.TRANSFER_TALK.search(text))
    explained = bool(signals.TRANSFER_PURPOSE.search(text))
    ok2 = bool(purpose) and talked and explained
    verdicts["TR-2"] = Verdict(ok2, shown, request.t, note=None if ok2 else
                               f"purpose field: {bool(purpose)}, told the customer: {talked}, said why: {explained}")
    consent = request.get("customer_consent") is True
    verdicts["TR-3"] = Verdict(consent, shown, request.t, note=None if consent else "no customer consent recorded")

    outcome = _outcome(ctx, request)
    after = [t for t in ctx.technician if t.index > (outcome or request).index]
    if outcome is not None and outcome.type == "transfer_accepted":
        verdicts["TR-4"] = Verdict(True, [describe(request), describe(outcome)], outcome.t)
        verdicts["TR-5"] = Verdict(True, [describe(outcome)], outcome.t)
    elif outcome is not None:  # declined: the receiver's word was respected; the call must come back
        verdicts["TR-4"] = Verdict(True, [describe(request), describe(outcome)], outcome.t)
        verdicts["TR-5"] = Verdict(bool(after), [describe(outcome)] + ([quote(after[0])] if after else []),
                                   outcome.t, note=None if after else "declined, and nobody came back to the customer")
    elif after:  # no answer but the technician kept the call
        verdicts["TR-4"] = Verdict(True, [describe(request), quote(after[0])], request.t)
        verdicts["TR-5"] = Verdict(True, [quote(after[0])], after[0].t)
    else:
        verdicts["TR-4"] = Verdict(False, [describe(request)], request.t,
                                   note="passed on without the receiving technician accepting")
        verdicts["TR-5"] = Verdict(False, [describe(request)], request.t, note="the call was left without an owner")
    bad = not ok2 or not consent
    verdicts["DN-12"] = Verdict(not bad, shown, request.t)
    return verdicts


def score(ctx: Context) -> list[Item]:
    requests = ctx.transcript.events_of("transfer_request")
    if not requests:
        return [ctx.na(rule, "no transfer in this contact") for rule in RULES]
    return items_of(ctx, RULES, [_judge(ctx, r) for r in requests])
