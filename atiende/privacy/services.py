"""Consents (ET-2, HO-3, TR-3) and the credential vault (ET-3).

Every action validates, writes and appends to the audit trail in one transaction.
Functions that hold a secret in plain text are marked ``sensitive_variables`` so
Django's error reports show them as stars.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from atiende.errors import InputError
from atiende.practices import Refusal
from atiende.privacy import audit
from atiende.privacy.models import (
    Consent,
    ConsentMethod,
    ConsentScope,
    SecretKind,
    VaultSecret,
)
from atiende.privacy.vault import KeyRing, associated_data, load_keyring

# Which practice a missing consent breaks. Account, remote access and recording: ET-2.
SCOPE_RULE = {
    ConsentScope.HOLD: "HO-3",
    ConsentScope.TRANSFER: "TR-3",
}
ACCOUNT_SCOPES = (ConsentScope.ACCOUNT_ACCESS, ConsentScope.ADMIN_ACCOUNT_ACCESS)
MAX_SECRET_CHARS = 4096
# These need a consent given for the very work order or contact (ET-2).
SPECIFIC_SCOPES = (ConsentScope.ACCOUNT_ACCESS, ConsentScope.ADMIN_ACCOUNT_ACCESS, ConsentScope.REMOTE_ACCESS)


# --------------------------------------------------------------------------- consents

def give_consent(
    *,
    customer: Any,
    scope: str,
    method: str,
    recorded_by: Any,
    work_order: Any = None,
    contact_ref: str = "",
    given_at: datetime | None = None,
    note: str = "",
) -> Consent:
    """Record that the customer allowed ``scope``, how and when."""
    if scope not in ConsentScope.values:
        raise InputError(
            "invalid_scope",
            _("Unknown consent scope %(scope)s; use one of: %(scopes)s.")
            % {"scope": scope, "scopes": ", ".join(ConsentScope.values)},
            field="scope",
        )
    if method not in ConsentMethod.values:
        raise InputError(
            "invalid_method",
            _("Unknown consent method %(method)s; use one of: %(methods)s.")
            % {"method": method, "methods": ", ".join(ConsentMethod.values)},
            field="method",
        )
    if customer is None and work_order is not None:
        customer = work_order.customer
    if customer is None and not (contact_ref or "").strip():
        raise InputError(
            "consent_needs_subject",
            _("Say whose consent it is: a customer, a work order or the contact it was given in."),
            field="customer",
        )
    if work_order is not None and work_order.customer_id != customer.pk and customer.pk not in (
        work_order.requester_id, work_order.decision_maker_id
    ):
        raise InputError(
            "consent_wrong_customer",
            _("The work order belongs to another customer; the consent must come from its customer."),
            rule="ET-2", field="work_order",
        )
    contact_ref = (contact_ref or "").strip()[:100]
    # The record and its audit line stand or fall together, and with the change they belong to (a call put on
    # hold inside the CTI event's transaction): no savepoint of their own, two statements fewer there.
    with transaction.atomic(savepoint=False):
        consent = Consent.objects.create(
            customer=customer, work_order=work_order, contact_ref=contact_ref, scope=scope,
            method=method, recorded_by=recorded_by, given_at=given_at or timezone.now(), note=note,
        )
        audit.record(
            "consent.given", actor=recorded_by, obj=consent,
            details={"customer": getattr(customer, "pk", None), "scope": scope, "method": method,
                     "work_order": getattr(work_order, "pk", None), "contact_ref": contact_ref},
        )
    return consent


def withdraw_consent(*, consent: Consent, by: Any, at: datetime | None = None) -> Consent:
    """The customer takes the permission back; from ``at`` on it no longer counts."""
    with transaction.atomic():
        consent = Consent.objects.select_for_update().get(pk=consent.pk)
        if consent.withdrawn_at is not None:
            raise InputError(
                "consent_already_withdrawn", _("This consent was already withdrawn."), status=409
            )
        consent.withdrawn_at = at or timezone.now()
        consent.withdrawn_by = by
        consent.save(update_fields=["withdrawn_at", "withdrawn_by"])
        audit.record("consent.withdrawn", actor=by, obj=consent,
                     details={"customer": consent.customer_id, "scope": consent.scope})
    return consent


def find_consent(
    *, customer: Any, scope: str, work_order: Any = None, contact_ref: str = "",
    at: datetime | None = None,
) -> Consent | None:
    """The most recent consent in force for this scope, or ``None``.

    A consent given for a work order or a contact counts only there; one given
    with neither counts for the customer in general, except for account and
    remote access, which always need one given for the work order (ET-2).
    """
    qs = Consent.objects.active(at).filter(scope=scope).order_by("-given_at", "-id")
    if customer is None:
        # A caller not identified yet: only what was given in this very contact counts.
        return qs.filter(contact_ref=contact_ref).first() if contact_ref else None
    if contact_ref:
        # Given before the caller was identified, in this contact: it was this customer's.
        qs = qs.filter(Q(customer=customer) | Q(customer__isnull=True, contact_ref=contact_ref))
    else:
        qs = qs.filter(customer=customer)
    if work_order is None and not contact_ref:
        return qs.first()
    where = Q(pk__in=[])
    if work_order is not None:
        where |= Q(work_order=work_order)
    if contact_ref:
        where |= Q(contact_ref=contact_ref)
    if scope not in SPECIFIC_SCOPES:
        where |= Q(work_order__isnull=True, contact_ref="")
    return qs.filter(where).first()


def _refusal_for(scope: str, customer: Any) -> Refusal:
    rule = SCOPE_RULE.get(scope, "ET-2")  # type: ignore[call-overload]
    label_es = {
        "hold": "poner en espera", "transfer": "transferir", "account_access": "acceder a la cuenta",
        "admin_account_access": "acceder a la cuenta de administrador",
        "remote_access": "acceder en remoto al equipo", "recording": "grabar el contacto",
    }[scope]
    label_en = {
        "hold": "put on hold", "transfer": "transfer", "account_access": "access the account",
        "admin_account_access": "access the administrator account",
        "remote_access": "access the computer remotely", "recording": "record the contact",
    }[scope]
    return Refusal(
        "consent_required",
        rule=rule,
        es=f"Falta el consentimiento del cliente para {label_es}: regístrelo antes ({rule}).",
        en=f"The customer's consent to {label_en} is missing: record it first ({rule}).",
    )


def require_consent(
    *, customer: Any, scope: str, work_order: Any = None, contact_ref: str = "",
    at: datetime | None = None,
) -> Consent:
    """The consent in force, or :class:`Refusal` (ET-2; HO-3 for hold, TR-3 for transfer)."""
    consent = find_consent(customer=customer, scope=scope, work_order=work_order,
                           contact_ref=contact_ref, at=at)
    if consent is None:
        raise _refusal_for(scope, customer)
    return consent


# --------------------------------------------------------------------------- vault

def keyring() -> KeyRing:
    return load_keyring(settings.HOME)


def _closed_past_grace(work_order: Any, now: datetime) -> bool:
    closed_at = work_order.closed_at
    return closed_at is not None and now >= closed_at + purge_grace()


def purge_grace() -> timedelta:
    """How long a closed work order keeps its secrets (``ATIENDE_VAULT_PURGE_GRACE_MINUTES``,
    default 0: purged when it closes). A setting of the same name overrides the environment."""
    minutes = getattr(settings, "ATIENDE_VAULT_PURGE_GRACE_MINUTES", None)
    if minutes is None:
        raw = os.environ.get("ATIENDE_VAULT_PURGE_GRACE_MINUTES", "0").strip() or "0"
        try:
            minutes = max(0, int(raw))
        except ValueError:
            raise InputError(
                "invalid_setting", "ATIENDE_VAULT_PURGE_GRACE_MINUTES must be a whole number of minutes."
            ) from None
    return timedelta(minutes=minutes)


@sensitive_variables("value", "sealed")
def store_secret(
    *, work_order: Any, kind: str, label: str, value: str, created_by: Any, admin_account: bool = False,
) -> VaultSecret:
    """Encrypt a credential the customer gave and keep it with the work order (ET-3)."""
    if kind not in SecretKind.values:
        raise InputError(
            "invalid_kind",
            _("Unknown secret kind %(kind)s; use one of: %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(SecretKind.values)},
            field="kind",
        )
    label = (label or "").strip()
    if not label:
        raise InputError("invalid_label", _("Say what the secret opens (a label)."), field="label")
    if not isinstance(value, str) or not value:
        raise InputError("invalid_value", _("The secret cannot be empty."), field="value")
    if len(value) > MAX_SECRET_CHARS:
        raise InputError("invalid_value", _("The secret is too long."), field="value")
    if work_order.closed_at is not None:
        raise InputError("work_order_closed", _("The work order is closed; the vault no longer takes secrets."),
                         rule="ET-3", status=409)
    ring = keyring()
    with transaction.atomic():
        secret = VaultSecret(work_order=work_order, kind=kind, label=label[:120],
                             admin_account=admin_account, created_by=created_by)
        sealed, secret.key_id = ring.encrypt(value, associated_data(work_order.pk, kind))
        secret.ciphertext = sealed
        secret.save()
        audit.record("vault.stored", actor=created_by, obj=secret,
                     details={"work_order": work_order.pk, "kind": kind, "label": secret.label,
                              "admin_account": admin_account})
    return secret


def _reveal_refusal(code: str, es: str, en: str, rule: str = "ET-3", status: int = 403) -> Refusal:
    return Refusal(code, rule=rule, es=es, en=en, status=status)


@sensitive_variables("plain")
def reveal_secret(*, actor: Any, secret: VaultSecret, now: datetime | None = None) -> str:
    """The plain text, for the work order's assignee only, after the consent (ET-2, ET-3).

    Every reveal is appended to the audit trail; refused attempts are too.
    """
    now = now or timezone.now()
    with transaction.atomic():
        secret = VaultSecret.objects.select_related("work_order").get(pk=secret.pk)
        work_order = secret.work_order
        base = {"work_order": work_order.pk, "kind": secret.kind, "label": secret.label}
        refusal: Refusal | None = None
        if secret.purged_at is not None or _closed_past_grace(work_order, now):
            refusal = _reveal_refusal(
                "secret_purged", "Este secreto ya se ha borrado: la solicitud está cerrada (ET-3).",
                "This secret has been purged: the work order is closed (ET-3).", status=410,
            )
        elif actor is None or work_order.assignee_id != actor.pk:
            refusal = _reveal_refusal(
                "not_assignee",
                "Solo el técnico asignado a la solicitud puede ver sus credenciales (ET-3).",
                "Only the technician assigned to the work order can see its credentials (ET-3).",
            )
        else:
            scopes = (ConsentScope.ADMIN_ACCOUNT_ACCESS,) if secret.admin_account else ACCOUNT_SCOPES
            found = None
            for scope in scopes:
                found = find_consent(customer=work_order.customer, scope=scope, work_order=work_order, at=now)
                if found is None and work_order.requester_id:
                    found = find_consent(customer=work_order.requester, scope=scope,
                                         work_order=work_order, at=now)
                if found:
                    break
            if found is None:
                refusal = _refusal_for(scopes[0], work_order.customer)
            else:
                base["consent"] = found.pk
    if refusal is not None:
        # The refused attempt is evidence too; record it outside the failed path.
        audit.record("vault.reveal_refused", actor=actor, obj=secret, details={**base, "reason": refusal.code})
        raise refusal
    plain = keyring().decrypt(secret.ciphertext, secret.key_id, associated_data(work_order.pk, secret.kind))
    audit.record("vault.revealed", actor=actor, obj=secret, details=base)
    return plain


def record_refused_reveal(*, actor: Any, secret: VaultSecret, reason: str) -> None:
    """An attempt to reveal a secret refused before ``reveal_secret`` (the work order is out of the actor's
    sight): audited like every refused reveal (ET-4), without telling the actor that the secret exists."""
    audit.record("vault.reveal_refused", actor=actor, obj=secret,
                 details={"work_order": secret.work_order_id, "kind": secret.kind, "label": secret.label,
                          "reason": reason})


def _purge(secret_ids: list[int], now: datetime, actor: Any, reason: str) -> int:
    if not secret_ids:
        return 0
    with transaction.atomic():
        count = VaultSecret.objects.filter(pk__in=secret_ids, purged_at__isnull=True).update(
            ciphertext=b"", purged_at=now
        )
        if count:
            audit.record("vault.purged", actor=actor, object_type="privacy.vaultsecret",
                         details={"secrets": sorted(secret_ids), "reason": reason})
    return count


def purge_work_order(*, work_order: Any, now: datetime | None = None, actor: Any = None) -> int:
    """Purge every secret of one work order now (its closure with no grace, or on request)."""
    ids = list(VaultSecret.objects.filter(work_order=work_order, purged_at__isnull=True)
               .values_list("pk", flat=True))
    return _purge(ids, now or timezone.now(), actor, "work_order_closed")


def purge_closed(*, now: datetime | None = None, grace: timedelta | None = None) -> int:
    """Purge the secrets of every work order closed at least ``grace`` ago (ET-3)."""
    now = now or timezone.now()
    grace = purge_grace() if grace is None else grace
    ids = list(
        VaultSecret.objects.filter(
            purged_at__isnull=True, work_order__closed_at__isnull=False,
            work_order__closed_at__lte=now - grace,
        ).values_list("pk", flat=True)
    )
    return _purge(ids, now, None, "work_order_closed")


@sensitive_variables("plain")
def rekey(*, actor: Any = None) -> int:
    """Re-encrypt every live secret under the newest key; returns how many changed."""
    ring = keyring()
    changed = 0
    with transaction.atomic():
        for secret in VaultSecret.objects.select_for_update().filter(purged_at__isnull=True).exclude(
            key_id=ring.current_id
        ):
            aad = associated_data(secret.work_order_id, secret.kind)
            plain = ring.decrypt(secret.ciphertext, secret.key_id, aad)
            secret.ciphertext, secret.key_id = ring.encrypt(plain, aad)
            secret.save(update_fields=["ciphertext", "key_id"])
            changed += 1
        if changed:
            audit.record("vault.rekeyed", actor=actor, object_type="privacy.vaultsecret",
                         details={"count": changed, "key_id": ring.current_id})
    return changed
