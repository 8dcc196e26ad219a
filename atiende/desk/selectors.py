"""Reads of customers and work orders, always through what the user may see (ET-4).

Visibility, in one place so the API, the web UI and exports agree:

- **administrators** (and superusers) see every customer and work order;
- **supervisors** see the work orders of their teams, plus those assigned to
  them or created by them;
- **technicians** see the work orders of their teams plus those assigned to
  them or created by them;
- supervisors and technicians also see work orders with no team at all (the
  intake pool: nothing may be left where only administrators would find it);
- **customers** (portal accounts, ``Customer.user``) see only the work orders
  where they are the customer, the requester or the decision maker (CH-IND:
  both are kept informed), and only their own customer record.

Staff see the customers whose organisation is served by one of their teams,
customers with no organisation or whose organisation has no team yet (the
common pool a phone call can come from), and every customer that appears on a
work order they can see. Anything not visible is reported as "not found",
never as "forbidden", so nobody learns that it exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.desk import rows
from atiende.desk.models import (
    Attachment,
    ClosedQuestion,
    Commitment,
    ContactPoint,
    Customer,
    Message,
    Organisation,
    SatisfactionSurvey,
    WorkOrder,
    WorkOrderEvent,
)
from atiende.errors import InputError
from atiende.people.models import Team, User
from atiende.people.roles import acting_role, is_admin, is_customer, is_staff
from atiende.sla.models import WorkOrderSla
from atiende.sla.selectors import SLA_STATES, state_filter


def _my_teams(user: User) -> QuerySet:
    # A subquery, not a list: the visibility filter costs no extra round trip.
    return User.teams.through.objects.filter(user_id=user.pk).values("team_id")


def visible_work_orders(user: User) -> QuerySet[WorkOrder]:
    """The work orders this user may read (see the module docstring)."""
    qs = WorkOrder.objects.select_related("customer", "assignee", "team")
    if acting_role(user) is None:
        return qs.none()
    if is_admin(user):
        return qs
    if is_customer(user):
        own = Customer.objects.filter(user=user).values("pk")
        return qs.filter(Q(customer__in=own) | Q(requester__in=own) | Q(decision_maker__in=own))
    team_ids = _my_teams(user)
    # Work orders with no team (opened by someone without one) form a common intake pool,
    # so that no request is left where only administrators would find it.
    return qs.filter(Q(team__in=team_ids) | Q(team__isnull=True) | Q(assignee=user) | Q(created_by=user))


def visible_customers(user: User) -> QuerySet[Customer]:
    """The customers this user may read (see the module docstring)."""
    qs = Customer.objects.select_related("organisation")
    if acting_role(user) is None:
        return qs.none()
    if is_admin(user):
        return qs
    if is_customer(user):
        return qs.filter(user=user)
    orders = visible_work_orders(user)
    on_visible_orders = (
        Q(pk__in=orders.values("customer"))
        | Q(pk__in=orders.filter(requester__isnull=False).values("requester"))
        | Q(pk__in=orders.filter(decision_maker__isnull=False).values("decision_maker"))
    )
    return qs.filter(_served_or_pooled(user) | on_visible_orders)


def visible_organisations(user: User) -> QuerySet[Organisation]:
    """The organisations staff may list and put a customer in: those no team serves yet and their teams'
    (administrators: all). Another team's is unknown to them, like a missing one (ET-4)."""
    qs = Organisation.objects.all()
    if acting_role(user) is None or is_customer(user):
        return qs.none()
    if is_admin(user):
        return qs
    return qs.filter(Q(team__isnull=True) | Q(team__in=_my_teams(user)))


def _served_or_pooled(user: User) -> Q:
    # Staff: customers of the common pool (no organisation, or one no team serves yet) and of their teams.
    return (Q(organisation__isnull=True) | Q(organisation__team__isnull=True)
            | Q(organisation__team__in=_my_teams(user)))


def visible_customer_ids(user: User, ids: Iterable[int]) -> set[int]:
    """Which of these customers the user may read: the rule of :func:`visible_customers`, for a handful of ids.

    ``visible_customers`` filters through subqueries over every work order the user sees, a cost a
    search cannot pay for each page of candidates; here the work orders are looked up by the
    candidates instead (indexed foreign keys). tests/desk/test_visible_customer_ids.py holds the two
    forms together.
    """
    wanted = {int(i) for i in ids}
    if not wanted or acting_role(user) is None:
        return set()
    base = Customer.objects.filter(pk__in=wanted).order_by()
    if is_admin(user):
        return set(base.values_list("pk", flat=True))
    if is_customer(user):
        return set(base.filter(user=user).values_list("pk", flat=True))
    found = set(base.filter(_served_or_pooled(user)).values_list("pk", flat=True))
    rest = wanted - found
    orders = visible_work_orders(user).order_by()
    if rest:
        seen = set(orders.filter(customer__in=rest).values_list("customer", flat=True))
        found |= seen
        rest -= seen
    if rest:  # CH-IND: the requester and the decision maker see it too
        for pair in orders.filter(Q(requester__in=rest) | Q(decision_maker__in=rest)).values_list(
                "requester", "decision_maker"):
            found |= rest.intersection(pair)
    return found


# PT-2, in one place: a commitment is *past due* when it is still pending after its due time (the
# worker then flags it missed), and *overdue* when it is past due or already missed. The query
# forms and the one-row predicate below are the same rule; tests/desk/test_overdue_rule.py holds
# them together.

def _past_due(now: datetime) -> Q:
    return Q(status=Commitment.Status.PENDING, due_at__lt=now)


def past_due_commitments(now: datetime | None = None) -> QuerySet[Commitment]:
    """PT-2: pending commitments whose due time has passed (not yet flagged missed)."""
    return Commitment.objects.filter(_past_due(now or timezone.now()))


def overdue_commitments(now: datetime | None = None) -> QuerySet[Commitment]:
    """PT-2: promises not kept in time: pending past their due time, or already flagged missed."""
    return Commitment.objects.filter(_past_due(now or timezone.now()) | Q(status=Commitment.Status.MISSED))


def is_overdue(commitment: Commitment, now: datetime) -> bool:
    """One commitment against the rule of ``overdue_commitments`` (for a list already in memory)."""
    if commitment.status == Commitment.Status.MISSED:
        return True
    return commitment.status == Commitment.Status.PENDING and commitment.due_at < now


def search_work_orders(
    user: User,
    *,
    q: str = "",
    phase: str | None = None,
    priority: str | None = None,
    assignee: User | int | None = None,
    channel: str | None = None,
    customer: Customer | int | None = None,
    overdue: bool | None = None,
    team: int | None = None,
    sla: str | None = None,
    now: datetime | None = None,
) -> QuerySet[WorkOrder]:
    """Visible work orders matching every filter given, newest first.

    ``q`` matches the number ("#123": only the number; "123": the number or any text), the title, the problem story,
    the customer's name, organisation and contact points (email, phone).
    ``overdue=True`` keeps open work orders with a commitment past due or
    missed (PT-2); ``overdue=False`` keeps the others.
    ``sla`` keeps the work orders whose SLA is ``on_track``, ``warning`` (at risk), ``breached`` or ``paused``
    (``sla.selectors.state_filter``: as the list's badge shows it).
    """
    qs = visible_work_orders(user)
    text = (q or "").strip()
    if text:
        condition = (
            Q(title__icontains=text)
            | Q(problem_story__icontains=text)
            | Q(customer__name__icontains=text)
            | Q(customer__organisation__name__icontains=text)
            | Q(customer__contact_points__value__icontains=text)
        )
        digits = text.lstrip("#").strip()
        if digits.isascii() and digits.isdigit() and len(digits) < 10:
            # "#123" means the work order number only; a bare "123" may also be part of a phone.
            condition = Q(number=int(digits)) if text.startswith("#") else condition | Q(number=int(digits))
        qs = qs.filter(pk__in=WorkOrder.objects.filter(condition).values("pk"))
    if phase:
        qs = qs.filter(phase=phase)
    if priority:
        qs = qs.filter(priority=priority)
    if channel:
        qs = qs.filter(channel=channel)
    if assignee is not None:
        qs = qs.filter(assignee=assignee)
    if customer is not None:
        qs = qs.filter(customer=customer)
    if team is not None:
        qs = qs.filter(team=team)
    if sla:
        if sla not in SLA_STATES:
            raise InputError("invalid_choice", _("%(value)r is not a valid %(field)s; use one of: %(allowed)s.")
                             % {"value": sla, "field": "sla", "allowed": ", ".join(SLA_STATES)}, field="sla")
        qs = qs.filter(state_filter(sla, now))
    if overdue is not None:
        late = Exists(overdue_commitments(now).filter(work_order=OuterRef("pk")))
        if overdue:
            qs = qs.filter(late, closed_at__isnull=True)
        else:
            qs = qs.exclude(late & Q(closed_at__isnull=True))
    return qs.order_by("-created_at", "-id")


def _not_found() -> InputError:
    return InputError("not_found", _("No such work order."), status=404)


def get_work_order(user: User, number_or_pk: int | str, *, by: str = "number") -> WorkOrder:
    """The work order with this number (``by="pk"``: primary key) if the user may see it.

    A work order that exists but is not visible raises the same 404 as one that
    does not exist (ET-4: never reveal existence). Accepts "123" and "#123".
    """
    raw = str(number_or_pk).strip().lstrip("#")
    # Numbers are 32-bit on PostgreSQL: anything longer cannot exist (and must not reach the database).
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        raise _not_found()
    lookup = {"pk": int(raw)} if by == "pk" else {"number": int(raw)}
    found = visible_work_orders(user).filter(**lookup).first()
    if found is None:
        raise _not_found()
    return found


def get_customer(user: User, pk: int | str) -> Customer:
    """The customer with this id if the user may see it; 404 otherwise."""
    raw = str(pk).strip()
    valid = raw.isascii() and raw.isdigit() and len(raw) < 13
    found = visible_customers(user).filter(pk=int(raw)).first() if valid else None
    if found is None:
        raise InputError("not_found", _("No such customer."), status=404)
    return found


def work_order_history(work_order: WorkOrder) -> list[WorkOrderEvent]:
    """Every change to the work order, oldest first."""
    return list(WorkOrderEvent.objects.filter(work_order=work_order).select_related("actor").order_by("at", "id"))


def customer_work_orders(user: User, customer: Customer) -> QuerySet[WorkOrder]:
    """The visible work orders where this customer is customer, requester or decision maker."""
    return visible_work_orders(user).filter(
        Q(customer=customer) | Q(requester=customer) | Q(decision_maker=customer)
    )


def sees_internal(user: User) -> bool:
    """ET-4: internal notes and internal files are for the help desk staff, never for customers."""
    return is_staff(user)


def conversation(user: User, work_order: WorkOrder) -> list[Message]:
    """The messages of a work order the user may read, oldest first, with their files.

    The caller has already found the work order through :func:`get_work_order` (visibility).
    Customers get only public messages and, of their files, only those not internal.
    """
    staff = sees_internal(user)
    files = Attachment.objects.order_by("uploaded_at", "id")
    messages = Message.objects.filter(work_order=work_order).select_related("author")
    if not staff:
        messages = messages.filter(visibility="public")
        files = files.filter(internal=False)
    found = list(messages.prefetch_related(Prefetch("attachments", queryset=files)).order_by("created_at", "id"))
    for message in found:
        message.work_order = work_order  # already read: no query per message
    return found


def message_by_message_id(message_id: str) -> Message | None:
    """The stored message with this RFC 5322 Message-ID (angle brackets optional), for threading email."""
    key = (message_id or "").strip().strip("<>").strip()
    if not key:
        return None
    return Message.objects.select_related("work_order").filter(message_id=key).first()


def get_survey(*, token: str) -> SatisfactionSurvey:
    """The survey behind a link (SP-4), or 404: the token is all the customer holds."""
    token = token.strip() if isinstance(token, str) else ""
    survey = SatisfactionSurvey.objects.select_related("work_order").filter(token=token).first() if token else None
    if survey is None:
        raise InputError("survey_not_found", _("No such survey."), status=404)
    return survey


def customers_sharing_contact(user: User, points: Iterable[dict[str, Any]]) -> list[tuple[Customer, str]]:
    """Customers the user may see who already have one of these e-mail addresses or phone numbers (national and
    international forms alike), each with the value they share: a new record for them would be a duplicate."""
    emails = [p["value"].strip() for p in points if p.get("kind") == ContactPoint.Kind.EMAIL and p.get("value")]
    numbers = [n for p in points if (n := ContactPoint.phone_number(p.get("kind", ""), p.get("value", "")))]
    if not emails and not numbers:
        return []
    match = Q(number__in=numbers) if numbers else Q(pk__in=[])
    for email in emails:
        match |= Q(kind=ContactPoint.Kind.EMAIL, value__iexact=email)
    found = (ContactPoint.objects.filter(match, customer__in=visible_customers(user))
             .select_related("customer").order_by("customer__name", "customer_id"))
    seen: dict[int, tuple[Customer, str]] = {}
    for point in found[:20]:
        seen.setdefault(point.customer_id, (point.customer, point.value))
    return list(seen.values())


def _detail_sql() -> tuple[str, list[rows.Shape]]:
    """The one statement of :func:`work_order_detail`: the work order, the rows its answer shows, and the two
    facts its visibility needs (the reader's team membership, the reader's own customer records)."""
    user_table = rows.table(User)
    shapes = [rows.shape(WorkOrder, "wo"), rows.shape(Customer, "c"), rows.shape(Customer, "r"),
              rows.shape(Customer, "d"), rows.shape(User, "a"), rows.shape(Team, "t"),
              rows.shape(WorkOrderSla, "s")]
    memberships = rows.table(User.teams.through)
    sql = (
        f"SELECT {', '.join(s.columns for s in shapes)}, "
        f"EXISTS (SELECT 1 FROM {memberships} m WHERE m.user_id = %s AND m.team_id = wo.team_id), "
        f"EXISTS (SELECT 1 FROM {rows.table(Customer)} own WHERE own.user_id = %s "
        "AND own.id IN (wo.customer_id, wo.requester_id, wo.decision_maker_id)) "
        f"FROM {rows.table(WorkOrder)} wo "
        f"JOIN {rows.table(Customer)} c ON c.id = wo.customer_id "
        f"LEFT JOIN {rows.table(Customer)} r ON r.id = wo.requester_id "
        f"LEFT JOIN {rows.table(Customer)} d ON d.id = wo.decision_maker_id "
        f"LEFT JOIN {user_table} a ON a.id = wo.assignee_id "
        f"LEFT JOIN {rows.table(Team)} t ON t.id = wo.team_id "
        f"LEFT JOIN {rows.table(WorkOrderSla)} s ON s.work_order_id = wo.id "
        "WHERE wo.{key} = %s"
    )
    return sql, shapes


def may_see(user: User, work_order: WorkOrder, *, in_my_team: bool, mine_as_customer: bool) -> bool:
    """:func:`visible_work_orders`'s rule for one work order in hand, given the two facts it reads from other
    tables: whether the work order's team is one of the user's, and whether one of the user's customer records
    is its customer, requester or decision maker (tests/desk/test_detail_read.py holds the two forms together)."""
    if acting_role(user) is None:
        return False
    if is_admin(user):
        return True
    if is_customer(user):
        return mine_as_customer
    return (work_order.team_id is None or in_my_team or work_order.assignee_id == user.pk
            or work_order.created_by_id == user.pk)


def work_order_detail(user: User, number_or_pk: int | str, *, by: str = "number") -> WorkOrderDetail:
    """What the API's detail of one work order shows, if the user may see it (else the 404 of
    :func:`get_work_order`): the work order with its customer, requester, decision maker, assignee, team and
    SLA clocks in hand, its closed questions, commitments and survey. Four hand-written statements instead of
    the ORM's five built queries and a lazy load (issue 25: the query building was half the read's CPU)."""
    raw = str(number_or_pk).strip().lstrip("#")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        raise _not_found()
    sql, shapes = _detail_sql()
    sql = sql.replace("{key}", "id" if by == "pk" else "number")
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, user.pk, int(raw)])
        row = cursor.fetchone()
    if row is None:
        raise _not_found()
    built: list[Any] = []
    at = 0
    for s in shapes:
        built.append(s.build(row, at))
        at += s.width
    wo, customer, requester, decision_maker, assignee, team, sla = built
    if not may_see(user, wo, in_my_team=bool(row[at]), mine_as_customer=bool(row[at + 1])):
        raise _not_found()
    cache = wo._state.fields_cache
    cache.update(customer=customer, requester=requester, decision_maker=decision_maker, assignee=assignee,
                 team=team, sla=sla)
    if sla is not None:
        sla._state.fields_cache["work_order"] = wo
    return WorkOrderDetail(wo, _questions(wo), _commitments(wo), _survey(wo))


@dataclass(frozen=True)
class WorkOrderDetail:
    work_order: WorkOrder
    questions: list[ClosedQuestion]
    commitments: list[Commitment]
    survey: SatisfactionSurvey | None


def _with_user(model: type[Any], user_field: str, order: str, wo: WorkOrder) -> list[Any]:
    """The rows of ``model`` for one work order, oldest first as its ordering says, each with its user in hand."""
    own, person = rows.shape(model, "x"), rows.shape(User, "u")
    sql = (f"SELECT {own.columns}, {person.columns} FROM {rows.table(model)} x "
           f"LEFT JOIN {rows.table(User)} u ON u.id = x.{rows.column(model, user_field)} "
           f"WHERE x.work_order_id = %s ORDER BY {order}")
    with connection.cursor() as cursor:
        cursor.execute(sql, [wo.pk])
        fetched = cursor.fetchall()
    found = []
    for row in fetched:
        item = own.build(row, 0)
        item._state.fields_cache[user_field] = person.build(row, own.width)
        item._state.fields_cache["work_order"] = wo
        found.append(item)
    return found


def _questions(wo: WorkOrder) -> list[ClosedQuestion]:
    return _with_user(ClosedQuestion, "asked_by", "x.asked_at, x.id", wo)


def _commitments(wo: WorkOrder) -> list[Commitment]:
    return _with_user(Commitment, "owner", "x.due_at, x.id", wo)


def _survey(wo: WorkOrder) -> SatisfactionSurvey | None:
    own = rows.shape(SatisfactionSurvey, "x")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {own.columns} FROM {rows.table(SatisfactionSurvey)} x WHERE x.work_order_id = %s",
                       [wo.pk])
        row = cursor.fetchone()
    return None if row is None else own.build(row, 0)
