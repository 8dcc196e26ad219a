"""NT-1..7: netiquette, judged on email and chat contacts only."""

from __future__ import annotations

from atiende.quality import signals
from atiende.quality.card import Item
from atiende.quality.context import Context, quote
from atiende.quality.rules.conduct import language_item

RULES = ("NT-1", "NT-2", "NT-3", "NT-4", "NT-5", "NT-6", "NT-7")


def score(ctx: Context) -> list[Item]:
    if not ctx.transcript.is_written:
        return []
    if not ctx.technician:
        return [ctx.unheard(rule, "the technician wrote nothing") for rule in RULES]
    return [nt1(ctx), nt2(ctx), nt3(ctx), nt4(ctx), nt5(ctx), language_item(ctx, "NT-6"), nt7(ctx)]


def nt1(ctx: Context) -> Item:
    limit = ctx.policy.long_email_words if ctx.transcript.channel == "email" else ctx.policy.long_chat_message_words
    long = next((t for t in ctx.technician if t.words > limit), None)
    if long is not None:
        return ctx.missed("NT-1", [quote(long, 100)], long.t, note=f"{long.words} words, more than {limit}")
    return ctx.met("NT-1", [], None)


def nt2(ctx: Context) -> Item:
    explained = next((t for t in ctx.technician if signals.EXPLANATION.search(t.folded)), None)
    if explained is None:
        return ctx.missed("NT-2", [], None, note="no explanation of the cause or how to avoid it")
    return ctx.met("NT-2", [quote(explained)], explained.t)


def nt3(ctx: Context) -> Item:
    asked = next((t for t in ctx.technician if signals.CREDENTIAL_REQUEST.search(t.folded)), None)
    if asked is not None:
        return ctx.missed("NT-3", [quote(asked)], asked.t, note="asked for a credential in writing")
    return ctx.met("NT-3", [], None)


def nt4(ctx: Context) -> Item:
    slip = next((t for t in ctx.customer if signals.CUSTOMER_SLIP.search(t.folded)), None)
    if slip is None:
        return ctx.na("NT-4", "the customer made no mistake to forgive")
    reproach = next((t for t in ctx.technician if t.t > slip.t and signals.REPROACH.search(t.folded)), None)
    if reproach is not None:
        return ctx.missed("NT-4", [quote(slip), quote(reproach)], reproach.t)
    reply = next((t for t in ctx.technician if t.t > slip.t), None)
    return ctx.met("NT-4", [quote(slip)] + ([quote(reply)] if reply else []), slip.t)


def nt5(ctx: Context) -> Item:
    tech = ctx.technician
    if ctx.transcript.channel == "email":
        # every email stands alone: each opens with a greeting and closes politely
        for turn in tech:
            tail = turn.folded[-160:]
            if not signals.WRITTEN_GREETING.search(turn.folded):
                return ctx.missed("NT-5", [quote(turn, 80)], turn.t, note="an email without a greeting")
            if not signals.WRITTEN_CLOSING.search(tail):
                return ctx.missed("NT-5", [quote(turn, 80)], turn.t, note="an email without a polite close")
        return ctx.met("NT-5", [quote(tech[0], 80)], tech[0].t)
    first, last = tech[0], tech[-1]
    if not signals.WRITTEN_GREETING.search(first.folded) and not signals.GREETING.search(first.folded):
        return ctx.missed("NT-5", [quote(first)], first.t, note="the chat opens without a greeting")
    if not (signals.WRITTEN_CLOSING.search(last.folded) or signals.POSITIVE_FAREWELL.search(last.folded)):
        return ctx.missed("NT-5", [quote(last)], last.t, note="the chat ends without a polite close")
    return ctx.met("NT-5", [quote(first), quote(last)], first.t)


def nt7(ctx: Context) -> Item:
    item = language_item(ctx, "NT-7")
    if item.status != "met":
        return item
    # NT-7: never answer a flame. A hostile customer answered with hostility misses it.
    hostile = [ctx.profile.traits[t] for t in ("CT-DES", "CT-ENF") if t in ctx.profile.traits]
    if hostile:
        answered = [f for f in ctx.findings if f.rule in ("DN-3", "DN-4", "DN-7")]
        if answered:
            return ctx.missed("NT-7", [quote(answered[0].turn)], answered[0].turn.t,
                              note="answered a hostile message in kind")
    return item
