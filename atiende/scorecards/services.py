"""Business actions on scorecards: score a contact or an uploaded transcript, override, acknowledge.

Keyword-only arguments, one transaction each. Who may do what (ET-4) is
decided here so the API and the web pages cannot disagree.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from atiende.contact.models import Contact, ContactState
from atiende.contact.selectors import manager_may_see
from atiende.engine import EventKind
from atiende.errors import InputError
from atiende.people.models import User
from atiende.people.roles import STAFF, is_manager, is_staff, role_filter
from atiende.quality.calibration import OverrideError
from atiende.quality.card import STATUSES
from atiende.quality.transcript import SPEAKERS
from atiende.scorecards import jobs, selectors
from atiende.scorecards.models import (
    Acknowledgement,
    Answer,
    ContactTranscript,
    ItemOverride,
    Scorecard,
    ScoringJob,
    Source,
)
from atiende.scorecards.scoring import (
    card_fields,
    score_contact,
    translation_language,
)
from atiende.scorecards.transcripts import redact_text, redact_transcript

log = logging.getLogger(__name__)

MAX_EVENTS = 5000
MAX_TEXT = 20_000
MAX_COMMENT = 2000


def _seconds_value(value: Any) -> bool:
    """A finite, non-negative number of seconds (a bool or a 400-digit integer is not)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value) and value >= 0
    except OverflowError:
        return False


def _clean_turns(turns: Any) -> list[dict[str, Any]]:
    if not isinstance(turns, list) or not turns:
        raise InputError("invalid_transcript", _("turns: give a non-empty list of turns."), field="turns")
    if len(turns) > MAX_EVENTS:
        raise InputError("invalid_transcript", _("turns: at most %(n)s turns.") % {"n": MAX_EVENTS}, field="turns")
    out: list[dict[str, Any]] = []
    for i, turn in enumerate(turns):
        where = f"turns[{i}]"
        if not isinstance(turn, dict):
            raise InputError("invalid_transcript", _("%(f)s: must be an object.") % {"f": where}, field=where)
        t, end, speaker, text = turn.get("t"), turn.get("end"), turn.get("speaker"), turn.get("text")
        if not _seconds_value(t):
            raise InputError("invalid_transcript", _("%(f)s.t: must be a number of seconds (0 or more).")
                             % {"f": where}, field=f"{where}.t")
        if speaker not in SPEAKERS:
            raise InputError("invalid_transcript", _("%(f)s.speaker: must be tecnico or cliente.") % {"f": where},
                             field=f"{where}.speaker")
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
            raise InputError("invalid_transcript", _("%(f)s.text: must be a non-empty text.") % {"f": where},
                             field=f"{where}.text")
        clean: dict[str, Any] = {"t": float(t or 0), "speaker": speaker, "text": redact_text(text)}
        if end is not None:
            if not _seconds_value(end) or end < t:
                raise InputError("invalid_transcript", _("%(f)s.end: must be a number of seconds not before t.")
                                 % {"f": where}, field=f"{where}.end")
            clean["end"] = float(end)
        out.append(clean)
    return out


def _may_supply(user: User, contact: Contact, token_kind: str | None) -> bool:
    if token_kind == "cti":
        return True
    if is_manager(user) and manager_may_see(user, contact.pk):
        # ET-4: a supervisor supplies words only for calls of the queues they supervise (or handled
        # themselves); another team's call is answered as missing, so its id is not confirmed either.
        return True
    involved = {contact.assignee_id, contact.offered_to_id}
    answered = contact.events.filter(kind=EventKind.ANSWERED).values_list("data", flat=True).first() or {}
    involved.add(answered.get("technician"))
    return user.pk in involved


def attach_transcript(*, contact_id: int, user: User, turns: Any, customer: dict[str, Any] | None = None,
                      token_kind: str | None = None) -> tuple[ContactTranscript, Scorecard | None]:
    """Add turns to a call's transcript (telephony or the technician); an ended call is scored again.

    Turns are appended in time order and redacted before storing (ET-3).
    """
    with transaction.atomic():
        contact = (Contact.objects.select_for_update(of=("self",)).select_related("customer")
                   .filter(pk=contact_id).first())
        if contact is None or not is_staff(user) or not _may_supply(user, contact, token_kind):
            raise InputError("unknown_contact", _("There is no contact %(id)s.") % {"id": contact_id}, status=404)
        # The call first, then the words: another team's call answers as missing whatever was sent (issue 22,
        # items 10 and 28), not with a verdict on turns its sender could not supply anyway.
        clean = _clean_turns(turns)
        card = Scorecard.objects.filter(contact=contact).first()
        if card is not None and (card.overrides.exists() or card.acknowledgements.exists()):
            raise InputError("scorecard_calibrated", _("This call's scorecard was already reviewed; its transcript "
                                                       "can no longer change."), status=409)
        stored, _created = ContactTranscript.objects.get_or_create(contact=contact)
        previous = stored.turns or []
        last = max((float(t["t"]) for t in previous), default=0.0)
        if previous and clean[0]["t"] < last:
            raise InputError("invalid_transcript", _("turns[0].t: goes back in time; send turns in order."),
                             field="turns[0].t")
        for i, (a, b) in enumerate(zip(clean, clean[1:], strict=False), start=1):
            if b["t"] < a["t"]:
                raise InputError("invalid_transcript", _("turns[%(i)s].t: goes back in time; send turns in order.")
                                 % {"i": i}, field=f"turns[{i}].t")
        if len(previous) + len(clean) > MAX_EVENTS:
            raise InputError("invalid_transcript", _("turns: at most %(n)s turns.") % {"n": MAX_EVENTS},
                             field="turns")
        stored.turns = previous + clean
        if customer:
            name = customer.get("name")
            address_as = customer.get("address_as")
            if not isinstance(name, str) or not name.strip() or len(name) > 200 or (
                    address_as is not None and (not isinstance(address_as, str) or len(address_as) > 60)):
                raise InputError("invalid_transcript", _("customer: give a name (and optionally address_as)."),
                                 field="customer")
            stored.customer = {"name": name.strip(), **({"address_as": address_as} if address_as else {})}
        stored.supplied_by = user
        stored.save()
        scored = None
        if contact.state == ContactState.ENDED:
            try:
                scored = score_contact(contact=contact, rescore=True)  # a savepoint: a failure undoes only itself
            except Exception as exc:
                # The words are kept even if the scorer fails on them, and the request still succeeds; the
                # call's job keeps the failure for the worker to retry with its back-off (and to alert its
                # supervisors if every attempt fails), instead of the card being lost.
                log.exception("scoring contact %s after new turns failed", contact.pk)
                jobs.retry_later(contact.pk, exc)
            if scored is not None:
                # The card exists: a job still waiting (or given up) for this call has nothing left to do.
                # One a worker holds right now is skipped, not waited for (it waits for this contact's
                # lock, so waiting for it would deadlock): that worker finds the card and deletes its job.
                free = ScoringJob.objects.select_for_update(skip_locked=True).filter(contact=contact)
                ScoringJob.objects.filter(pk__in=list(free.values_list("pk", flat=True))).delete()
    return stored, scored


def _technician_for_upload(user: User, technician_id: int | None) -> User:
    if technician_id is None:
        if not is_manager(user):
            return user
        raise InputError("technician_required", _("Name the technician whose contact this is."),
                         field="technician")
    technician = User.objects.filter(role_filter(STAFF), pk=technician_id, is_active=True).first()
    if technician is None or not selectors.team_technicians(user).filter(pk=technician.pk).exists():
        raise InputError("unknown_technician", _("There is no such technician in your teams."), status=404,
                         field="technician", rule="ET-4")
    return technician


def score_transcript_upload(*, user: User, transcript: Any, technician_id: int | None = None,
                            work_order_number: int | None = None) -> Scorecard:
    """Score a chat, email thread or walk-in notes posted as a SPEC transcript, stored redacted."""
    if not is_staff(user):
        raise InputError("forbidden", _("Only the desk's staff may score contacts."), status=403, rule="ET-4")
    if not isinstance(transcript, dict):
        raise InputError("invalid_transcript", _("transcript: must be a JSON object."), field="transcript")
    events = transcript.get("events")
    if isinstance(events, list) and len(events) > MAX_EVENTS:
        raise InputError("invalid_transcript", _("events: at most %(n)s events.") % {"n": MAX_EVENTS},
                         field="events")
    if isinstance(events, list) and any(isinstance(e, dict) and isinstance(e.get("text"), str)
                                        and len(e["text"]) > MAX_TEXT for e in events):
        raise InputError("invalid_transcript", _("events: a text is too long."), field="events")
    technician = _technician_for_upload(user, technician_id)
    data = dict(transcript)
    if not isinstance(data.get("technician"), dict):
        data["technician"] = {"name": technician.display_name, "tier": max(1, technician.tier or 1)}
    work_order = None
    if work_order_number is not None:
        from atiende.desk.selectors import visible_work_orders

        work_order = visible_work_orders(user).filter(number=work_order_number).first()
        if work_order is None:
            raise InputError("unknown_work_order", _("There is no work order %(n)s.") % {"n": work_order_number},
                             status=404, field="work_order")
    try:
        fields = card_fields(redact_transcript(data))
    except InputError:
        raise
    except Exception:
        # A transcript the scorer cannot judge is the sender's problem to see, never a 500.
        log.exception("scoring an uploaded transcript failed")
        raise InputError("unscorable_transcript", _("This transcript could not be scored; check its contents."),
                         status=422) from None
    return Scorecard.objects.create(technician=technician, work_order=work_order, source=Source.UPLOAD,
                                    created_by=user, **fields)


# ---- calibration --------------------------------------------------------------------

def override_item(*, scorecard_id: int, user: User, rule: str, status: str, comment: str) -> ItemOverride:
    """A supervisor corrects one item with a comment; the scorer's status is kept beside it."""
    with transaction.atomic():
        card = selectors.get_scorecard(user, scorecard_id)
        if not is_manager(user):
            raise InputError("supervisors_only", _("Only a supervisor can override an item of a scorecard."),
                             status=403, rule="ET-4")
        if card.technician_id == user.pk:
            raise InputError("own_scorecard", _("Nobody may override their own scorecard."), status=403,
                             rule="ET-4")
        card = Scorecard.objects.select_for_update().get(pk=card.pk)
        comment = (comment or "").strip()
        if len(comment) > MAX_COMMENT:
            raise InputError("invalid_comment", _("The comment is too long."), field="comment")
        original = next((i["status"] for i in card.items if i["rule"] == rule), None)
        if original is None:
            raise InputError("invalid_rule", _("Rule %(rule)s is not on this scorecard.") % {"rule": rule},
                             field="rule")
        if status not in STATUSES:
            raise InputError("invalid_status", _("The status must be met, missed or n/a."), field="status")
        if not comment:
            raise InputError("comment_required", _("Explain the override with a comment."), field="comment")
        override = ItemOverride(scorecard=card, rule=rule, original_status=original, new_status=status,
                                comment=redact_text(comment), supervisor=user)
        try:
            calibrated = selectors.calibrated(card, [*card.overrides.all(), override])
        except OverrideError as exc:
            raise InputError("invalid_override", exc.es if translation_language() == "es" else exc.en,
                             field=exc.field) from None
        override.save()
        card.final_score = calibrated.score
        card.save(update_fields=["final_score"])
    return override


def answer_scorecard(*, scorecard_id: int, user: User, answer: str, comment: str = "") -> Acknowledgement:
    """The technician of the card acknowledges it, or disputes it saying why."""
    with transaction.atomic():
        card = selectors.get_scorecard(user, scorecard_id)
        if card.technician_id != user.pk:
            raise InputError("technician_only", _("Only the technician of this scorecard can acknowledge or "
                                                  "dispute it."), status=403, rule="ET-4")
        if answer not in Answer.values:
            raise InputError("invalid_answer", _("The answer must be acknowledged or disputed."), field="answer")
        comment = (comment or "").strip()
        if len(comment) > MAX_COMMENT:
            raise InputError("invalid_comment", _("The comment is too long."), field="comment")
        if answer == Answer.DISPUTED and not comment:
            raise InputError("comment_required", _("Say what you dispute in a comment."), field="comment")
        return Acknowledgement.objects.create(scorecard=card, technician=user, answer=answer,
                                              comment=redact_text(comment))
