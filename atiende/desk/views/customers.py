"""Customer pages: list with search, detail (form of address, contact points,
trait history, work orders), create and edit. Staff only: a customer's portal
account never lists other customers (ET-4)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from atiende.desk import selectors
from atiende.desk.forms import CustomerForm, LimitedSelect
from atiende.desk.models import Customer
from atiende.desk.services.customers import create_customer, update_customer
from atiende.desk.views.common import readable_value
from atiende.errors import InputError
from atiende.people.models import User
from atiende.web.access import not_found, staff_required
from atiende.web.pages import attach_error, is_htmx

# CT-*: the difficult-customer traits the language assistant recognises.
TRAIT_LABELS = {
    "CT-LOC": gettext_lazy("talkative"),
    "CT-DES": gettext_lazy("rude"),
    "CT-ENF": gettext_lazy("angry"),
    "CT-ENT": gettext_lazy("knowledgeable"),
    "CT-INX": gettext_lazy("inexperienced"),
}

EVENT_LABELS = {"created": gettext_lazy("created"), "changed": gettext_lazy("changed")}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _load(request: HttpRequest, pk: int) -> Customer | None:
    try:
        return selectors.get_customer(_user(request), pk)
    except InputError:
        return None


@staff_required
def customer_list(request: HttpRequest) -> HttpResponse:
    # PostgreSQL refuses NUL characters in a query; they are never part of a real search.
    q = request.GET.get("q", "").replace("\x00", "").strip()[:200]
    customers = selectors.visible_customers(_user(request))
    if q:
        customers = customers.filter(
            Q(name__icontains=q) | Q(organisation__name__icontains=q) | Q(contact_points__value__icontains=q)
        ).distinct()
    paginator = Paginator(customers.order_by("name", "pk"), settings.ATIENDE_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    context = {"nav": "customers", "page": page, "q": q, "query": f"q={q}&" if q else ""}
    if is_htmx(request) and request.headers.get("HX-Target") == "customer-results":
        return render(request, "desk/customers/_results.html", context)
    return render(request, "desk/customers/list.html", context)


@staff_required
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    customer = _load(request, pk)
    if customer is None:
        return not_found(request, _("No such customer."))
    traits = [
        {"id": t.trait, "label": TRAIT_LABELS.get(t.trait, t.trait), "score": t.score, "evidence": t.evidence,
         "at": t.observed_at, "work_order": t.work_order}
        for t in customer.trait_observations.select_related("work_order")[:50]
    ]
    work_orders = selectors.customer_work_orders(user, customer).select_related("customer")[:50]
    labels = {f.name: getattr(f, "verbose_name", f.name) for f in Customer._meta.get_fields()}
    labels["contact_points"] = _("Contact points")  # a relation: no verbose_name of its own
    history = [
        {"at": e.at, "actor": e.actor, "label": EVENT_LABELS.get(e.kind, e.kind),
         "changes": [{"field": labels.get(k, k), "old": readable_value(k, v[0] if isinstance(v, list) else None),
                      "new": readable_value(k, v[-1] if isinstance(v, list) else v)}
                     for k, v in (e.changes or {}).items()]}
        for e in customer.events.select_related("actor").order_by("-at", "-id")[:30]
    ]
    return render(request, "desk/customers/detail.html", {
        "nav": "customers", "customer": customer, "contact_points": list(customer.contact_points.all()),
        "traits": traits, "work_orders": list(work_orders), "history": history,
    })


def _initial(customer: Customer) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "name": customer.name, "address_as": customer.address_as, "organisation": customer.organisation.name if customer.organisation else "",
        "country": customer.country, "preferred_language": customer.preferred_language,
        "knowledge_level": customer.knowledge_level, "notes": customer.notes,
    }
    for field, kind in CustomerForm.CONTACT_FIELDS.items():
        point = customer.contact_points.filter(kind=kind).first()
        if point is not None:
            initial[field] = point.value
    return initial


def _choices(user: User) -> dict[str, Any]:  # ET-4: no other team's organisation among the suggestions
    return {"organisations": list(selectors.visible_organisations(user).order_by("name")
                                  .values_list("name", flat=True)[:500])}


def _save(request: HttpRequest, form: CustomerForm, customer: Customer | None) -> Customer | None:
    data = dict(form.cleaned_data)
    for field in CustomerForm.CONTACT_FIELDS:
        data.pop(field, None)
    try:
        if customer is None:
            return create_customer(actor=_user(request), contact_points=form.contact_points(), **data)
        return update_customer(actor=_user(request), customer=customer,
                               contact_points=form.contact_points(), **data)
    except InputError as exc:
        if exc.field == "contact_points":
            # The service checks the whole list; point at the box that holds the bad value.
            exc.field = next((f for f in CustomerForm.CONTACT_FIELDS
                              if form.cleaned_data.get(f) and str(form.cleaned_data[f]) in str(exc.message)),
                             "email" if exc.code == "invalid_email" else None)
        attach_error(form, exc)
        return None


@staff_required
def customer_options(request: HttpRequest) -> HttpResponse:
    """The options of a customer picker matching ``q`` (name, organisation, e-mail or phone), at most 30."""
    q = request.GET.get("q", "").strip()[:100]
    customers = selectors.visible_customers(_user(request)).select_related("organisation")
    if q:
        customers = customers.filter(Q(name__icontains=q) | Q(organisation__name__icontains=q)
                                     | Q(contact_points__value__icontains=q)).distinct()
    found = list(customers.order_by("name", "pk")[:LimitedSelect.limit])
    return render(request, "desk/customers/_options.html", {
        "customers": found, "blank": request.GET.get("blank") or _("Choose a customer"), "q": q})


@staff_required
def customer_create(request: HttpRequest) -> HttpResponse:
    form = CustomerForm(request.POST or None, initial={"preferred_language": "es"})
    duplicates: list[Any] = []
    if request.method == "POST" and form.is_valid():
        # Same e-mail or phone as someone already on file: warn and offer that record; creating anyway
        # is a second, deliberate click (two people may share a switchboard number).
        if not request.POST.get("confirm_duplicate"):
            duplicates = selectors.customers_sharing_contact(_user(request), form.contact_points())
        if not duplicates:
            customer = _save(request, form, None)
            if customer is not None:
                messages.success(request, _("Customer %(name)s created.") % {"name": customer.greeting_name})
                return redirect("desk:customer_detail", pk=customer.pk)
    return render(request, "desk/customers/form.html",
                  {"nav": "customers", "form": form, "duplicates": duplicates, **_choices(_user(request))},
                  status=400 if form.is_bound and not duplicates else 200)


@staff_required
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _load(request, pk)
    if customer is None:
        return not_found(request, _("No such customer."))
    form = CustomerForm(request.POST or None, initial=_initial(customer))
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, customer)
        if saved is not None:
            messages.success(request, _("Customer %(name)s saved.") % {"name": saved.greeting_name})
            return redirect("desk:customer_detail", pk=saved.pk)
    return render(request, "desk/customers/form.html",
                  {"nav": "customers", "form": form, "customer": customer, **_choices(_user(request))},
                  status=400 if form.is_bound else 200)


__all__ = ["customer_create", "customer_detail", "customer_edit", "customer_list"]
