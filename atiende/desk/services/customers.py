"""Actions on customers and their contact points (emails checked, phones normalised)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from atiende.desk.models import (
    ContactPoint,
    Customer,
    FormOfAddress,
    KnowledgeLevel,
    Organisation,
    WorkOrder,
)
from atiende.desk.selectors import visible_customers, visible_organisations
from atiende.desk.services.checks import (
    TEXT_LIMIT,
    clean_choice,
    clean_text,
    forbidden,
    is_id,
    require_staff,
)
from atiende.desk.services.history import record_customer_event
from atiende.errors import InputError
from atiende.people.models import User
from atiende.people.roles import is_admin, is_customer_account

CUSTOMER_FIELDS = (
    "name", "address_as", "organisation", "country", "preferred_language", "knowledge_level", "notes",
    "contact_points",
)


_PHONE_CHARS = re.compile(r"^\+?[0-9 ()./-]+$")


_COUNTRY = re.compile(r"^[A-Z]{2}$")


def _clean_contact_point(kind: Any, value: Any) -> tuple[str, str]:
    kind = clean_choice(kind, "kind", ContactPoint.Kind)
    value = clean_text(value, "value", 254, required=True, label=_("contact"))
    if kind == ContactPoint.Kind.EMAIL:
        try:
            validate_email(value)
        except ValidationError:
            raise InputError("invalid_email", _("%(value)s is not a valid email address.") % {"value": value},
                             field="contact_points") from None
        local, _at, domain = value.rpartition("@")
        value = f"{local}@{domain.lower()}"
    elif kind in (ContactPoint.Kind.PHONE, ContactPoint.Kind.MOBILE):
        digits = re.sub(r"\D", "", value)
        if not _PHONE_CHARS.match(value) or not (6 <= len(digits) <= 15) or "+" in value[1:]:
            raise InputError(
                "invalid_phone",
                _("%(value)s is not a valid phone number (6 to 15 digits, optionally starting with +).")
                % {"value": value},
                field="contact_points",
            )
        value = re.sub(r"\s+", " ", value)
    return kind, value


def _clean_contact_points(contact_points: Iterable[Any]) -> list[tuple[str, str, bool]]:
    if isinstance(contact_points, (str, bytes)):
        raise InputError("invalid_input", _("contact_points must be a list of (kind, value)."),
                         field="contact_points")
    cleaned: list[tuple[str, str, bool]] = []
    seen: set[tuple[str, str]] = set()
    for item in contact_points:
        if isinstance(item, Mapping):
            kind, value, preferred = item.get("kind"), item.get("value"), bool(item.get("preferred", False))
        elif isinstance(item, (tuple, list)) and len(item) in (2, 3):
            kind, value = item[0], item[1]
            preferred = bool(item[2]) if len(item) == 3 else False
        else:
            raise InputError("invalid_input", _("contact_points must be a list of (kind, value)."),
                             field="contact_points")
        kind, value = _clean_contact_point(kind, value)
        if (kind, value.lower()) in seen:
            continue
        seen.add((kind, value.lower()))
        cleaned.append((kind, value, preferred))
    if len(cleaned) > 20:
        raise InputError("too_many", _("At most 20 contact points per customer."), field="contact_points")
    if cleaned and not any(p for _k, _v, p in cleaned):
        kind, value, _p = cleaned[0]
        cleaned[0] = (kind, value, True)
    return cleaned


def _resolve_organisation(value: Any, actor: User) -> Organisation | None:
    if value is None or value == "":
        return None
    if isinstance(value, Organisation):
        return value
    if isinstance(value, str):
        name = clean_text(value, "organisation", 200, required=True, label=_("organisation"))
        found = Organisation.objects.filter(name__iexact=name).first()
        if found is not None and not visible_organisations(actor).filter(pk=found.pk).exists():
            # ET-4: a customer is not put into another team's organisation (it would leave the actor's scope
            # and enter that team's); names are unique, so the name cannot be created a second time either.
            raise InputError("organisation_of_another_team",
                             _("The organisation %(name)s is served by another team; an administrator can move "
                               "the customer there.") % {"name": name}, field="organisation", status=409,
                             rule="ET-4")
        return found or Organisation.objects.create(name=name)
    if isinstance(value, int) and not isinstance(value, bool):
        # ET-4: another team's organisation by id is as unknown as a missing one (no customer moved into it)
        found = visible_organisations(actor).filter(pk=value).first() if is_id(value) else None
        if found is None:
            raise InputError("unknown_organisation", _("No such organisation: %(id)s.") % {"id": value},
                             field="organisation", status=404)
        return found
    raise InputError("invalid_input", _("organisation must be a name or an id."), field="organisation")


def _clean_customer_fields(fields: Mapping[str, Any], actor: User) -> dict[str, Any]:
    unknown = sorted(set(fields) - set(CUSTOMER_FIELDS))
    if unknown:
        raise InputError("unknown_field", _("These fields cannot be changed: %(fields)s.")
                         % {"fields": ", ".join(unknown)}, field=unknown[0])
    clean: dict[str, Any] = {}
    for key, value in fields.items():
        if key == "name":
            clean[key] = clean_text(value, "name", 200, required=True, label=_("name"))
        elif key == "address_as":
            clean[key] = clean_choice(value, "address_as", FormOfAddress, blank=True)
        elif key == "organisation":
            clean[key] = _resolve_organisation(value, actor)
        elif key == "country":
            country = clean_text(value, "country", 2).upper()
            if country and not _COUNTRY.match(country):
                raise InputError("invalid_country", _("country must be a two-letter ISO code such as ES or MX."),
                                 field="country")
            clean[key] = country
        elif key == "preferred_language":
            codes = [code for code, _label in settings.LANGUAGES]
            value = clean_text(value, "preferred_language", 8) or "es"
            if value not in codes:
                raise InputError("invalid_choice", _("preferred_language must be one of: %(codes)s.")
                                 % {"codes": ", ".join(codes)}, field="preferred_language")
            clean[key] = value
        elif key == "knowledge_level":
            clean[key] = clean_choice(value, "knowledge_level", KnowledgeLevel, blank=True)
        elif key == "notes":
            clean[key] = clean_text(value, "notes", TEXT_LIMIT)
        elif key == "contact_points":
            clean[key] = _clean_contact_points(value)
    return clean


def _replace_contact_points(customer: Customer, points: list[tuple[str, str, bool]]) -> None:
    customer.contact_points.all().delete()
    ContactPoint.objects.bulk_create(
        ContactPoint(customer=customer, kind=kind, value=value, preferred=preferred,
                     number=ContactPoint.phone_number(kind, value))  # bulk_create skips save()
        for kind, value, preferred in points
    )


def _contact_summary(customer: Customer) -> list[str]:
    return [f"{cp.kind}:{cp.value}" for cp in customer.contact_points.order_by("kind", "value")]


@transaction.atomic
def create_customer(
    *,
    actor: User,
    name: str,
    address_as: str = "",
    organisation: Organisation | str | int | None = None,
    country: str = "",
    preferred_language: str = "es",
    knowledge_level: str = "",
    notes: str = "",
    contact_points: Iterable[Any] = (),
    user: User | None = None,
) -> Customer:
    """A new customer record with its contact points (email and phone checked).

    ``user`` links a portal account (role cliente); only administrators may do that.
    """
    require_staff(actor)
    clean = _clean_customer_fields(dict(
        name=name, address_as=address_as, organisation=organisation, country=country,
        preferred_language=preferred_language, knowledge_level=knowledge_level, notes=notes,
        contact_points=contact_points,
    ), actor)
    if user is not None:
        if not is_admin(actor):
            raise forbidden(_("Only administrators may link a portal account."))
        if not is_customer_account(user):
            raise InputError("invalid_input", _("A portal account must have the customer role."), field="user")
        if Customer.objects.filter(user=user).exists():
            raise InputError("account_taken", _("That portal account already belongs to a customer."),
                             field="user", status=409)
    points = clean.pop("contact_points")
    customer = Customer.objects.create(user=user, **clean)
    _replace_contact_points(customer, points)
    changes = {k: (None, v) for k, v in clean.items() if v not in ("", None)}
    if points:
        changes["contact_points"] = (None, _contact_summary(customer))
    record_customer_event(customer, actor, "created", changes)
    return customer


@transaction.atomic
def update_customer(*, actor: User, customer: Customer, **fields: Any) -> Customer:
    """Change a customer's fields; ``contact_points`` replaces the whole list."""
    require_staff(actor)
    current = visible_customers(actor).filter(pk=customer.pk).first()
    if current is None:
        raise InputError("not_found", _("No such customer."), status=404)
    clean = _clean_customer_fields(fields, actor)
    points = clean.pop("contact_points", None)
    changes: dict[str, tuple[Any, Any]] = {}
    for key, value in clean.items():
        old = getattr(current, key)
        if old != value:
            changes[key] = (old, value)
            setattr(current, key, value)
    if changes:
        current.save(update_fields=list(changes))
    if points is not None:
        before = _contact_summary(current)
        _replace_contact_points(current, points)
        after = _contact_summary(current)
        if before != after:
            changes["contact_points"] = (before, after)
    if changes:
        record_customer_event(current, actor, "changed", changes)
    return current


@transaction.atomic
def add_contact_point(*, actor: User, customer: Customer, kind: str, value: str,
                      preferred: bool = False) -> ContactPoint:
    require_staff(actor)
    if not visible_customers(actor).filter(pk=customer.pk).exists():
        raise InputError("not_found", _("No such customer."), status=404)
    kind, value = _clean_contact_point(kind, value)
    if customer.contact_points.filter(kind=kind, value__iexact=value).exists():
        raise InputError("duplicate", _("The customer already has %(value)s.") % {"value": value},
                         field="value", status=409)
    if preferred:
        customer.contact_points.update(preferred=False)
    point = ContactPoint.objects.create(customer=customer, kind=kind, value=value, preferred=preferred)
    record_customer_event(customer, actor, "contact_point_added", {"contact_point": (None, f"{kind}:{value}")})
    return point


@transaction.atomic
def remove_contact_point(*, actor: User, contact_point: ContactPoint) -> None:
    require_staff(actor)
    if not visible_customers(actor).filter(pk=contact_point.customer_id).exists():
        raise InputError("not_found", _("No such customer."), status=404)
    label = f"{contact_point.kind}:{contact_point.value}"
    customer = contact_point.customer
    contact_point.delete()
    record_customer_event(customer, actor, "contact_point_removed", {"contact_point": (label, None)})


@transaction.atomic
def delete_customer(*, actor: User, customer: Customer) -> None:
    """Administrators only; a customer with work orders is kept (their history matters)."""
    require_staff(actor)
    if not is_admin(actor):
        raise forbidden(_("Only administrators may delete customers."))
    from django.db.models import Q

    if WorkOrder.objects.filter(Q(customer=customer) | Q(requester=customer) | Q(decision_maker=customer)).exists():
        raise InputError("customer_has_work_orders",
                         _("This customer has work orders and cannot be deleted."), status=409)
    customer.delete()

