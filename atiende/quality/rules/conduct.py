"""DN-*: what a technician never does.

DN-1/2/3/4/5/7/13 come from the language assistant's findings on the
technician's words; DN-8 from the timing (interruptions) and distraction
phrases; DN-9/10 from what the transcript caught the technician saying to
others. DN-11 and DN-12 live with the holds and transfers. DN-6 (social media)
cannot be seen in a transcript and is not on the card.
"""

from __future__ import annotations

import re

from atiende.quality import signals
from atiende.quality.card import Item
from atiende.quality.context import Context, quote

LANGUAGE_DN = ("DN-1", "DN-2", "DN-3", "DN-4", "DN-5", "DN-7", "DN-13")


def language_item(ctx: Context, rule: str) -> Item:
    """A rule judged from the assistant's findings: missed on the first finding, met when there are none."""
    if not ctx.has_words:
        return ctx.unheard(rule)
    if not ctx.language_available:
        return ctx.na(rule, f"not judged: {ctx.language_reason}")
    if not ctx.technician:
        return ctx.na(rule, "the technician said nothing")
    found = ctx.findings_for(rule)
    if found:
        first = found[0]
        evidence = [quote(first.turn)] + [f"«{f.excerpt}»: {f.message}" for f in found[:3] if f.excerpt]
        return ctx.missed(rule, evidence, first.turn.t)
    return ctx.met(rule, [], None)


def score(ctx: Context) -> list[Item]:
    items = [language_item(ctx, rule) for rule in LANGUAGE_DN[:4]]
    items.append(language_item(ctx, "DN-5"))
    items.append(language_item(ctx, "DN-7"))
    items.append(dn8(ctx))
    items.append(_phrase_rule(ctx, "DN-9", signals.PERSONAL_CALL))
    items.append(_phrase_rule(ctx, "DN-10", signals.COWORKER_CHAT))
    items.append(language_item(ctx, "DN-13"))
    return items


def dn8(ctx: Context) -> Item:
    if ctx.transcript.channel == "email":
        return ctx.na("DN-8", "distraction and interruptions are judged on live contacts")
    if not ctx.technician:
        return ctx.unheard("DN-8", "distraction and interruptions are judged on live contacts")
    # distraction: said so, noticed by the customer, or caught on a personal call / coworker chat (DN-9/10)
    distracted = next((t for t in ctx.technician if signals.DISTRACTION.search(t.folded)
                       or signals.PERSONAL_CALL.search(t.folded) or signals.COWORKER_CHAT.search(t.folded)), None)
    if distracted is None:
        distracted = next((t for t in ctx.customer if signals.CUSTOMER_NOTICES_ABSENCE.search(t.folded)), None)
    if ctx.interruptions:
        first = ctx.interruptions[0]
        return ctx.missed("DN-8", [quote(first.customer), quote(first.technician)], first.technician.t)
    if distracted is not None:
        return ctx.missed("DN-8", [quote(distracted)], distracted.t)
    return ctx.met("DN-8", [], None)


def _phrase_rule(ctx: Context, rule: str, pattern: re.Pattern[str]) -> Item:
    if not ctx.technician:
        return ctx.unheard(rule, "the technician said nothing")
    hit = next((t for t in ctx.technician if pattern.search(t.folded)), None)
    if hit is not None:
        return ctx.missed(rule, [quote(hit)], hit.t)
    return ctx.met(rule, [], None)
