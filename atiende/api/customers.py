"""Customers under /api/v1/customers: records, contact points, history and traits.

Who may do what (ET-4):

- everyone signed in lists and reads the customers they can see (see
  ``atiende.desk.selectors``); a customer (portal account) sees only their own
  record, without the internal notes;
- only staff create and change customers and their contact points, and read
  the change history and the difficult-customer trait history (CT-*), which
  is internal;
- only administrators delete a customer, and only one without work orders.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from atiende.api.desk import WorkOrderPage, answers, paginate, work_order_data
from atiende.api.permissions import current_user, require_role
from atiende.desk import selectors
from atiende.desk.models import ContactPoint, Customer, FormOfAddress, KnowledgeLevel
from atiende.desk.services import customers
from atiende.errors import InputError
from atiende.people.roles import ADMINS, STAFF

PREFIX = "customers"
router = Router(tags=["customers"])


class ContactPointIn(Schema):
    kind: ContactPoint.Kind
    value: str = Field(..., min_length=1, max_length=254)
    preferred: bool = False


class ContactPointOut(Schema):
    id: int
    kind: str
    value: str
    preferred: bool


class OrganisationOut(Schema):
    id: int
    name: str
    team: int | None


class CustomerOut(Schema):
    id: int
    name: str
    address_as: str = Field(description="PH-5: Sr., Sra., Don, Doña, Dr....")
    greeting_name: str
    organisation: OrganisationOut | None
    country: str
    preferred_language: str
    knowledge_level: str = Field(description="CO-3: basico | intermedio | avanzado, or empty if unknown.")
    notes: str
    contact_points: list[ContactPointOut]
    has_portal_account: bool
    created_at: datetime


class CustomerPage(Schema):
    items: list[CustomerOut]
    count: int
    page: int
    page_size: int
    pages: int


class CustomerIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    address_as: FormOfAddress = FormOfAddress("")
    organisation: str | None = Field(None, max_length=200, description="Name; created if new.")
    country: str = Field("", max_length=2, description="ISO code: ES, MX, AR, CO, CL...")
    preferred_language: str = Field("es", max_length=8)
    knowledge_level: KnowledgeLevel | None = None
    notes: str = Field("", max_length=20_000)
    contact_points: list[ContactPointIn] = Field(default_factory=list, max_length=20)


class CustomerPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    address_as: FormOfAddress | None = None
    organisation: str | None = Field(None, max_length=200, description="Name; empty or null removes it.")
    country: str | None = Field(None, max_length=2)
    preferred_language: str | None = Field(None, max_length=8)
    knowledge_level: KnowledgeLevel | None = None
    notes: str | None = Field(None, max_length=20_000)
    contact_points: list[ContactPointIn] | None = Field(None, max_length=20,
                                                        description="Replaces the whole list.")


class TraitOut(Schema):
    id: int
    trait: str = Field(description="CT-LOC, CT-DES, CT-ENF, CT-ENT, CT-INX")
    score: float
    evidence: list[Any]
    work_order: int | None = Field(description="Work order number, if any.")
    observed_at: datetime


class CustomerEventOut(Schema):
    id: int
    kind: str
    actor: str | None
    changes: dict[str, Any]
    at: datetime


def customer_data(customer: Customer, *, staff: bool) -> dict[str, Any]:
    org = customer.organisation
    return {
        "id": customer.pk, "name": customer.name, "address_as": customer.address_as,
        "greeting_name": customer.greeting_name,
        "organisation": None if org is None else {"id": org.pk, "name": org.name, "team": org.team_id},
        "country": customer.country, "preferred_language": customer.preferred_language,
        "knowledge_level": customer.knowledge_level, "notes": customer.notes if staff else "",
        "contact_points": [
            {"id": cp.pk, "kind": cp.kind, "value": cp.value, "preferred": cp.preferred}
            for cp in customer.contact_points.all()
        ],
        "has_portal_account": customer.user_id is not None, "created_at": customer.created_at,
    }


def _points(items: list[ContactPointIn]) -> list[tuple[str, str, bool]]:
    return [(p.kind, p.value, p.preferred) for p in items]


@router.get("/organisations", response=answers(list[OrganisationOut]), summary="Organisations I may serve (staff: shared and my teams'; all for administrators)")
def list_organisations(request: HttpRequest) -> list[dict[str, Any]]:
    user = require_role(request, STAFF)  # ET-4: not another team's
    return [{"id": o.pk, "name": o.name, "team": o.team_id}
            for o in selectors.visible_organisations(user).order_by("name")]


@router.get("", response=answers(CustomerPage), summary="Search customers")
def list_customers(
    request: HttpRequest,
    q: str = Query("", max_length=200, description="Name, organisation, email or phone."),
    page: int = Query(1, ge=1, le=100_000),
    page_size: int = Query(settings.ATIENDE_PAGE_SIZE, ge=1, le=100),
) -> dict[str, Any]:
    user = current_user(request)
    qs = selectors.visible_customers(user).prefetch_related("contact_points")
    text = q.strip()
    if text:
        qs = qs.filter(pk__in=Customer.objects.filter(
            Q(name__icontains=text) | Q(organisation__name__icontains=text)
            | Q(contact_points__value__icontains=text)
        ).values("pk"))
    items, count, pages = paginate(qs.order_by("name", "id"), page, page_size)
    return {"items": [customer_data(c, staff=user.is_staff_member) for c in items], "count": count,
            "page": page, "page_size": page_size, "pages": pages}


@router.post("", response=answers(CustomerOut, 201), summary="Create a customer (staff)")
def create_customer(request: HttpRequest, payload: CustomerIn) -> Status:
    user = require_role(request, STAFF)
    data = payload.dict()
    data["knowledge_level"] = data["knowledge_level"] or ""
    data["contact_points"] = _points(payload.contact_points)
    customer = customers.create_customer(actor=user, **data)
    return Status(201, customer_data(customer, staff=True))


@router.get("/{customer_id}", response=answers(CustomerOut), summary="One customer")
def read_customer(request: HttpRequest, customer_id: str) -> dict[str, Any]:
    user = current_user(request)
    return customer_data(selectors.get_customer(user, customer_id), staff=user.is_staff_member)


@router.patch("/{customer_id}", response=answers(CustomerOut), summary="Change a customer (staff)")
def update_customer(request: HttpRequest, customer_id: str, payload: CustomerPatch) -> dict[str, Any]:
    user = require_role(request, STAFF)
    customer = selectors.get_customer(user, customer_id)
    changes = payload.dict(exclude_unset=True)
    if "contact_points" in changes:
        changes["contact_points"] = _points(payload.contact_points or [])
    for key in ("address_as", "knowledge_level", "notes", "country"):
        if key in changes and changes[key] is None:
            changes[key] = ""
    if "name" in changes and changes["name"] is None:
        raise InputError("required", _("%(field)s cannot be empty.") % {"field": "name"}, field="name")
    customer = customers.update_customer(actor=user, customer=customer, **changes)
    return customer_data(customer, staff=True)


@router.delete("/{customer_id}", response=answers(None, 204), summary="Delete a customer without work orders (admins)")
def delete_customer(request: HttpRequest, customer_id: str) -> Status:
    user = require_role(request, ADMINS)
    customers.delete_customer(actor=user, customer=selectors.get_customer(user, customer_id))
    return Status(204, None)


@router.post("/{customer_id}/contact-points", response=answers(ContactPointOut, 201), summary="Add a contact point (staff)")
def add_contact_point(request: HttpRequest, customer_id: str, payload: ContactPointIn) -> Status:
    user = require_role(request, STAFF)
    point = customers.add_contact_point(actor=user, customer=selectors.get_customer(user, customer_id),
                                        kind=payload.kind, value=payload.value, preferred=payload.preferred)
    return Status(201, {"id": point.pk, "kind": point.kind, "value": point.value, "preferred": point.preferred})


@router.delete("/{customer_id}/contact-points/{point_id}", response=answers(None, 204),
               summary="Remove a contact point (staff)")
def remove_contact_point(request: HttpRequest, customer_id: str, point_id: str) -> Status:
    user = require_role(request, STAFF)
    customer = selectors.get_customer(user, customer_id)
    valid = point_id.isascii() and point_id.isdigit() and len(point_id) < 13
    point = customer.contact_points.filter(pk=int(point_id)).first() if valid else None
    if point is None:
        raise InputError("not_found", _("No such contact point."), status=404)
    customers.remove_contact_point(actor=user, contact_point=point)
    return Status(204, None)


@router.get("/{customer_id}/work-orders", response=answers(WorkOrderPage), summary="A customer's work orders")
def customer_work_orders(
    request: HttpRequest, customer_id: str,
    page: int = Query(1, ge=1, le=100_000),
    page_size: int = Query(settings.ATIENDE_PAGE_SIZE, ge=1, le=100),
) -> dict[str, Any]:
    user = current_user(request)
    customer = selectors.get_customer(user, customer_id)
    qs = selectors.customer_work_orders(user, customer).select_related(
        "customer", "requester", "decision_maker", "assignee", "team")
    items, count, pages = paginate(qs, page, page_size)
    return {"items": [work_order_data(w) for w in items], "count": count, "page": page,
            "page_size": page_size, "pages": pages}


@router.get("/{customer_id}/traits", response=answers(list[TraitOut]), summary="Difficult-customer trait history (staff)")
def trait_history(request: HttpRequest, customer_id: str) -> list[dict[str, Any]]:
    user = require_role(request, STAFF)
    customer = selectors.get_customer(user, customer_id)
    return [
        {"id": t.pk, "trait": t.trait, "score": t.score, "evidence": t.evidence if isinstance(t.evidence, list) else [],
         "work_order": t.work_order.number if t.work_order else None, "observed_at": t.observed_at}
        for t in customer.trait_observations.select_related("work_order")
    ]


@router.get("/{customer_id}/history", response=answers(list[CustomerEventOut]), summary="Changes to the record (staff)")
def customer_history(request: HttpRequest, customer_id: str) -> list[dict[str, Any]]:
    user = require_role(request, STAFF)
    customer = selectors.get_customer(user, customer_id)
    return [
        {"id": e.pk, "kind": e.kind, "actor": e.actor.display_name if e.actor else None, "changes": e.changes,
         "at": e.at}
        for e in customer.events.select_related("actor")
    ]
