"""Business actions on customers and work orders.

Every function takes keyword-only arguments, writes in one transaction, checks
who is acting, validates everything before writing (creation, edits and the
closing contact do their reads before opening the write transaction, to hold
SQLite's single write lock briefly; the version guard keeps that safe), and raises
:class:`atiende.errors.InputError` (translated message, rule ID when a practice
applies) instead of ever letting bad input reach the database. Every change to
a work order is recorded as a :class:`WorkOrderEvent` with ``{"field": [old, new]}``.

Decisions worth knowing (documented in docs/desk.md as well):

- Work orders move SP-1 phases one step forward: identificación → satisfacción
  → cierre. Moving to satisfacción needs the problem story (AL-1), the
  paraphrase (AL-4) and an answer to every closed question asked (AL-5); the
  rule cited is AL-6 ("use everything gathered to complete the work order").
  Closing needs a resolution and a recorded closing contact (SP-1), and no
  commitment still pending (PT-2: a promise is tracked until it is kept,
  missed or cancelled; closing would silently drop it). Reopening goes from
  cierre back to satisfacción only, with a note; it clears the closing contact
  so the next close needs a new one.
- A closed work order is read-only (409 ``work_order_closed``) until reopened.
- Optimistic concurrency: edits name the ``version`` they read; the write is a
  conditional ``UPDATE ... WHERE version = <read version>``, so of two edits of
  the same version exactly one wins and the other gets 409 ``stale_version``.
- Assignment (ET-4): technicians may assign work orders of their teams to
  themselves or teammates, but not move them to another team; supervisors may
  move work orders between their own teams; administrators anywhere. An
  assignee must be an active staff member of the work order's team.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.desk import credentials
from atiende.desk.models import (
    Channel,
    ClosedQuestion,
    Commitment,
    ContactPoint,
    Counter,
    Customer,
    CustomerEvent,
    Direction,
    FormOfAddress,
    KnowledgeLevel,
    Organisation,
    Phase,
    Priority,
    SatisfactionSurvey,
    TraitObservation,
    WorkOrder,
    WorkOrderEvent,
)
from atiende.desk.selectors import visible_customers, visible_work_orders
from atiende.errors import InputError
from atiende.people.models import Team, User
from atiende.people.roles import is_admin, is_customer, is_customer_account, is_manager, is_staff

WORK_ORDER_COUNTER = "work_order"
PHASE_ORDER: list[str] = [str(Phase.IDENTIFICATION), str(Phase.SATISFACTION), str(Phase.CLOSURE)]
# Fields update_work_order may change; phase, closing contact and version have their own actions.
EDITABLE_FIELDS = (
    "title", "customer", "requester", "decision_maker", "channel", "direction", "equipment_type",
    "os_name", "os_version", "knowledge_level", "problem_story", "paraphrase", "priority",
    "assignee", "team", "resolution",
)
CUSTOMER_FIELDS = (
    "name", "address_as", "organisation", "country", "preferred_language", "knowledge_level", "notes",
    "contact_points",
)
TEXT_LIMIT = 20_000  # long free text (stories, resolutions, notes)
CLOCK_SKEW = timedelta(minutes=5)
_PHONE_CHARS = re.compile(r"^\+?[0-9 ()./-]+$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


# --- small helpers -------------------------------------------------------------------------

def _forbidden(message: str) -> InputError:
    return InputError("forbidden", message, rule="ET-4", status=403)


def _require_staff(actor: User) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise _forbidden(_("Sign in as a member of the help desk to do this."))
    if not is_staff(actor):
        raise _forbidden(_("Only the help desk staff may do this."))


def _require_visible_work_order(actor: User, work_order: WorkOrder, *, lock: bool = False) -> WorkOrder:
    """The fresh row, or 404 if the actor may not see it (ET-4: never reveal existence).

    ``lock`` takes the row lock (PostgreSQL) for the rest of the transaction. Closing
    checks the questions and commitments, and adding one checks the phase: both lock the
    work order first, so a commitment can never slip in beside a concurrent close (PT-2).
    SQLite needs no lock: its transactions already run one at a time.
    """
    qs = visible_work_orders(actor).filter(pk=work_order.pk)
    if lock:
        qs = qs.select_for_update(of=("self",))
    found = qs.first()
    if found is None:
        raise InputError("not_found", _("No such work order."), status=404)
    return found


def _require_open(work_order: WorkOrder) -> None:
    if work_order.phase == Phase.CLOSURE:
        raise InputError(
            "work_order_closed",
            _("Work order #%(number)s is closed; reopen it to change it.") % {"number": work_order.number},
            rule="SP-1", status=409,
        )


def _text(value: Any, field: str, max_length: int, *, required: bool = False, label: str = "") -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InputError("invalid_input", _("%(field)s must be text.") % {"field": label or field}, field=field)
    value = value.strip()
    if "\x00" in value:
        raise InputError("invalid_input", _("%(field)s contains a null character.") % {"field": label or field},
                         field=field)
    if required and not value:
        raise InputError("required", _("%(field)s cannot be empty.") % {"field": label or field}, field=field)
    if len(value) > max_length:
        raise InputError(
            "too_long",
            _("%(field)s is too long (%(length)s characters; at most %(max)s).")
            % {"field": label or field, "length": len(value), "max": max_length},
            field=field,
        )
    return value


def _choice(value: Any, field: str, choices: type[models.TextChoices], *, blank: bool = False) -> str:
    if value is None:
        value = ""
    value = str(value).strip() if isinstance(value, str) else value
    if blank and value == "":
        return ""
    if value not in choices.values:
        allowed = ", ".join(v for v in choices.values if v)
        raise InputError(
            "invalid_choice",
            _("%(value)r is not a valid %(field)s; use one of: %(allowed)s.")
            % {"value": value, "field": field, "allowed": allowed},
            field=field,
        )
    return str(value)


def _version(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError("invalid_version", _("version must be a positive whole number."), field="version")
    return value


def _aware(value: Any, field: str) -> datetime:
    if not isinstance(value, datetime):
        raise InputError("invalid_datetime", _("%(field)s must be a date and time.") % {"field": field},
                         field=field)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if not (2000 <= value.year <= 2200):
        raise InputError("invalid_datetime", _("%(field)s is out of range.") % {"field": field}, field=field)
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return {"id": value.pk, "name": str(value)}
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _record(work_order: WorkOrder, actor: User | None, kind: str, changes: Mapping[str, tuple[Any, Any]],
            note: str = "", at: datetime | None = None) -> WorkOrderEvent:
    return WorkOrderEvent.objects.create(
        work_order=work_order,
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        kind=kind,
        changes={k: [_jsonable(old), _jsonable(new)] for k, (old, new) in changes.items()},
        note=note,
        at=at or timezone.now(),
    )


def _record_customer(customer: Customer, actor: User | None, kind: str,
                     changes: Mapping[str, tuple[Any, Any]]) -> None:
    CustomerEvent.objects.create(
        customer=customer, actor=actor if getattr(actor, "pk", None) else None, kind=kind,
        changes={k: [_jsonable(old), _jsonable(new)] for k, (old, new) in changes.items()},
    )


MAX_ID = 2**62  # ids beyond this cannot exist; checked before any query so PostgreSQL never overflows


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < MAX_ID


def _resolve_customer(actor: User, value: Any, field: str, *, optional: bool = False) -> Customer | None:
    if value is None or value == "":
        if optional:
            return None
        raise InputError("required", _("%(field)s is required.") % {"field": field}, field=field)
    pk = value.pk if isinstance(value, Customer) else value
    if isinstance(pk, bool) or not isinstance(pk, int):
        raise InputError("invalid_input", _("%(field)s must be a customer id.") % {"field": field}, field=field)
    found = None
    if _is_id(pk):
        found = Customer.objects.select_related("organisation").filter(pk=pk).first()
        # Staff see every customer without an organisation or whose organisation no team
        # serves (selectors.visible_customers): for those, a plain lookup by key gives the
        # same answer without building the visibility subqueries over all work orders.
        # Anyone else, or any other customer, goes through the full visibility filter.
        if found is not None and not _plainly_visible(actor, found):
            found = visible_customers(actor).filter(pk=pk).first()
    if found is None:
        raise InputError("unknown_customer", _("No such customer: %(id)s.") % {"id": pk}, field=field, status=404)
    return found


def _plainly_visible(actor: User, customer: Customer) -> bool:
    if not is_staff(actor):
        return False
    organisation = customer.organisation
    return organisation is None or organisation.team_id is None


def _resolve_staff(value: Any, field: str) -> User | None:
    if value is None or value == "":
        return None
    pk = value.pk if isinstance(value, User) else value
    if isinstance(pk, bool) or not isinstance(pk, int):
        raise InputError("invalid_input", _("%(field)s must be a user id.") % {"field": field}, field=field)
    user = User.objects.filter(pk=pk, is_active=True).first() if _is_id(pk) else None
    if user is None or not is_staff(user):
        raise InputError("unknown_user", _("No active staff member with id %(id)s.") % {"id": pk},
                         field=field, status=404)
    return user


def _resolve_team(value: Any) -> Team | None:
    if value is None or value == "":
        return None
    pk = value.pk if isinstance(value, Team) else value
    if isinstance(pk, bool) or not isinstance(pk, int):
        raise InputError("invalid_input", _("team must be a team id."), field="team")
    team = Team.objects.filter(pk=pk).first() if _is_id(pk) else None
    if team is None:
        raise InputError("unknown_team", _("No such team: %(id)s.") % {"id": pk}, field="team", status=404)
    return team


def _check_team_change(actor: User, team: Team | None) -> None:
    """ET-4: who may put a work order in which team."""
    if is_admin(actor) or team is None:
        return
    if not actor.teams.filter(pk=team.pk).exists():
        raise _forbidden(_("You can only place work orders in your own teams."))


def _check_assignee(actor: User, team: Team | None, assignee: User | None) -> None:
    if assignee is None:
        return
    if team is not None:
        if not assignee.teams.filter(pk=team.pk).exists():
            raise InputError(
                "assignee_not_in_team",
                _("%(name)s is not a member of team %(team)s.") % {"name": assignee.display_name, "team": team.name},
                field="assignee",
            )
    elif not is_manager(actor) and assignee.pk != actor.pk:
        raise _forbidden(_("A work order without a team can only be assigned to yourself."))


def _increment_counter(name: str) -> int | None:
    """Add one to the counter and return the new value in one statement; None if it does not exist."""
    table = connection.ops.quote_name(Counter._meta.db_table)
    if connection.vendor == "postgresql" or (
        # Django's SQLite backend is the stdlib sqlite3 module (connection.Database is untyped in the stubs).
        connection.vendor == "sqlite" and sqlite3.sqlite_version_info >= (3, 35)
    ):
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET value = value + 1 WHERE name = %s RETURNING value", [name])
            row = cursor.fetchone()
        return None if row is None else int(row[0])
    counters = Counter.objects.filter(name=name)
    if not counters.update(value=F("value") + 1):
        return None
    return int(counters.values_list("value", flat=True).get())


def _next_number() -> int:
    """The next work order number, safe under concurrent creation.

    The counter row is incremented with an UPDATE, which locks it until the
    surrounding transaction ends: on PostgreSQL a second creator waits for the
    first to commit; on SQLite every transaction already takes the write lock
    up front (IMMEDIATE). If the row does not exist yet, it is created from the
    highest number in use; a concurrent creator that loses that race retries
    the UPDATE.
    """
    number = _increment_counter(WORK_ORDER_COUNTER)
    if number is not None:
        return number
    start = WorkOrder.objects.aggregate(top=Max("number"))["top"] or 0
    try:
        with transaction.atomic():
            Counter.objects.create(name=WORK_ORDER_COUNTER, value=start + 1)
        return start + 1
    except IntegrityError:
        number = _increment_counter(WORK_ORDER_COUNTER)
        assert number is not None
        return number


def _conditional_update(work_order: WorkOrder, version: int, values: dict[str, Any]) -> WorkOrder:
    """Write ``values`` only if the row is still at ``version``; 409 otherwise."""
    now = timezone.now()
    rows = WorkOrder.objects.filter(pk=work_order.pk, version=version).update(
        **values, version=F("version") + 1, updated_at=now
    )
    if rows == 0:
        raise _stale(work_order)
    return WorkOrder.objects.select_related("customer", "assignee", "team").get(pk=work_order.pk)


def _stale(work_order: WorkOrder) -> InputError:
    return InputError(
        "stale_version",
        _("Work order #%(number)s was changed by someone else; reload it and try again.")
        % {"number": work_order.number},
        status=409, field="version",
    )


# --- customers -----------------------------------------------------------------------------

def _clean_contact_point(kind: Any, value: Any) -> tuple[str, str]:
    kind = _choice(kind, "kind", ContactPoint.Kind)
    value = _text(value, "value", 254, required=True, label=_("contact"))
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


def _resolve_organisation(value: Any) -> Organisation | None:
    if value is None or value == "":
        return None
    if isinstance(value, Organisation):
        return value
    if isinstance(value, str):
        name = _text(value, "organisation", 200, required=True, label=_("organisation"))
        found = Organisation.objects.filter(name__iexact=name).first()
        return found or Organisation.objects.create(name=name)
    if isinstance(value, int) and not isinstance(value, bool):
        found = Organisation.objects.filter(pk=value).first() if _is_id(value) else None
        if found is None:
            raise InputError("unknown_organisation", _("No such organisation: %(id)s.") % {"id": value},
                             field="organisation", status=404)
        return found
    raise InputError("invalid_input", _("organisation must be a name or an id."), field="organisation")


def _clean_customer_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(fields) - set(CUSTOMER_FIELDS))
    if unknown:
        raise InputError("unknown_field", _("These fields cannot be changed: %(fields)s.")
                         % {"fields": ", ".join(unknown)}, field=unknown[0])
    clean: dict[str, Any] = {}
    for key, value in fields.items():
        if key == "name":
            clean[key] = _text(value, "name", 200, required=True, label=_("name"))
        elif key == "address_as":
            clean[key] = _choice(value, "address_as", FormOfAddress, blank=True)
        elif key == "organisation":
            clean[key] = _resolve_organisation(value)
        elif key == "country":
            country = _text(value, "country", 2).upper()
            if country and not _COUNTRY.match(country):
                raise InputError("invalid_country", _("country must be a two-letter ISO code such as ES or MX."),
                                 field="country")
            clean[key] = country
        elif key == "preferred_language":
            codes = [code for code, _label in settings.LANGUAGES]
            value = _text(value, "preferred_language", 8) or "es"
            if value not in codes:
                raise InputError("invalid_choice", _("preferred_language must be one of: %(codes)s.")
                                 % {"codes": ", ".join(codes)}, field="preferred_language")
            clean[key] = value
        elif key == "knowledge_level":
            clean[key] = _choice(value, "knowledge_level", KnowledgeLevel, blank=True)
        elif key == "notes":
            clean[key] = _text(value, "notes", TEXT_LIMIT)
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
    _require_staff(actor)
    clean = _clean_customer_fields(dict(
        name=name, address_as=address_as, organisation=organisation, country=country,
        preferred_language=preferred_language, knowledge_level=knowledge_level, notes=notes,
        contact_points=contact_points,
    ))
    if user is not None:
        if not is_admin(actor):
            raise _forbidden(_("Only administrators may link a portal account."))
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
    _record_customer(customer, actor, "created", changes)
    return customer


@transaction.atomic
def update_customer(*, actor: User, customer: Customer, **fields: Any) -> Customer:
    """Change a customer's fields; ``contact_points`` replaces the whole list."""
    _require_staff(actor)
    current = visible_customers(actor).filter(pk=customer.pk).first()
    if current is None:
        raise InputError("not_found", _("No such customer."), status=404)
    clean = _clean_customer_fields(fields)
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
        _record_customer(current, actor, "changed", changes)
    return current


@transaction.atomic
def add_contact_point(*, actor: User, customer: Customer, kind: str, value: str,
                      preferred: bool = False) -> ContactPoint:
    _require_staff(actor)
    if not visible_customers(actor).filter(pk=customer.pk).exists():
        raise InputError("not_found", _("No such customer."), status=404)
    kind, value = _clean_contact_point(kind, value)
    if customer.contact_points.filter(kind=kind, value__iexact=value).exists():
        raise InputError("duplicate", _("The customer already has %(value)s.") % {"value": value},
                         field="value", status=409)
    if preferred:
        customer.contact_points.update(preferred=False)
    point = ContactPoint.objects.create(customer=customer, kind=kind, value=value, preferred=preferred)
    _record_customer(customer, actor, "contact_point_added", {"contact_point": (None, f"{kind}:{value}")})
    return point


@transaction.atomic
def remove_contact_point(*, actor: User, contact_point: ContactPoint) -> None:
    _require_staff(actor)
    if not visible_customers(actor).filter(pk=contact_point.customer_id).exists():
        raise InputError("not_found", _("No such customer."), status=404)
    label = f"{contact_point.kind}:{contact_point.value}"
    customer = contact_point.customer
    contact_point.delete()
    _record_customer(customer, actor, "contact_point_removed", {"contact_point": (label, None)})


@transaction.atomic
def delete_customer(*, actor: User, customer: Customer) -> None:
    """Administrators only; a customer with work orders is kept (their history matters)."""
    _require_staff(actor)
    if not is_admin(actor):
        raise _forbidden(_("Only administrators may delete customers."))
    from django.db.models import Q

    if WorkOrder.objects.filter(Q(customer=customer) | Q(requester=customer) | Q(decision_maker=customer)).exists():
        raise InputError("customer_has_work_orders",
                         _("This customer has work orders and cannot be deleted."), status=409)
    customer.delete()


# --- work orders ---------------------------------------------------------------------------

def _default_team(actor: User, customer: Customer) -> Team | None:
    if customer.organisation_id and customer.organisation and customer.organisation.team_id:
        team = customer.organisation.team
        if team is not None and (is_admin(actor) or actor.teams.filter(pk=team.pk).exists()):
            return team
    return actor.teams.order_by("name").first()


def create_work_order(
    *,
    actor: User,
    customer: Customer | int,
    title: str,
    channel: str = "telefonico",
    direction: str = "reactivo",
    requester: Customer | int | None = None,
    decision_maker: Customer | int | None = None,
    equipment_type: str = "",
    os_name: str = "",
    os_version: str = "",
    knowledge_level: str = "",
    problem_story: str = "",
    priority: str = "normal",
    assignee: User | int | None = None,
    team: Team | int | None = None,
    paraphrase: str = "",
) -> WorkOrder:
    """Open a work order in the identification phase (SP-1) with the next number.

    The team defaults to the one serving the customer's organisation (if the
    actor belongs to it), else the actor's first team. The knowledge level
    defaults to the customer's (CO-3).
    """
    _require_staff(actor)
    the_customer = _resolve_customer(actor, customer, "customer")
    assert the_customer is not None
    values: dict[str, Any] = {
        "title": _text(title, "title", 200, required=True, label=_("title")),
        "channel": _choice(channel, "channel", Channel),
        "direction": _choice(direction, "direction", Direction),
        "requester": _resolve_customer(actor, requester, "requester", optional=True),
        "decision_maker": _resolve_customer(actor, decision_maker, "decision_maker", optional=True),
        "equipment_type": _text(equipment_type, "equipment_type", 100),
        "os_name": _text(os_name, "os_name", 100),
        "os_version": _text(os_version, "os_version", 50),
        "knowledge_level": _choice(knowledge_level, "knowledge_level", KnowledgeLevel, blank=True)
        or the_customer.knowledge_level,
        "problem_story": _text(problem_story, "problem_story", TEXT_LIMIT),
        "paraphrase": _text(paraphrase, "paraphrase", TEXT_LIMIT),
        "priority": _choice(priority, "priority", Priority),
    }
    the_team = _resolve_team(team) if team is not None else _default_team(actor, the_customer)
    if team is not None:
        _check_team_change(actor, the_team)
    the_assignee = _resolve_staff(assignee, "assignee")
    _check_assignee(actor, the_team, the_assignee)
    dictated = credentials.take_from_fields(values)  # ET-3: never kept in the text
    # Everything above only reads; the write transaction below is kept short because on
    # SQLite it holds the single write lock from its first statement.
    with transaction.atomic():
        now = timezone.now()
        work_order = WorkOrder.objects.create(
            number=_next_number(), customer=the_customer, team=the_team, assignee=the_assignee,
            created_by=actor, created_at=now, updated_at=now, **values,
        )
        credentials.store_in_vault(work_order=work_order, actor=actor, found=dictated)
        initial = {"customer": the_customer, "team": the_team, "assignee": the_assignee, **values}
        _record(work_order, actor, "created",
                {k: (None, v) for k, v in initial.items() if v not in ("", None)}, at=now)
    return work_order


def _portal_team(customer: Customer) -> Team | None:
    """Where a portal request lands: the team serving the customer's organisation, else the team
    of the customer's latest work order, else the first team (by name)."""
    if customer.organisation_id and customer.organisation and customer.organisation.team_id:
        return customer.organisation.team
    latest = WorkOrder.objects.filter(customer=customer, team__isnull=False).order_by("-created_at").first()
    if latest is not None:
        return latest.team
    return Team.objects.order_by("name").first()


@transaction.atomic
def open_portal_request(
    *,
    actor: User,
    title: str,
    problem_story: str,
    equipment_type: str = "",
    os_name: str = "",
    os_version: str = "",
) -> WorkOrder:
    """A customer opens a request from the portal, in their own words (AL-1).

    The work order starts in identification; a technician paraphrases it and
    asks the closed questions. Only a signed-in customer with a customer record
    may do this, and only for themselves.
    """
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise _forbidden(_("Sign in to open a request."))
    customer = Customer.objects.select_related("organisation").filter(user=actor).first()
    if not is_customer(actor) or customer is None:
        raise _forbidden(_("Only customers with a portal account open requests here."))
    values = {
        "title": _text(title, "title", 200, required=True, label=_("title")),
        "problem_story": _text(problem_story, "problem_story", TEXT_LIMIT, required=True, label=_("problem story")),
        "equipment_type": _text(equipment_type, "equipment_type", 100),
        "os_name": _text(os_name, "os_name", 100),
        "os_version": _text(os_version, "os_version", 50),
    }
    now = timezone.now()
    work_order = WorkOrder.objects.create(
        number=_next_number(), customer=customer, team=_portal_team(customer), channel=Channel.PORTAL,
        direction=Direction.REACTIVE, knowledge_level=customer.knowledge_level, created_by=actor,
        created_at=now, updated_at=now, **values,
    )
    initial = {"customer": customer, "team": work_order.team, "channel": Channel.PORTAL, **values}
    _record(work_order, actor, "created", {k: (None, v) for k, v in initial.items() if v not in ("", None)}, at=now)
    return work_order


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
    quotes = [_text(item, "evidence", 300) for item in list(evidence)[:10]]
    return TraitObservation.objects.create(
        customer=customer, trait=trait, score=float(score), evidence=[q for q in quotes if q],
        work_order=work_order, observed_at=at or timezone.now(),
    )


def _clean_work_order_changes(actor: User, current: WorkOrder, changes: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise InputError("unknown_field", _("These fields cannot be changed here: %(fields)s.")
                         % {"fields": ", ".join(unknown)}, field=unknown[0])
    clean: dict[str, Any] = {}
    limits = {"title": 200, "equipment_type": 100, "os_name": 100, "os_version": 50}
    for key, value in changes.items():
        if key in limits:
            clean[key] = _text(value, key, limits[key], required=key == "title", label=key)
        elif key in ("problem_story", "paraphrase", "resolution"):
            clean[key] = _text(value, key, TEXT_LIMIT)
        elif key == "channel":
            clean[key] = _choice(value, key, Channel)
        elif key == "direction":
            clean[key] = _choice(value, key, Direction)
        elif key == "priority":
            clean[key] = _choice(value, key, Priority)
        elif key == "knowledge_level":
            clean[key] = _choice(value, key, KnowledgeLevel, blank=True)
        elif key == "customer":
            clean[key] = _resolve_customer(actor, value, key)
        elif key in ("requester", "decision_maker"):
            clean[key] = _resolve_customer(actor, value, key, optional=True)
        elif key == "assignee":
            clean[key] = _resolve_staff(value, key)
        elif key == "team":
            clean[key] = _resolve_team(value)
    return clean


def update_work_order(*, actor: User, work_order: WorkOrder, version: int, **changes: Any) -> WorkOrder:
    """Change editable fields, only if nobody changed the work order since ``version``.

    Reads and checks come first; the write transaction holds only the conditional
    UPDATE and the history line. The version guard makes that safe: if anyone wrote
    in between, the UPDATE matches no row and the caller gets 409.
    """
    _require_staff(actor)
    version = _version(version)
    current = _require_visible_work_order(actor, work_order)
    if current.version != version:
        raise _stale(current)
    _require_open(current)
    clean = _clean_work_order_changes(actor, current, changes)
    dictated = credentials.take_from_fields(clean)  # ET-3: never kept in the text
    diff: dict[str, tuple[Any, Any]] = {}
    for key, value in clean.items():
        old = getattr(current, key)
        if old != value:
            diff[key] = (old, value)
    if "team" in diff:
        _check_team_change(actor, clean["team"])
    if "team" in diff or "assignee" in diff:
        if not is_manager(actor) and current.team_id is not None and "team" in diff:
            raise _forbidden(_("Only supervisors and administrators may move a work order to another team."))
        _check_assignee(actor, clean.get("team", current.team), clean.get("assignee", current.assignee))
    if not diff:
        return current
    with transaction.atomic():
        updated = _conditional_update(current, version, {k: new for k, (_old, new) in diff.items()})
        _record(updated, actor, "changed", diff)
        credentials.store_in_vault(work_order=updated, actor=actor, found=dictated)
    return updated


def _missing_for(work_order: WorkOrder, target: str) -> InputError | None:
    if target == Phase.SATISFACTION:
        if not work_order.problem_story.strip():
            return InputError("problem_story_required", _(
                "Let the customer tell the whole story and write it down before moving on (AL-1)."
            ), rule="AL-6", status=409, field="problem_story")
        if not work_order.paraphrase.strip():
            return InputError("paraphrase_required", _(
                'Paraphrase the story ("Déjeme ver si comprendo...") and record it before moving on (AL-4).'
            ), rule="AL-6", status=409, field="paraphrase")
        if work_order.closed_questions.filter(answer="").exists():
            return InputError("closed_question_unanswered", _(
                "Every closed question asked needs its answer before moving on (AL-5)."
            ), rule="AL-6", status=409, field="closed_questions")
    if target == Phase.CLOSURE:
        if not work_order.resolution.strip():
            return InputError("resolution_required", _("A work order cannot be closed without a resolution."),
                              rule="SP-1", status=409, field="resolution")
        if work_order.closing_contact_at is None:
            return InputError("closing_contact_required", _(
                "Record the closing contact in which the customer confirmed the outcome before closing."
            ), rule="SP-1", status=409, field="closing_contact")
        if work_order.commitments.filter(status=Commitment.Status.PENDING).exists():
            return InputError("pending_commitments", _(
                "Keep, cancel or mark as missed every pending commitment before closing."
            ), rule="PT-2", status=409, field="commitments")
    return None


def _send_survey(work_order: WorkOrder, actor: User | None, now: datetime) -> SatisfactionSurvey:
    """SP-4: a fresh survey on every close; an earlier answer stays in the history."""
    token = secrets.token_urlsafe(24)
    survey = SatisfactionSurvey.objects.filter(work_order=work_order).first()
    if survey is None:
        survey = SatisfactionSurvey.objects.create(work_order=work_order, token=token, sent_at=now)
        _record(work_order, actor, "survey_sent", {}, at=now)
        return survey
    previous = {}
    if survey.answered_at is not None:
        previous = {"rating": (survey.rating, None), "resolved": (survey.resolved, None),
                    "comment": (survey.comment, "")}
    survey.token, survey.sent_at, survey.answered_at = token, now, None
    survey.rating, survey.resolved, survey.comment = None, None, ""
    survey.save()
    _record(work_order, actor, "survey_sent", previous, at=now)
    return survey


@transaction.atomic
def change_phase(*, actor: User, work_order: WorkOrder, version: int, phase: str, note: str = "") -> WorkOrder:
    """SP-1: move one step forward, or reopen a closed work order (with a note)."""
    _require_staff(actor)
    version = _version(version)
    target = _choice(phase, "phase", Phase)
    note = _text(note, "note", TEXT_LIMIT)
    current = _require_visible_work_order(actor, work_order, lock=True)
    if current.version != version:
        raise _stale(current)
    source = current.phase
    if target == source:
        raise InputError("same_phase", _("The work order is already in that phase."), rule="SP-1", status=409)
    now = timezone.now()
    values: dict[str, Any] = {"phase": target}
    reopening = source == Phase.CLOSURE and target == Phase.SATISFACTION
    if reopening:
        if not note:
            raise InputError("note_required", _("Say why the work order is reopened."), field="note")
        values.update(closed_at=None, closing_contact_at=None, closing_contact_channel="",
                      closing_contact_note="")
    elif PHASE_ORDER.index(target) != PHASE_ORDER.index(source) + 1:
        raise InputError("phase_order", _(
            "Phases go one step at a time: identification, satisfaction, closure. "
            "A closed work order can only be reopened to satisfaction."
        ), rule="SP-1", status=409, field="phase")
    else:
        missing = _missing_for(current, target)
        if missing is not None:
            raise missing
        if target == Phase.CLOSURE:
            values["closed_at"] = now
    updated = _conditional_update(current, version, values)
    diff = {k: (getattr(current, k), v) for k, v in values.items() if getattr(current, k) != v}
    _record(updated, actor, "reopened" if reopening else "phase", diff, note=note, at=now)
    if target == Phase.CLOSURE:
        _send_survey(updated, actor, now)
    return updated


def record_closing_contact(
    *, actor: User, work_order: WorkOrder, version: int, channel: str, note: str, at: datetime | None = None
) -> WorkOrder:
    """SP-1 / SP-4: the contact where the outcome was summarised and the customer confirmed it."""
    _require_staff(actor)
    version = _version(version)
    channel = _choice(channel, "channel", Channel)
    note = _text(note, "note", TEXT_LIMIT, required=True, label=_("note"))
    now = timezone.now()
    when = now if at is None else _aware(at, "at")
    current = _require_visible_work_order(actor, work_order)
    if current.version != version:
        raise _stale(current)
    _require_open(current)
    if current.phase != Phase.SATISFACTION:
        raise InputError("wrong_phase", _(
            "The closing contact is recorded once the need is being satisfied (satisfaction phase)."
        ), rule="SP-1", status=409)
    if when > now + CLOCK_SKEW:
        raise InputError("future_time", _("The closing contact cannot be in the future."), field="at")
    if when < current.created_at - CLOCK_SKEW:
        raise InputError("before_creation", _("The closing contact cannot be before the work order was opened."),
                         field="at")
    values = {"closing_contact_at": when, "closing_contact_channel": channel, "closing_contact_note": note}
    dictated = credentials.take_from_fields(values)  # ET-3: never kept in the text
    with transaction.atomic():  # short: the version guard covers the reads above
        updated = _conditional_update(current, version, values)
        _record(updated, actor, "closing_contact", {k: (getattr(current, k), v) for k, v in values.items()})
        credentials.store_in_vault(work_order=updated, actor=actor, found=dictated)
    return updated


@transaction.atomic
def add_closed_question(*, actor: User, work_order: WorkOrder, question: str, answer: str = "") -> ClosedQuestion:
    """AL-5: a closed question with a clear aim, and its answer when known."""
    _require_staff(actor)
    question = _text(question, "question", 300, required=True, label=_("question"))
    answer = _text(answer, "answer", 300)
    current = _require_visible_work_order(actor, work_order, lock=True)
    _require_open(current)
    item = ClosedQuestion.objects.create(work_order=current, question=question, answer=answer, asked_by=actor)
    _record(current, actor, "question_added", {"question": (None, question), "answer": (None, answer)})
    return item


@transaction.atomic
def answer_closed_question(*, actor: User, question: ClosedQuestion, answer: str) -> ClosedQuestion:
    _require_staff(actor)
    answer = _text(answer, "answer", 300, required=True, label=_("answer"))
    current = _require_visible_work_order(actor, question.work_order, lock=True)
    _require_open(current)
    fresh = ClosedQuestion.objects.select_for_update().get(pk=question.pk)
    if fresh.answer != answer:
        _record(current, actor, "question_answered",
                {"question": (fresh.question, fresh.question), "answer": (fresh.answer, answer)})
        fresh.answer = answer
        fresh.save(update_fields=["answer"])
    return fresh


@transaction.atomic
def add_commitment(
    *, actor: User, work_order: WorkOrder, description: str, due_at: datetime, owner: User | int | None = None,
    now: datetime | None = None,
) -> Commitment:
    """PT-2: every promise is recorded with its due time, which must be in the future."""
    _require_staff(actor)
    description = _text(description, "description", 300, required=True, label=_("description"))
    if due_at is None:
        raise InputError("due_time_required", _("A commitment needs the time it is due."), rule="PT-2",
                         field="due_at")
    due = _aware(due_at, "due_at")
    now = now or timezone.now()
    if due <= now:
        raise InputError("due_time_past", _("A commitment must be due in the future."), rule="PT-2",
                         field="due_at")
    the_owner = _resolve_staff(owner, "owner") or actor
    current = _require_visible_work_order(actor, work_order, lock=True)
    _require_open(current)
    commitment = Commitment.objects.create(
        work_order=current, description=description, due_at=due, owner=the_owner, created_at=now
    )
    _record(current, actor, "commitment_added",
            {"commitment": (None, description), "due_at": (None, due), "owner": (None, the_owner)})
    return commitment


@transaction.atomic
def resolve_commitment(*, actor: User, commitment: Commitment, kept: bool, cancelled: bool = False) -> Commitment:
    """Close a pending commitment: kept (cumplido), not kept (incumplido) or cancelled."""
    _require_staff(actor)
    if not isinstance(kept, bool):
        raise InputError("invalid_input", _("kept must be true or false."), field="kept")
    current = _require_visible_work_order(actor, commitment.work_order)
    fresh = Commitment.objects.select_for_update().get(pk=commitment.pk)
    if fresh.status != Commitment.Status.PENDING:
        raise InputError("commitment_not_pending", _("This commitment is already %(status)s.")
                         % {"status": fresh.get_status_display()}, rule="PT-2", status=409)
    if cancelled:
        status = Commitment.Status.CANCELLED
    else:
        status = Commitment.Status.KEPT if kept else Commitment.Status.MISSED
    now = timezone.now()
    old = fresh.status
    fresh.status, fresh.resolved_at = status, now
    fresh.save(update_fields=["status", "resolved_at"])
    _record(current, actor, "commitment_resolved",
            {"commitment": (fresh.description, fresh.description), "status": (old, status)}, at=now)
    return fresh


def flag_missed_commitments(*, now: datetime | None = None) -> list[Commitment]:
    """PT-2: pending commitments past their due time become missed, with an alert time and an event.

    Idempotent: a commitment is flagged once. Safe with several workers: on
    PostgreSQL rows already being flagged by another worker are skipped.
    """
    now = now or timezone.now()
    flagged: list[Commitment] = []
    with transaction.atomic():
        qs = Commitment.objects.filter(status=Commitment.Status.PENDING, due_at__lt=now).select_related("work_order")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True, of=("self",))
        for commitment in qs.order_by("due_at", "id"):
            commitment.status = Commitment.Status.MISSED
            commitment.alerted_at = now
            commitment.save(update_fields=["status", "alerted_at"])
            _record(commitment.work_order, None, "commitment_missed",
                    {"commitment": (commitment.description, commitment.description),
                     "status": (Commitment.Status.PENDING, Commitment.Status.MISSED)},
                    note=_("Commitment not kept by its due time."), at=now)
            flagged.append(commitment)
    return flagged


# --- satisfaction survey -------------------------------------------------------------------

def get_survey(*, token: str) -> SatisfactionSurvey:
    token = token.strip() if isinstance(token, str) else ""
    survey = SatisfactionSurvey.objects.select_related("work_order").filter(token=token).first() if token else None
    if survey is None:
        raise InputError("survey_not_found", _("No such survey."), status=404)
    return survey


@transaction.atomic
def answer_survey(*, token: str, rating: int, resolved: bool, comment: str = "") -> SatisfactionSurvey:
    """SP-4: the customer's verdict, accepted once."""
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InputError("invalid_rating", _("The rating goes from 1 to 5."), field="rating")
    if not isinstance(resolved, bool):
        raise InputError("invalid_input", _("resolved must be true or false."), field="resolved")
    comment = _text(comment, "comment", 2000)
    survey = get_survey(token=token)
    now = timezone.now()
    # Conditional update: two submissions at once still record only one answer.
    rows = SatisfactionSurvey.objects.filter(pk=survey.pk, answered_at__isnull=True).update(
        answered_at=now, rating=rating, resolved=resolved, comment=comment
    )
    if rows == 0:
        raise InputError("survey_answered", _("This survey has already been answered. Thank you!"), status=409)
    survey.refresh_from_db()
    _record(survey.work_order, None, "survey_answered",
            {"rating": (None, rating), "resolved": (None, resolved), "comment": (None, comment)}, at=now)
    return survey
