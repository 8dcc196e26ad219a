"""AL-1..6: listening to the story, acknowledging, not interrupting, paraphrasing, closed questions."""

from __future__ import annotations

from atiende.quality import signals
from atiende.quality.card import Item
from atiende.quality.context import (
    OVERLAP_TOLERANCE,
    STORY_WORDS,
    Context,
    is_acknowledgement,
    is_open_question,
    questions,
    quote,
)
from atiende.quality.transcript import Turn

EXPLAINING_WORDS = 12  # cutting a customer turn this long cuts the story, whenever it happens
LONG_STORY_WORDS = 35  # about 15 s: a story this long calls for acknowledgements while it is told


def first_story(ctx: Context) -> Turn | None:
    return next((t for t in ctx.customer if t.words >= STORY_WORDS), None)


def score(ctx: Context) -> list[Item]:
    return [al1(ctx), al2(ctx), al3(ctx), al4(ctx), al5(ctx), al6(ctx)]


def al1(ctx: Context) -> Item:
    if not ctx.transcript.is_voice:
        return ctx.na("AL-1", "interrupting the story is judged on spoken contacts")
    story = first_story(ctx)
    if story is None:
        return ctx.unheard("AL-1", "the customer told no story")
    cut = [i for i in ctx.interruptions
           if i.technician.t <= ctx.story_end or i.customer.words >= EXPLAINING_WORDS]
    if cut:
        first = cut[0]
        return ctx.missed("AL-1", [quote(first.customer), quote(first.technician)], first.technician.t,
                          note="the story was cut before it was over")
    # a hold that starts while the customer is still explaining cuts the story too (HO-1)
    for hold in ctx.transcript.events_of("hold"):
        last = ctx.last_turn_before(hold.index)
        if last is not None and not last.is_technician and last.words >= EXPLAINING_WORDS and (
                hold.t < last.end - OVERLAP_TOLERANCE or signals.TRUNCATED.search(last.text)):
            return ctx.missed("AL-1", [quote(last)], hold.t, note="a hold cut the customer's explanation")
    protest = next((t for t in ctx.customer if t.t <= ctx.story_end and signals.LET_ME_FINISH.search(t.folded)), None)
    if protest is not None:
        return ctx.missed("AL-1", [quote(protest)], protest.t, note="the customer had to ask to finish")
    return ctx.met("AL-1", [quote(story)], story.t)


def al2(ctx: Context) -> Item:
    if ctx.transcript.channel == "email":
        return ctx.na("AL-2", "acknowledgements are for live conversations")
    story = first_story(ctx)
    if story is None:
        return ctx.unheard("AL-2", "the customer told no story")
    interrupting = {i.technician.index for i in ctx.interruptions}
    for turn in ctx.technician:
        if turn.t < story.t or turn.t > ctx.story_end or turn.index in interrupting:
            continue  # «Vale, vale...» said over the customer is an interruption, not an acknowledgement
        heard = ctx.last_turn_before(turn.index)
        if heard is None or heard.is_technician or heard.words < STORY_WORDS:
            continue  # «Sí» after «¿Es seguro?» answers a question; «Vale» after «Ya funciona» closes
        if is_acknowledgement(turn) or signals.ACKNOWLEDGEMENT.search(turn.folded) \
                or signals.ACK_SENTENCE.search(turn.folded):
            return ctx.met("AL-2", [quote(turn)], turn.t)
    long_story = any(t.words >= LONG_STORY_WORDS for t in ctx.customer if t.t <= ctx.story_end)
    reply = next((t for t in ctx.technician if t.t > story.t), None)
    if not long_story and reply is not None and (
            signals.EMPATHY.search(reply.folded) or signals.PARAPHRASE.search(reply.folded)):
        # a short account answered with empathy or a paraphrase: the customer knows they were heard
        return ctx.met("AL-2", [quote(reply)], reply.t, note="short story, answered showing it was heard")
    return ctx.missed("AL-2", [quote(story)], story.t, note="no acknowledgement while the story was told")


def al3(ctx: Context) -> Item:
    if not ctx.transcript.is_voice:
        return ctx.na("AL-3", "interruptions are judged on spoken contacts")
    if not ctx.customer:
        return ctx.unheard("AL-3", "the customer said nothing")
    if ctx.interruptions:
        first = ctx.interruptions[0]
        evidence = [quote(first.customer), quote(first.technician)]
        if len(ctx.interruptions) > 1:
            evidence.append(f"{len(ctx.interruptions)} interrupciones / interruptions")
        return ctx.missed("AL-3", evidence, first.technician.t)
    return ctx.met("AL-3", [], None, note="no technician turn started while the customer was talking")


def al4(ctx: Context) -> Item:
    story = first_story(ctx)
    if story is None:
        return ctx.unheard("AL-4", "the customer told no story")
    for turn in ctx.technician:
        if turn.t > story.t and signals.PARAPHRASE.search(turn.folded):
            return ctx.met("AL-4", [quote(turn)], turn.t)
    return ctx.missed("AL-4", [quote(story)], story.t, note="the story was never paraphrased")


def diagnostic_questions(ctx: Context) -> list[tuple[Turn, str]]:
    story = first_story(ctx)
    if story is None:
        return []
    found = []
    for turn in ctx.technician:
        if turn.t <= story.t:
            continue
        asked = questions(turn)
        if signals.PARAPHRASE.search(turn.folded):
            asked = asked[1:]  # «..., ¿es así?» confirms the paraphrase (AL-4), it is not a question of its own
        for q in asked:
            if signals.NON_DIAGNOSTIC.search(q) or signals.PERMISSION.search(q) \
                    or signals.SATISFACTION_CHECK.search(q) or signals.LEVEL_CHECK.search(q):
                continue  # consent, close and level questions belong to HO/TR, SP-4 and CO-3
            found.append((turn, q))
    return found


def al5(ctx: Context) -> Item:
    asked = diagnostic_questions(ctx)
    if not asked:
        return ctx.unheard("AL-5", "no diagnostic questions were needed")
    open_ones = [(t, q) for t, q in asked if is_open_question(q)]
    closed = len(asked) - len(open_ones)
    if closed == 0 or len(open_ones) > closed:
        turn = open_ones[0][0]
        return ctx.missed("AL-5", [quote(t) for t, _q in open_ones[:3]], turn.t,
                          note=f"{len(open_ones)} open vs {closed} closed questions")
    first_closed = next(t for t, q in asked if not is_open_question(q))
    return ctx.met("AL-5", [quote(first_closed)], first_closed.t,
                   note=f"{closed} closed vs {len(open_ones)} open questions")


def al6(ctx: Context) -> Item:
    recorded = next((t for t in ctx.technician if signals.RECORDING.search(t.folded)), None)
    if recorded is None:
        return ctx.unheard("AL-6", "the transcript does not show the work order; the work order itself enforces AL-6")
    return ctx.met("AL-6", [quote(recorded)], recorded.t)
