"""Requests that arrive on a written channel with nobody signed in (an email): the desk's side.

A channel adapter (``atiende/mail``) knows an address and some words; the desk finds
the customer that address belongs to, or records a new one (:func:`customer_for_email`),
and opens the work order in their name (:func:`open_written_request`), in the team a
portal request would land in. The first words are the problem story (AL-1) in the
customer's own words, with any credential taken out to the vault (ET-3).

CH-IND: the sender becomes the requester; a decision maker, when there is one, is
recorded by the staff afterwards and is never overwritten by mail.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from atiende.desk import credentials, rows
from atiende.desk.models import Channel, ContactPoint, Customer, Direction, Organisation, WorkOrder
from atiende.desk.services.checks import TEXT_LIMIT
from atiende.desk.services.history import record_customer_event, record_event
from atiende.desk.services.numbering import next_work_order_number
from atiende.desk.services.work_orders import portal_team
from atiende.privacy import display_text

LANGUAGES = ("es", "en")


def _chosen(found: list[ContactPoint]) -> Customer:
    # Of the customers with this address (newest first): the one with a portal account, else the newest.
    with_account = next((cp.customer for cp in found[:20] if cp.customer.user_id), None)
    return with_account or found[0].customer


def customers_for_emails(emails: Iterable[str]) -> dict[str, Customer | None]:
    """What :func:`customer_for_email` would find for each of these addresses, with one read for all (a batch of
    mail): by the address in lower case, the customer, or None for an address no customer has (so a new one is
    recorded without reading again). An address not in it (its case matched one stored only as the database
    compares cases) is left to :func:`customer_for_email`'s own read."""
    wanted = {email.strip().lower() for email in emails if email.strip()}
    if not wanted:
        return {}
    found: dict[str, list[ContactPoint]] = {}
    for point in _points_by_address(sorted(wanted)):
        found.setdefault(point.value.strip().lower(), []).append(point)
    known: dict[str, Customer | None] = {email: _chosen(points) for email, points in found.items() if email in wanted}
    if set(found) <= wanted:  # every row is one of the addresses as Python folds it: the others have none
        known.update({email: None for email in wanted - set(found)})
    return known


def _points_by_address(emails: list[str]) -> list[ContactPoint]:
    """The email contact points whose value is one of these, cases aside as the database compares them (the ORM's
    ``value__iexact``), each with its customer and the customer's organisation, newest customer first: one
    hand-written statement (building the ORM's query, an OR a address, cost more than running it)."""
    from django.db import connection

    point, customer, organisation = rows.shape(ContactPoint, "p"), rows.shape(Customer, "c"), rows.shape(
        Organisation, "o")
    same = (connection.ops.lookup_cast("iexact", "CharField") % "p.value") + " " + (
        connection.operators["iexact"] % "%s")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {point.columns}, {customer.columns}, {organisation.columns} "
                       f"FROM {rows.table(ContactPoint)} p JOIN {rows.table(Customer)} c ON c.id = p.customer_id "
                       f"LEFT JOIN {rows.table(Organisation)} o ON o.id = c.organisation_id "
                       f"WHERE ({' OR '.join([same] * len(emails))}) AND p.kind = %s ORDER BY c.created_at DESC",
                       [*(connection.ops.prep_for_iexact_query(email) for email in emails),
                        str(ContactPoint.Kind.EMAIL)])
        fetched = cursor.fetchall()
    found = []
    to_customer, to_organisation = ContactPoint._meta.get_field("customer"), Customer._meta.get_field("organisation")
    for row in fetched:
        contact = point.build(row, 0)
        owner = customer.build(row, point.width)
        to_organisation.set_cached_value(owner, organisation.build(row, point.width + customer.width))  # type: ignore[union-attr]
        to_customer.set_cached_value(contact, owner)  # type: ignore[union-attr]
        found.append(contact)
    return found  # type: ignore[return-value]


def customer_for_email(*, email: str, name: str = "", language: str = "",
                       known: dict[str, Customer | None] | None = None) -> tuple[Customer, bool]:
    """The customer whose contact point is this address (the one with a portal account first, then the
    newest), or a new customer with it (named as the sender signed, else by the address); and whether
    it is new. ``known``: what :func:`customers_for_emails` found (an address in it is not read again)."""
    if known is not None and email.strip().lower() in known:
        customer = known[email.strip().lower()]
        if customer is not None:
            return customer, False
    else:
        found = list(ContactPoint.objects.filter(kind=ContactPoint.Kind.EMAIL, value__iexact=email.strip())
                     .select_related("customer", "customer__organisation").order_by("-customer__created_at")[:20])
        if found:
            return _chosen(found), False
    # A sender's name is a machine's text: cleaned, not refused (privacy.display_text), so no mail is lost for it.
    shown = display_text.clean(name or "")[:200] or email.split("@", 1)[0][:200]
    with transaction.atomic():
        customer = Customer.objects.create(name=shown, preferred_language=language if language in LANGUAGES
                                           else "es")
        ContactPoint.objects.create(customer=customer, kind=ContactPoint.Kind.EMAIL, value=email.strip()[:254],
                                    preferred=True)
        record_customer_event(customer, None, "created", {"name": (None, shown), "contact_points": (None, [email])})
    return customer, True


def open_written_request(*, customer: Customer, title: str, problem_story: str,
                         channel: str = Channel.EMAIL, new_customer: bool = False) -> WorkOrder:
    """Open a work order (identification, SP-1) for a customer who wrote in; no staff actor.
    ``new_customer``: recorded a moment ago, so with no earlier work order to take the team from."""
    values = {"title": display_text.clean(title)[:200] or "-", "problem_story": problem_story[:TEXT_LIMIT]}
    dictated = credentials.take_from_fields(values)  # ET-3: never kept in the text
    team = portal_team(customer, new_customer=new_customer)
    with transaction.atomic():
        now = timezone.now()
        work_order = WorkOrder.objects.create(
            number=next_work_order_number(), customer=customer, requester=customer, team=team, channel=channel,
            direction=Direction.REACTIVE, knowledge_level=customer.knowledge_level, created_at=now,
            updated_at=now, **values)
        credentials.store_in_vault(work_order=work_order, actor=None, found=dictated)
        initial = {"customer": customer, "requester": customer, "team": team, "channel": channel, **values}
        record_event(work_order, None, "created", {k: (None, v) for k, v in initial.items() if v not in ("", None)},
                     at=now)
    return work_order
