"""Consents, the credential vault and the audit trail under /api/v1/privacy (ET-2, ET-3, ET-4).

Who may do what:

- staff record and withdraw consents for the customers they can see; a customer
  records and withdraws their own in the portal (method ``portal``);
- anyone who can see a work order lists its vault entries (labels only, never
  values) and may put a credential in; only the assigned technician reveals
  one, and only after the customer's consent (ET-2); every reveal is audited;
- administrators read the audit trail and verify its chain.

Objects the user cannot see answer 404, like the rest of the API.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status

from atiende.api.errors import ApiError
from atiende.api.permissions import current_user, require_role
from atiende.desk import selectors
from atiende.people.roles import ADMINS, STAFF, has_role
from atiende.privacy import audit, services
from atiende.privacy.models import (
    AuditEntry,
    Consent,
    ConsentMethod,
    ConsentScope,
    SecretKind,
    VaultSecret,
)

PREFIX = "privacy"
router = Router(tags=["privacy"])


class ConsentIn(Schema):
    customer_id: int = Field(ge=1, le=2**62)
    scope: ConsentScope
    method: ConsentMethod = ConsentMethod.SPOKEN_PHONE
    work_order: int | None = Field(None, ge=1, le=999_999_999, description="Work order number")
    contact_ref: str = Field("", max_length=100)
    note: str = Field("", max_length=2000)


class ConsentOut(Schema):
    id: int
    customer_id: int | None
    work_order: int | None
    contact_ref: str
    scope: str
    method: str
    recorded_by: str | None
    given_at: datetime
    withdrawn_at: datetime | None
    note: str

    @staticmethod
    def resolve_work_order(obj: Consent) -> int | None:
        return obj.work_order.number if obj.work_order is not None else None

    @staticmethod
    def resolve_recorded_by(obj: Consent) -> str | None:
        return obj.recorded_by.username if obj.recorded_by is not None else None


class SecretIn(Schema):
    kind: SecretKind
    label: str = Field(min_length=1, max_length=120)
    value: str = Field(min_length=1, max_length=services.MAX_SECRET_CHARS)
    admin_account: bool = False


class SecretOut(Schema):
    id: int
    kind: str
    label: str
    admin_account: bool
    created_at: datetime
    purged_at: datetime | None


class RevealOut(Schema):
    id: int
    value: str


class AuditOut(Schema):
    seq: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    details: dict[str, Any]
    hash: str

    @staticmethod
    def resolve_actor(obj: AuditEntry) -> str:
        return obj.actor_name


class VerifyOut(Schema):
    ok: bool
    checked: int
    broken_seq: int | None
    reason: str


def _consent_for(request: HttpRequest, consent_id: int) -> Consent:
    user = current_user(request)
    consent = Consent.objects.select_related("work_order", "recorded_by").filter(pk=consent_id).first()
    # A consent without a customer matches no visible customer: 404 as before.
    if consent is None or consent.customer_id is None or not selectors.visible_customers(user).filter(pk=consent.customer_id).exists():
        raise ApiError(404, "not_found", _("No such consent."))
    return consent


@router.get("/consents", response=list[ConsentOut], summary="Consents of a customer (ET-2)")
def list_consents(request: HttpRequest, customer_id: int = Query(..., ge=1, le=2**62),
                  active: bool = False) -> Any:
    customer = selectors.get_customer(current_user(request), customer_id)
    qs = Consent.objects.active() if active else Consent.objects.all()
    return list(qs.filter(customer=customer).select_related("work_order", "recorded_by")[:500])


@router.post("/consents", response={201: ConsentOut}, summary="Record a consent (ET-2, HO-3, TR-3)")
def create_consent(request: HttpRequest, payload: ConsentIn) -> Status:
    user = current_user(request)
    customer = selectors.get_customer(user, payload.customer_id)
    method = payload.method
    if user.is_customer:
        method = ConsentMethod.PORTAL  # the portal is how a customer gives it, whatever was sent
    work_order = selectors.get_work_order(user, payload.work_order) if payload.work_order else None
    consent = services.give_consent(
        customer=customer, scope=payload.scope, method=method, recorded_by=user, work_order=work_order,
        contact_ref=payload.contact_ref, note=payload.note,
    )
    return Status(201, consent)


@router.post("/consents/{consent_id}/withdraw", response=ConsentOut, summary="Withdraw a consent")
def withdraw(request: HttpRequest, consent_id: int = Path(..., ge=1, le=2**62)) -> Any:
    consent = _consent_for(request, consent_id)
    return services.withdraw_consent(consent=consent, by=current_user(request))


@router.get("/work-orders/{number}/secrets", response=list[SecretOut],
            summary="Credentials kept for a work order (labels only)")
def list_secrets(request: HttpRequest, number: str) -> Any:
    work_order = selectors.get_work_order(current_user(request), number)
    return list(VaultSecret.objects.filter(work_order=work_order).defer("ciphertext"))


@router.post("/work-orders/{number}/secrets", response={201: SecretOut},
             summary="Put a credential the customer gave in the vault (ET-3)")
def store(request: HttpRequest, number: str, payload: SecretIn) -> Status:
    user = current_user(request)
    work_order = selectors.get_work_order(user, number)
    secret = services.store_secret(work_order=work_order, kind=payload.kind, label=payload.label,
                                   value=payload.value, created_by=user, admin_account=payload.admin_account)
    return Status(201, secret)


@router.post("/secrets/{secret_id}/reveal", response=RevealOut,
             summary="Reveal a credential (assigned technician, after consent; audited)")
def reveal(request: HttpRequest, response: HttpResponse, secret_id: int = Path(..., ge=1, le=2**62)) -> Any:
    user = current_user(request)
    secret = VaultSecret.objects.filter(pk=secret_id).select_related("work_order").first()
    if secret is not None and not (has_role(user, STAFF)
                                   and selectors.visible_work_orders(user).filter(pk=secret.work_order_id).exists()):
        # ET-4: a try at a secret one may not even see is evidence too, though it answers as a missing id.
        services.record_refused_reveal(actor=user, secret=secret, reason="not_visible")
        secret = None
    user = require_role(request, STAFF)
    if secret is None:
        raise ApiError(404, "not_found", _("No such secret."))
    value = services.reveal_secret(actor=user, secret=secret)
    response["Cache-Control"] = "no-store"
    return {"id": secret.pk, "value": value}


@router.get("/audit", response=list[AuditOut], summary="The audit trail, newest first (administrators)")
def audit_trail(request: HttpRequest, object_type: str = Query("", max_length=60),
                object_id: str = Query("", max_length=64), limit: int = Query(100, ge=1, le=1000)) -> Any:
    require_role(request, ADMINS)
    qs = AuditEntry.objects.order_by("-seq")
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    return list(qs[:limit])


@router.get("/audit/verify", response=VerifyOut, summary="Verify the audit chain (administrators)")
def audit_verify(request: HttpRequest) -> Any:
    require_role(request, ADMINS)
    result = audit.verify()
    return {"ok": result.ok, "checked": result.checked, "broken_seq": result.broken_seq, "reason": result.reason}
