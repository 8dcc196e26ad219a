"""A stored call's scorecard: its transcript (the engine's events and the supplied turns), scored and kept.

Both the scoring jobs' worker (:mod:`atiende.scorecards.jobs`) and the actions
(:mod:`atiende.scorecards.services`, new turns or an uploaded transcript) score through here.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende import __version__
from atiende.contact.models import Contact
from atiende.engine import EventKind
from atiende.errors import InputError
from atiende.people.models import User
from atiende.quality import TranscriptError, parse_transcript, score_transcript
from atiende.quality.context import ScoringPolicy
from atiende.scorecards.models import ContactTranscript, Scorecard, Source
from atiende.scorecards.transcripts import call_events, merge

SCORER_VERSION = f"atiende-quality {__version__}"


def transcript_error(exc: TranscriptError) -> InputError:
    language = (translation_language() or "es")
    return InputError("invalid_transcript", exc.message(language), field=exc.field)


def translation_language() -> str:
    from django.utils.translation import get_language

    return get_language() or "es"


def card_fields(transcript: dict[str, Any], policy: ScoringPolicy | None = None) -> dict[str, Any]:
    """Score the (already redacted) transcript; the fields a Scorecard row stores.

    ``policy``: the PO-1/PO-2 limits to judge by (a call's: its queue's and organisation's policy); the
    policy document's defaults when not given (an uploaded chat or email has no queue)."""
    try:
        parsed = parse_transcript(transcript)
    except TranscriptError as exc:
        raise transcript_error(exc) from None
    except (OverflowError, TypeError, ValueError):  # e.g. an integer too large to be a time
        raise InputError("invalid_transcript", _("The transcript has a value out of range."),
                         field="events") from None
    card = score_transcript(parsed, policy=policy)
    items = [{**item.as_dict(), "coaching_es": item.coaching_es, "coaching_en": item.coaching_en,
              "note": item.note} for item in card.items]
    return {
        "channel": parsed.channel, "transcript": transcript, "score": card.score, "final_score": card.score,
        "items": items, "coaching": {"es": card.coaching("es"), "en": card.coaching("en")},
        "language_available": card.language_available, "scorer_version": SCORER_VERSION,
        "scored_at": timezone.now(),
    }


def _answering_technician(contact: Contact, log_rows: list[tuple[str, Any, dict[str, Any]]]) -> User | None:
    """Who answered the call (its first ``answered`` event's), else its assignee. ``log_rows``: the call's events
    as (kind, at, data) in (at, id) order, as the transcript read them."""
    data = next((row_data for kind, _at, row_data in log_rows if kind == EventKind.ANSWERED), None)
    tech_id = (data or {}).get("technician")
    tech_id = tech_id or contact.assignee_id
    return User.objects.filter(pk=tech_id).first() if tech_id else None


def contact_transcript(contact: Contact) -> dict[str, Any] | None:
    """The SPEC transcript of a call: the engine's events plus the supplied turns (None if never answered).

    A call handled in the console with no words supplied is still a transcript: its events alone. The scorer
    judges the rules those events show (holds, transfers, the call policies) and marks n/a, never missed, the
    rules that need what was said (issue 22, item 19); turns that arrive later score it again."""
    return _transcript(contact)[0]


def _transcript(contact: Contact) -> tuple[dict[str, Any] | None, User | None]:
    """:func:`contact_transcript`, and the technician who answered (read once for both the transcript and the
    card)."""
    if contact.answered_at is None:
        return None, None  # abandoned before the answer: nobody to score
    supplied = ContactTranscript.objects.filter(contact=contact).first()
    log_rows = [(e.kind, e.at, e.data or {}) for e in contact.events.order_by("at", "id")]
    events = call_events(log_rows, contact.answered_at)
    technician = _answering_technician(contact, log_rows)
    customer = dict(supplied.customer or {}) if supplied is not None else {}
    if not customer.get("name") and contact.customer_id and contact.customer:
        customer = {"name": contact.customer.name}
        if contact.customer.address_as:
            customer["address_as"] = contact.customer.address_as
    return {
        "channel": "telefonico",
        "customer": {"name": customer.get("name") or _("customer"),
                     **({"address_as": customer["address_as"]} if customer.get("address_as") else {})},
        "technician": {"name": technician.display_name if technician else _("technician"),
                       "tier": max(1, int(getattr(technician, "tier", 1) or 1))},
        "events": merge(events, list(supplied.turns or []) if supplied is not None else []),
    }, technician


def call_policy(contact: Contact) -> ScoringPolicy:
    """PO-1 and PO-2 as they applied to this call: its queue's policy over its organisation's over the defaults,
    the same layering the live timers use (contact.selectors.policy_for), not the defaults (issue 22, item 17)."""
    from atiende.contact.selectors import policy_for

    organisation_id = contact.customer.organisation_id if contact.customer_id and contact.customer else None
    policy = policy_for(contact.queue, organisation_id)
    return ScoringPolicy(max_call_seconds=policy.max_call_seconds, max_wait_seconds=policy.max_wait_seconds)


def _behind(card: Scorecard, contact: Contact) -> bool:
    """The card was scored before some of the call's stored turns arrived (turns are only ever appended): say
    the card was made on the events alone and the words came later, while the scorer was failing."""
    supplied = ContactTranscript.objects.filter(contact=contact).values_list("turns", flat=True).first() or []
    events = card.transcript.get("events") if isinstance(card.transcript, dict) else None
    scored = sum(1 for e in events or [] if isinstance(e, dict) and "speaker" in e)
    return scored < len(supplied)


def score_contact(*, contact: Contact, rescore: bool = False) -> Scorecard | None:
    """Score a call that ended; once per contact (a second call returns the stored card, unless turns stored
    since were not on it: then it is scored again, as ``rescore`` does).

    ``rescore`` replaces the scorer's items (new turns arrived) unless the card
    was already calibrated or answered: that conversation is kept as it was.
    """
    with transaction.atomic():
        existing = Scorecard.objects.select_for_update().filter(contact=contact).first()
        if existing is not None and not rescore and not _behind(existing, contact):
            return existing
        if existing is not None and (existing.overrides.exists() or existing.acknowledgements.exists()):
            return existing
        transcript, technician = _transcript(contact)
        if transcript is None:
            return existing
        fields = card_fields(transcript, call_policy(contact))
        if existing is not None:
            for name, value in fields.items():
                setattr(existing, name, value)
            existing.save()
            return existing
        return Scorecard.objects.create(contact=contact, technician=technician, source=Source.CONTACT, **fields)
