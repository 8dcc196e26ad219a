"""The customer asks, from a work order in the portal, to be called back within a window (PT-2); staff book the
same for the work order's customer (one who asked in a chat or at the desk: origin ``personal``).

The call-back itself (queue, dial, retries, commitment) is :mod:`atiende.telephony.callbacks`; this page
only reads the window in the desk's time zone and shows the refusals next to the fields they name.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from atiende.contact.clock import now as clock_now
from atiende.desk.models import ContactPoint, Customer, Phase, WorkOrder
from atiende.desk.selectors import visible_work_orders
from atiende.errors import InputError
from atiende.people.models import User
from atiende.people.roles import CUSTOMERS, STAFF, is_customer
from atiende.telephony import callbacks
from atiende.telephony.models import Callback
from atiende.web.access import not_found, role_required
from atiende.web.pages import attach_error


class CallbackForm(forms.Form):
    number = forms.CharField(label=gettext_lazy("Phone to call you at"), max_length=40)
    # A date input takes only ISO dates: in the locale's format (07/12/2026) the browser showed the day empty.
    day = forms.DateField(label=gettext_lazy("Day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    start = forms.TimeField(label=gettext_lazy("From"), widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=gettext_lazy("Until"), widget=forms.TimeInput(attrs={"type": "time"}))
    note = forms.CharField(label=gettext_lazy("What it is about (optional)"), max_length=300, required=False)

    def window(self) -> tuple[datetime, datetime]:
        data = self.cleaned_data
        return callbacks.day_window(data["day"], data["start"], data["end"], end_field="end")


def _phone_of(customer: Customer | None) -> str:
    if customer is None:
        return ""
    point = (customer.contact_points.filter(kind__in=(ContactPoint.Kind.MOBILE, ContactPoint.Kind.PHONE))
             .order_by("pk").first())
    return point.value if point is not None else ""


@role_required((*CUSTOMERS, *STAFF))
@require_http_methods(["GET", "POST"])
def work_order_callback(request: HttpRequest, number: int) -> HttpResponse:
    """«Llámenme»: a call-back about this work order, in a window the customer chooses (or staff, for them)."""
    user: User = request.user  # type: ignore[assignment]
    work_order = visible_work_orders(user).select_related("customer").filter(number=number).first()
    if work_order is None:
        return not_found(request, _("No such work order."))
    staff = not is_customer(user)
    customer = work_order.customer if staff else Customer.objects.filter(user=user).first()
    moment = timezone.localtime(clock_now())  # the contact center's clock, as the call-back's checks
    start = (moment + timedelta(minutes=15)).replace(second=0, microsecond=0)
    end = start + timedelta(hours=2)  # past midnight late in the evening: the form reads that end as the next day's
    initial: dict[str, Any] = {"number": _phone_of(customer), "day": start.date(), "start": start.time(),
                               "end": end.time()}
    form = CallbackForm(request.POST or None, initial=initial)
    if work_order.phase == Phase.CLOSURE:
        form.add_error(None, _("This request is closed: open a new one to be called."))
    elif request.method == "POST" and form.is_valid():
        try:
            window_start, window_end = form.window()
            callbacks.request_callback(actor=user, number=form.cleaned_data["number"], window_start=window_start,
                                       window_end=window_end, customer=customer or work_order.customer,
                                       work_order=work_order, note=form.cleaned_data["note"],
                                       origin=Callback.Origin.STAFF if staff else Callback.Origin.PORTAL)
        except InputError as exc:
            attach_error(form, exc)
        else:
            said = (_("Done: the customer will be called between %(start)s and %(end)s.") if staff
                    else _("Done: we will call you between %(start)s and %(end)s."))
            # «entre el 10/03 23:30 y las 01:00»: an end before the start reads as the next day's, as in the form.
            messages.success(request, said % {"start": timezone.localtime(window_start).strftime("%d/%m %H:%M"),
                                              "end": timezone.localtime(window_end).strftime("%H:%M")})
            return redirect("desk:work_order_detail", number=work_order.number)
    return render(request, "desk/work_orders/callback_form.html",
                  {"nav": "work_orders", "form": form, "work_order": work_order, "pending": _pending(work_order),
                   "staff": staff},
                  status=400 if form.is_bound or form.errors else 200)


def _pending(work_order: WorkOrder) -> list[Callback]:
    return list(work_order.callbacks.filter(status__in=(Callback.Status.PENDING, Callback.Status.DIALLING)))
