"""Difficult-customer traits (CT-*) seen in a contact, kept in the customer's history."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.desk.models import Customer, TraitObservation, WorkOrder
from atiende.desk.services.checks import clean_text
from atiende.errors import InputError

TRAITS = ("CT-LOC", "CT-DES", "CT-ENF", "CT-ENT", "CT-INX")


@transaction.atomic
def record_trait_observation(
    *,
    customer: Customer,
    trait: str,
    score: float,
    evidence: Iterable[str] = (),
    work_order: WorkOrder | None = None,
    at: datetime | None = None,
) -> TraitObservation:
    """Keep a difficult-customer trait seen in a contact (CT-*) in the customer's history.

    Called by the language assistant; the evidence is the customer's own words.
    """
    if trait not in TRAITS:
        raise InputError("invalid_choice", _("Unknown trait %(trait)s; use one of: %(traits)s.")
                         % {"trait": trait, "traits": ", ".join(TRAITS)}, field="trait")
    if isinstance(score, bool) or not isinstance(score, (int, float)) or not 0 <= score <= 1:
        raise InputError("invalid_input", _("The score goes from 0 to 1."), field="score")
    quotes = [clean_text(item, "evidence", 300) for item in list(evidence)[:10]]
    return TraitObservation.objects.create(
        customer=customer, trait=trait, score=float(score), evidence=[q for q in quotes if q],
        work_order=work_order, observed_at=at or timezone.now(),
    )

