"""The walk-in desk's pages: the reception kiosk (/recepcion/), the waiting-room display (/sala/),
the desk panel in the technician's console (/mostrador/...), the booked visits (/recepcion/citas/) and,
in the portal, a customer's own booked visits (/citas/: a free slot of a day, their bookings, cancel).

The kiosk runs on a tablet at reception signed in with a staff account (the receptionist's):
its pages have no top bar and big touch targets, and the check-in acts for that account.
The display is open to anyone, as the screen in the waiting room is: tickets and desks only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from atiende.contact.clock import now
from atiende.desk.selectors import visible_customers
from atiende.errors import InputError
from atiende.people.roles import CUSTOMERS, MANAGERS, STAFF, TECHNICIANS
from atiende.practices import Refusal
from atiende.reports import services as reports
from atiende.walkin import kiosk, selectors
from atiende.walkin.forms import BookingForm, CheckInForm
from atiende.walkin.models import Booking, Visit
from atiende.walkin.services import bookings, calling, checkin
from atiende.web.access import forbidden, role_required
from atiende.web.pages import attach_error, error_context, is_htmx


def _service_choices() -> list[tuple[str, str]]:
    return [(s.letter, s.label) for s in selectors.services()]


def _as_input_error(refusal: Refusal) -> InputError:
    """A pure core's refusal (core.slots) shown on a form as a service's refusal is."""
    return InputError(refusal.code, refusal.message(get_language() or "es"), rule=refusal.rule, status=refusal.status)


def _kiosk_or_sign_in(request: HttpRequest) -> tuple[Any, HttpResponse | None]:
    """The staff member the kiosk acts for (signed in, or the device's kiosk mode), else the answer to give."""
    actor = kiosk.kiosk_actor(request)
    if actor is not None:
        return actor, None
    if getattr(request.user, "is_authenticated", False):
        return None, forbidden(request, _("Only staff, or a reception kiosk, check visitors in."), rule="ET-4")
    return None, redirect_to_login(request.get_full_path())


@require_http_methods(["GET", "POST"])
def kiosk_page(request: HttpRequest) -> HttpResponse:
    actor, refusal = _kiosk_or_sign_in(request)
    if refusal is not None:
        return refusal
    form = CheckInForm(request.POST or None, services=_service_choices())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visit = checkin.check_in(actor=actor, service=data["service"], name=data["name"],
                                     phone=data["phone"], reason=data["reason"],
                                     work_order_number=data["work_order"], booked=data["booked"])
        except InputError as error:
            attach_error(form, error)
        else:
            return redirect("walkin:ticket", visit_id=visit.pk)
    status = 400 if form.errors else 200
    return render(request, "walkin/kiosk.html", {"form": form, "device": kiosk.is_device(request)}, status=status)


@require_POST
@role_required(STAFF)
def open_kiosk(request: HttpRequest) -> HttpResponse:
    """This device becomes a reception kiosk acting for the signed-in staff member, whose session ends here."""
    user = request.user
    logout(request)
    return kiosk.open_on(redirect("walkin:kiosk"), user, secure=request.is_secure())  # type: ignore[arg-type]


@require_GET
def ticket(request: HttpRequest, visit_id: int) -> HttpResponse:
    _actor, refusal = _kiosk_or_sign_in(request)
    if refusal is not None:
        return refusal
    visit = get_object_or_404(Visit.objects.select_related("service"), pk=visit_id, day=selectors.today())
    return render(request, "walkin/ticket.html", {"visit": visit})


@require_GET
def display(request: HttpRequest) -> HttpResponse:
    return render(request, "walkin/display.html", {"board": selectors.board_snapshot()})


# ---- the desk panel in the technician's console -------------------------------------

def _panel(request: HttpRequest, *, error: InputError | None = None, status: int = 200) -> HttpResponse:
    user = request.user
    context: dict[str, Any] = {
        "services": selectors.services(), "desk": selectors.desk_of(user),  # type: ignore[arg-type]
        "called": selectors.called_by(user),  # type: ignore[arg-type]
        "waiting": selectors.waiting_line(user=user),  # type: ignore[arg-type]  (ET-4: their scope)
        "error": error_context(error) if error else None,
    }
    if is_htmx(request) or request.method == "GET":
        return render(request, "walkin/_desk_panel.html", context, status=status)
    return redirect("consoles:console")


@require_GET
@role_required(TECHNICIANS)
def desk_panel(request: HttpRequest) -> HttpResponse:
    return _panel(request)


@require_POST
@role_required(TECHNICIANS)
def call_next(request: HttpRequest) -> HttpResponse:
    try:
        visit = calling.call_next(user=request.user, desk=request.POST.get("desk", ""),  # type: ignore[arg-type]
                                  service=request.POST.get("service") or None)
    except InputError as error:
        return _panel(request, error=error, status=error.status)
    if visit is None:
        return _panel(request, error=InputError("nobody_waiting", _("Nobody is waiting."), status=200, rule="CH-PRE"))
    return _panel(request)


def _visit_action(action: Any) -> Any:
    @require_POST
    @role_required(TECHNICIANS)
    def view(request: HttpRequest, visit_id: int) -> HttpResponse:
        try:
            action(user=request.user, visit_id=visit_id)
        except InputError as error:
            return _panel(request, error=error, status=error.status)
        return _panel(request)

    return view


serve = _visit_action(calling.serve)
call_again = _visit_action(calling.call_again)
no_show = _visit_action(calling.mark_no_show)
left = _visit_action(calling.record_left)


# ---- booked visits ------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@role_required(STAFF)
def booking_list(request: HttpRequest) -> HttpResponse:
    form = BookingForm(request.POST or None, services=_service_choices())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            bookings.book_visit(actor=request.user, service=data["service"], customer=data["customer"],  # type: ignore[arg-type]
                                starts_at=data["starts_at"], reason=data["reason"])
        except InputError as error:
            attach_error(form, error)
        except Refusal as refusal:
            attach_error(form, _as_input_error(refusal))
        else:
            return redirect("walkin:bookings")
    upcoming = (Booking.objects.select_related("service", "customer")  # ET-4: customers this user may see
                .filter(starts_at__date__gte=selectors.today(), customer__in=visible_customers(request.user))
                .order_by("starts_at")[:200])
    return render(request, "walkin/bookings.html", {"nav": "walkin", "form": form, "bookings": upcoming},
                  status=400 if form.errors else 200)


@require_GET
@role_required(MANAGERS)
def wallboard_card(request: HttpRequest) -> HttpResponse:
    """The walk-in desk's figures of today on the supervisors' wallboard (the walk-ins report, in their scope)."""
    day = selectors.today().isoformat()
    report = reports.build(name="walk-ins", first=day, last=day, user=request.user)  # type: ignore[arg-type]
    summary = next(s for s in report.sections if s.key == "summary")
    figures = {row["key"]: row["value"] for row in summary.rows}
    waiting = selectors.waiting_line(user=request.user)  # type: ignore[arg-type]  (ET-4: their scope)
    return render(request, "walkin/_wallboard_card.html", {
        "services": selectors.services(), "figures": figures, "waiting": len(waiting),
        "longest_wait": (now() - min(v.contact.created_at for v in waiting)).total_seconds() if waiting else None})



# ---- a customer's own booked visits, in the portal ------------------------------------------

@require_http_methods(["GET", "POST"])
@role_required(CUSTOMERS)
def my_bookings(request: HttpRequest) -> HttpResponse:
    """Choose a service and a day, then a free slot; see and cancel one's booked visits (CH-PRE)."""
    services = selectors.services()
    source = request.POST if request.method == "POST" else request.GET
    chosen = next((s for s in services if s.letter == source.get("service", "")), services[0] if services else None)
    today = selectors.today()
    day = parse_date(source.get("day", "") or "") or today
    error: InputError | None = None
    if day < today:
        error, day = InputError("day_in_the_past", _("Choose today or a later day."), field="day",
                                rule="CH-PRE"), today
    if request.method == "POST" and chosen is not None:
        try:
            booking = bookings.book_own_visit(actor=request.user, service=chosen,  # type: ignore[arg-type]
                                              starts_at=request.POST.get("starts_at", ""),
                                              reason=request.POST.get("reason", ""))
        except InputError as exc:
            error = exc
        except Refusal as refusal:
            error = _as_input_error(refusal)
        else:
            messages.success(request, _("Booked: %(service)s, %(when)s. On the day, check in at reception with "
                                        "«I have a booked visit today».") % {
                "service": booking.service.label,
                "when": timezone.localtime(booking.starts_at).strftime("%d/%m/%Y %H:%M")})
            return redirect(f"{reverse('walkin:my_bookings')}?service={chosen.letter}&day={day.isoformat()}")
    slots = bookings.free_slots(chosen, day) if chosen is not None else []
    return render(request, "walkin/my_bookings.html", {
        "nav": "bookings", "services": services, "service": chosen, "day": day, "today": today, "slots": slots,
        "mine": bookings.own_bookings(request.user),  # type: ignore[arg-type]
        "reason": request.POST.get("reason", ""), "error": error_context(error) if error else None,
    }, status=error.status if error is not None else 200)


@require_POST
@role_required(CUSTOMERS)
def cancel_my_booking(request: HttpRequest, booking_id: int) -> HttpResponse:
    try:
        bookings.cancel_own_booking(actor=request.user, booking_id=booking_id)  # type: ignore[arg-type]
    except InputError as exc:
        messages.error(request, f"{exc.message} ({exc.rule})" if exc.rule else str(exc.message))
    else:
        messages.success(request, _("Your booked visit is cancelled."))
    return redirect("walkin:my_bookings")
