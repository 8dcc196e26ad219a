"""PT-1..4: attitude. PT-1/2 come from the language assistant; PT-3 uses the customer's traits."""

from __future__ import annotations

from atiende.quality import signals
from atiende.quality.card import Item
from atiende.quality.context import Context, quote
from atiende.quality.rules.conduct import language_item

# PT-3 blames the technician for not refocusing a talkative customer only when the
# assistant is fairly sure the customer is talkative (its scores run 0..1).
TALKATIVE_SCORE = 0.75


def score(ctx: Context) -> list[Item]:
    return [language_item(ctx, "PT-1"), language_item(ctx, "PT-2"), pt3(ctx), pt4(ctx)]


def pt3(ctx: Context) -> Item:
    """PT-3: keep a talkative customer on the problem; never answer a rude or angry one with criticism."""
    if not ctx.has_words:
        return ctx.unheard("PT-3")
    if not ctx.language_available:
        return ctx.na("PT-3", f"not judged: {ctx.language_reason}")
    traits = ctx.profile.traits
    hard = [traits[t] for t in ("CT-DES", "CT-ENF") if t in traits]
    talkative = traits.get("CT-LOC")
    if talkative is not None and talkative.score < TALKATIVE_SCORE:
        talkative = None  # a weak reading: not enough to hold the technician to refocusing
    if not hard and talkative is None:
        return ctx.na("PT-3", "no talkative, rude or angry customer")
    since = min((t.at for t in [*hard, *([talkative] if talkative else [])] if t.at is not None), default=0.0)
    if hard:
        answered = [f for f in ctx.findings if f.rule in ("DN-3", "DN-4", "DN-7") and f.turn.t >= since]
        if answered:
            return ctx.missed("PT-3", [quote(answered[0].turn)], answered[0].turn.t,
                              note="answered a difficult customer with criticism or defensiveness")
    if talkative is not None:
        later = [t for t in ctx.technician if t.t >= since]
        # refocusing: an explicit «volviendo a su ordenador...» or a paraphrase of the problem (AL-4)
        refocus = next((t for t in later if signals.REFOCUS.search(t.folded)
                        or signals.PARAPHRASE.search(t.folded)), None)
        if refocus is None:
            return ctx.missed("PT-3", [f"CT-LOC: {', '.join(talkative.evidence[:2])}"], talkative.at,
                              reason="refocus", note="never brought the talkative customer back to the problem")
        return ctx.met("PT-3", [quote(refocus)], refocus.t)
    return ctx.met("PT-3", [], since)


def pt4(ctx: Context) -> Item:
    if not ctx.technician:
        return ctx.unheard("PT-4", "the technician said nothing")
    hit = next((t for t in ctx.technician if signals.CARRIED_FRUSTRATION.search(t.folded)), None)
    if hit is not None:
        return ctx.missed("PT-4", [quote(hit)], hit.t)
    return ctx.met("PT-4", [], None)
