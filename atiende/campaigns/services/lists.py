"""A campaign's call list: from a CSV file (row by row) or from a filter of the desk's customers.

Both end in :func:`_add`, which decides for each person, in bulk (a list of 10,000 is a
handful of queries, bench/bench_campaign_import.py):

- the customer it is: the one named in the row (which must exist and be visible to the
  supervisor, ET-4), else the one customer whose phone it is (the desk's contact points,
  by the same E.164 key), else none (a person who is not a customer yet);
- the time zones the person is called by (:func:`atiende.campaigns.core.zones_for`:
  the row's zone, the customer's, their organisation's, their number's, the center's);
- whether they may be called at all: a number on the do-not-call list or a customer
  flagged ``do_not_call`` enters the list as *do not call*: shown, counted, never dialled;
- a number already on this campaign's list is not added twice: that row is rejected,
  naming the line that has it.

Rejected rows are stored (:class:`~atiende.campaigns.models.RejectedRow`) with their
problems, so what the supervisor uploaded is all accounted for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from atiende.campaigns import live
from atiende.campaigns.core import FileProblem, Problem, Rejected, Row, decode, read_csv, zones_for
from atiende.campaigns.core import TargetStatus as Status
from atiende.campaigns.models import Campaign, DoNotCall, RejectedRow, Target
from atiende.campaigns.services.checks import managed_campaign
from atiende.contact.clock import now
from atiende.db import single_writer
from atiende.desk.models import ContactPoint, Customer, WorkOrder
from atiende.desk.selectors import visible_customers
from atiende.errors import InputError
from atiende.people.models import User
from atiende.telephony.numbers import normalise_number

MAX_FILE_BYTES = 10 * 1024 * 1024  # 10 MB: some 150,000 rows
BATCH = 1000
PHONE_KINDS = (ContactPoint.Kind.PHONE, ContactPoint.Kind.MOBILE)
FILTERS = ("closed_last_week", "organisation")


@dataclass
class Added:
    """What an import or a filter did: how many people were added, and every line that was not."""

    added: int = 0
    do_not_call: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)

    def as_dict(self, language: str = "es") -> dict[str, Any]:
        return {"added": self.added, "do_not_call": self.do_not_call, "unknown_columns": self.unknown_columns,
                "rejected": [{"line": r.line, "raw": r.raw, "problems": [p.as_dict(language) for p in r.problems]}
                             for r in self.rejected]}


def import_csv(*, actor: User, campaign_id: int, data: bytes, file_name: str = "") -> Added:
    """Add the people of a CSV file to a campaign's list (see the module and :mod:`..core.rows`)."""
    campaign = managed_campaign(actor, campaign_id)
    if len(data) > MAX_FILE_BYTES:
        raise InputError("file_too_large", _("The file is larger than 10 MB: split it in several."), rule="CH-PRO",
                         status=413, field="file")
    try:
        parsed = read_csv(decode(data), region=settings.ATIENDE_DEFAULT_REGION or None, normalise=normalise_number)
    except FileProblem as problem:
        raise InputError(problem.code, problem.en if _lang() == "en" else problem.es, rule="CH-PRO",
                         field="file") from None
    with transaction.atomic():  # the rows and the rejected lines, together or not at all
        result = _add(actor, campaign, parsed.rows, file_name=file_name)
        _store_rejected(campaign, parsed.rejected, file_name)
    result.rejected = sorted([*parsed.rejected, *result.rejected], key=lambda r: r.line)
    result.unknown_columns = parsed.unknown_columns
    return result


def _lang() -> str:
    return (get_language() or "es")[:2]


def add_from_filter(*, actor: User, campaign_id: int, kind: str, organisation: int | None = None,
                    days: int = 7) -> Added:
    """Add the desk's customers that a filter finds, each with their preferred phone:

    - ``closed_last_week``: customers of work orders closed in the last ``days`` days (a follow-up call);
    - ``organisation``: the customers of one organisation (an outage that affected them).
    Customers without a phone are reported as rejected (no number to call), by name.
    """
    campaign = managed_campaign(actor, campaign_id)
    customers = visible_customers(actor)
    if kind == "closed_last_week":
        if not isinstance(days, int) or not 1 <= days <= 365:
            raise InputError("invalid_days", _("Days must be a whole number from 1 to 365."), field="days",
                             rule="CH-PRO")
        since = now() - timedelta(days=days)
        closed = WorkOrder.objects.filter(closed_at__gte=since).values("customer_id")
        customers = customers.filter(pk__in=closed)
    elif kind == "organisation":
        if organisation is None or not customers.filter(organisation_id=organisation).exists():
            raise InputError("unknown_organisation", _("No such organisation, or it has no customers you may see."),
                             field="organisation", status=404, rule="CH-PRO")
        customers = customers.filter(organisation_id=organisation)
    else:
        raise InputError("unknown_filter", _("Unknown filter: use %(kinds)s.") % {"kinds": ", ".join(FILTERS)},
                         field="kind", rule="CH-PRO")
    chosen = list(customers.order_by("pk").values_list("pk", "name", "address_as", "country"))
    phones: dict[int, tuple[str, str]] = {}
    for customer_id, value, number in (ContactPoint.objects.filter(customer_id__in=[c[0] for c in chosen],
                                                                    kind__in=PHONE_KINDS)
                                       .exclude(number="").order_by("customer_id", "-preferred", "id")
                                       .values_list("customer_id", "value", "number")):
        phones.setdefault(customer_id, (value, number))
    rows: list[Row] = []
    rejected: list[Rejected] = []
    for customer_id, name, address_as, country in chosen:
        phone = phones.get(customer_id)
        if phone is None or not phone[1].startswith("+"):
            rejected.append(Rejected(0, name, (Problem("phone", "no_phone", "Este cliente no tiene teléfono.",
                                                       "This customer has no phone number."),)))
            continue
        rows.append(Row(line=0, name=name, phone=phone[0], number=phone[1], address_as=address_as, country=country,
                        customer=customer_id))
    result = _add(actor, campaign, rows, file_name="")
    result.rejected = [*rejected, *result.rejected]
    return result


@single_writer
def _add(actor: User, campaign: Campaign, rows: list[Row], *, file_name: str) -> Added:
    result = Added()
    center_zone = settings.TIME_ZONE
    with transaction.atomic():
        on_list = dict(Target.objects.filter(campaign=campaign).values_list("number", "line"))
        blocked = set(DoNotCall.objects.filter(number__in=[r.number for r in rows]).values_list("number", flat=True)) \
            if len(rows) < 5000 else set(DoNotCall.objects.values_list("number", flat=True))
        named = _named_customers(actor, {r.customer for r in rows if r.customer})
        by_phone = _customers_by_phone(r.number for r in rows if not r.customer)
        moment = now()
        targets: list[Target] = []
        late: list[Rejected] = []
        for row in rows:
            if row.number in on_list:
                late.append(Rejected(row.line, row.phone, (_already_listed(row.number, on_list[row.number]),)))
                continue
            customer: dict[str, Any] | None
            if row.customer:
                customer = named.get(row.customer)
                if customer is None:
                    late.append(Rejected(row.line, row.phone, (Problem(
                        "customer", "unknown_customer", f"No hay cliente {row.customer} (o no es de su equipo).",
                        f"There is no customer {row.customer} (or not of your team)."),)))
                    continue
            else:
                customer = by_phone.get(row.number)
            on_list[row.number] = row.line or None
            zones, source = zones_for(customer_zone=row.time_zone or (customer or {}).get("time_zone", ""),
                                      organisation_zone=(customer or {}).get("organisation__time_zone") or "",
                                      number=row.number, center_zone=center_zone)
            if row.time_zone:
                source = "list"
            stop = row.number in blocked or bool(customer and customer["do_not_call"])
            result.do_not_call += stop
            targets.append(Target(
                campaign=campaign, line=row.line or None, customer_id=customer["pk"] if customer else None,
                name=row.name[:200], address_as=row.address_as or (customer or {}).get("address_as", ""),
                phone=row.phone[:60], number=row.number, zones=",".join(zones)[:200], zone_source=source,
                note=row.note[:500], status=Status.DO_NOT_CALL if stop else Status.PENDING, updated_at=moment))
        for start in range(0, len(targets), BATCH):
            Target.objects.bulk_create(targets[start:start + BATCH])
        _store_rejected(campaign, late, file_name)
        if targets:
            live.changed(campaign.pk)
    result.added = len(targets)
    result.rejected = late
    return result


def _already_listed(number: str, line: int | None) -> Problem:
    where_es = f" (línea {line})" if line else ""
    where_en = f" (line {line})" if line else ""
    return Problem("phone", "already_on_list", f"El número {number} ya está en esta campaña{where_es}.",
                   f"The number {number} is already on this campaign{where_en}.")


_CUSTOMER_FIELDS = ("pk", "name", "address_as", "time_zone", "do_not_call", "organisation__time_zone")


def _named_customers(actor: User, ids: set[int | None]) -> dict[int, dict[str, Any]]:
    wanted = [i for i in ids if i]
    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(wanted), BATCH):
        for row in visible_customers(actor).filter(pk__in=wanted[start:start + BATCH]).values(*_CUSTOMER_FIELDS):
            found[row["pk"]] = row
    return found


def _customers_by_phone(numbers: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The one customer of each number (a number two customers share names neither: nobody guesses)."""
    wanted = list(set(numbers))
    owners: dict[str, set[int]] = {}
    for start in range(0, len(wanted), BATCH):
        for number, customer_id in (ContactPoint.objects.filter(number__in=wanted[start:start + BATCH],
                                                                kind__in=PHONE_KINDS)
                                    .values_list("number", "customer_id")):
            owners.setdefault(number, set()).add(customer_id)
    single = {number: next(iter(ids)) for number, ids in owners.items() if len(ids) == 1}
    rows = {c["pk"]: c for c in Customer.objects.filter(pk__in=set(single.values())).values(*_CUSTOMER_FIELDS)}
    return {number: rows[customer_id] for number, customer_id in single.items() if customer_id in rows}


def _store_rejected(campaign: Campaign, rejected: list[Rejected], file_name: str) -> None:
    moment = timezone.now()
    RejectedRow.objects.bulk_create([
        RejectedRow(campaign=campaign, line=r.line, raw=r.raw, file_name=file_name[:200], created_at=moment,
                    problems=[{"field": p.field, "code": p.code, "es": p.es, "en": p.en} for p in r.problems])
        for r in rejected], batch_size=BATCH)
