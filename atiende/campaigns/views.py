"""The campaigns' pages: the supervisor's list, a campaign's page (script with the assistant's findings, the
CSV import and its rejected lines, a filter of customers, progress, start/pause), the wallboard card, and the
preview panel in the technician's console (/campanas/preview/: the card, dial, the outcome).

Every action goes through the campaign services, so the pages refuse what the API refuses, with the rule.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from atiende.campaigns import selectors
from atiende.campaigns.core import TO_CALL
from atiende.campaigns.models import Campaign, RejectedRow, Target
from atiende.campaigns.services import campaigns, lists, preview
from atiende.campaigns.services.checks import seen_campaign
from atiende.contact.clock import now
from atiende.contact.selectors import visible_queues
from atiende.desk.selectors import visible_organisations
from atiende.errors import InputError
from atiende.people.models import User
from atiende.people.roles import MANAGERS, STAFF
from atiende.practices import Refusal
from atiende.reports import services as reports
from atiende.telephony import webhooks
from atiende.web.access import not_found, role_required
from atiende.web.pages import error_context, is_htmx


def _language() -> str:
    return (get_language() or "es")[:2]


def _as_input_error(refusal: Refusal) -> InputError:
    return InputError(refusal.code, refusal.message(_language()), rule=refusal.rule, status=refusal.status)


@require_http_methods(["GET", "POST"])
@role_required(MANAGERS)
def campaign_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    error = None
    if request.method == "POST":
        try:
            made = campaigns.create_campaign(actor=user, name=request.POST.get("name", ""),
                                             queue=request.POST.get("queue", ""),
                                             purpose=request.POST.get("purpose", ""),
                                             script=request.POST.get("script", ""))
        except InputError as exc:
            error = error_context(exc)
        else:
            return redirect("campaigns:detail", campaign_id=made.pk)
    rows = [(c, selectors.progress(c)) for c in selectors.visible_campaigns(user)[:100]]
    return render(request, "campaigns/list.html", {
        "nav": "campaigns", "campaigns": rows, "queues": visible_queues(user), "error": error,
        "form": request.POST if error else {}}, status=error and 400 or 200)


def _detail(request: HttpRequest, campaign: Campaign, *, error: InputError | None = None,
            imported: dict[str, Any] | None = None, status: int = 200) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    people = Target.objects.filter(campaign=campaign).select_related("work_order").order_by("id")
    return render(request, "campaigns/detail.html", {
        "nav": "campaigns", "campaign": campaign, "progress": selectors.progress(campaign),
        "people": people[:200], "rejected": RejectedRow.objects.filter(campaign=campaign).order_by("-id")[:100],
        "organisations": visible_organisations(user).order_by("name")[:500], "error": error_context(error)
        if error else None, "imported": imported, "statuses": Campaign.Status.choices,
        "language": _language()}, status=status)


@require_GET
@role_required(MANAGERS)
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    try:
        campaign = seen_campaign(request.user, campaign_id)  # type: ignore[arg-type]
    except InputError as exc:
        return not_found(request, str(exc.message))
    return _detail(request, campaign)


def _campaign_action(action: Any) -> Any:
    @require_POST
    @role_required(MANAGERS)
    def view(request: HttpRequest, campaign_id: int) -> HttpResponse:
        try:
            campaign = seen_campaign(request.user, campaign_id)  # type: ignore[arg-type]
        except InputError as exc:
            return not_found(request, str(exc.message))
        try:
            imported = action(request, campaign)
        except InputError as exc:
            return _detail(request, campaign, error=exc, status=exc.status)
        campaign.refresh_from_db()
        if imported is not None:
            return _detail(request, campaign, imported=imported)
        return redirect("campaigns:detail", campaign_id=campaign.pk)

    return view


def _change(request: HttpRequest, campaign: Campaign) -> None:
    changes: dict[str, Any] = {}
    for field in ("name", "purpose", "script", "status", "calling_from", "calling_until"):
        if field in request.POST:
            changes[field] = request.POST[field]
    for field in ("max_attempts", "retry_minutes"):
        if request.POST.get(field, "").strip():
            value = request.POST[field].strip()
            changes[field] = int(value) if value.isdigit() else value
    if "apply" in request.POST and request.POST["apply"].isdigit():
        changes["script"] = campaigns.apply_script_rewrite(request.POST.get("script", campaign.script),
                                                           int(request.POST["apply"]))
    campaigns.update_campaign(actor=request.user, campaign_id=campaign.pk, **changes)  # type: ignore[arg-type]


def _import(request: HttpRequest, campaign: Campaign) -> dict[str, Any]:
    upload = request.FILES.get("file")
    if upload is None:
        raise InputError("file_required", _("Choose a CSV file to import."), field="file", rule="CH-PRO")
    result = lists.import_csv(actor=request.user, campaign_id=campaign.pk,  # type: ignore[arg-type]
                              data=upload.read(lists.MAX_FILE_BYTES + 1), file_name=upload.name or "")
    return result.as_dict(_language())


def _filter(request: HttpRequest, campaign: Campaign) -> dict[str, Any]:
    organisation = request.POST.get("organisation", "")
    days = request.POST.get("days", "7")
    result = lists.add_from_filter(actor=request.user, campaign_id=campaign.pk,  # type: ignore[arg-type]
                                   kind=request.POST.get("kind", ""),
                                   organisation=int(organisation) if organisation.isdigit() else None,
                                   days=int(days) if days.isdigit() else 0)
    return result.as_dict(_language())


campaign_change = _campaign_action(_change)
campaign_import = _campaign_action(_import)
campaign_filter = _campaign_action(_filter)


@require_GET
@role_required(MANAGERS)
def wallboard_card(request: HttpRequest) -> HttpResponse:
    """Today's campaign figures on the supervisors' wallboard (the campaigns report, in their scope)."""
    user: User = request.user  # type: ignore[assignment]
    active = list(selectors.visible_campaigns(user).filter(status=Campaign.Status.ACTIVE)[:10])
    if not active:
        return HttpResponse("")
    day = timezone.localdate(now()).isoformat()
    report = reports.build(name="campaigns", first=day, last=day, user=user)
    summary = {row["key"]: row["value"] for row in report.sections[0].rows}
    by_campaign = {row["campaign"]: row for row in report.sections[1].rows}
    left = {c.pk: Target.objects.filter(campaign=c, status__in=list(TO_CALL)).count() for c in active}
    return render(request, "campaigns/_wallboard_card.html", {
        "summary": summary, "campaigns": [(c, by_campaign.get(c.name), left[c.pk]) for c in active]})


# ---- preview mode in the technician's console ------------------------------------------------

def _panel(request: HttpRequest, *, error: InputError | None = None, status: int = 200) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    held = selectors.held_by(user)
    workable = list(selectors.workable_campaigns(user))
    context: dict[str, Any] = {"error": error_context(error) if error else None, "held": held,
                               "campaigns": workable}
    if held is None and workable:
        # How many are left to call in each, not on anyone's screen: it moves as the others work the list.
        left = dict(Target.objects.filter(campaign__in=[c.pk for c in workable], status__in=list(TO_CALL),
                                          held_by__isnull=True)
                    .values_list("campaign").annotate(n=Count("pk")).values_list("campaign", "n"))
        context["left"] = [(c, left.get(c.pk, 0)) for c in workable]
    if held is not None:
        # A supervisor paused or finished the campaign meanwhile: nothing more is dialled from the card.
        context["paused"] = held.campaign.status != Campaign.Status.ACTIVE
        context["card"] = preview.card(held, user=user, language=_language())
        open_try = held.tries.select_related("contact").filter(outcome="").first()
        context["dialled"] = open_try is not None
        context["call"] = open_try.contact if open_try is not None else None
        context["pbx"] = bool(webhooks.webhook_url())  # the PBX dials; else the technician dials by hand
    if is_htmx(request) or request.method == "GET":
        return render(request, "campaigns/_preview_panel.html", context, status=status)
    return redirect("consoles:console")


@require_GET
@role_required(STAFF)
def preview_panel(request: HttpRequest) -> HttpResponse:
    return _panel(request)


def _preview_action(action: Any) -> Any:
    @require_POST
    @role_required(STAFF)
    def view(request: HttpRequest, **ids: Any) -> HttpResponse:
        try:
            action(request, **ids)
        except InputError as exc:
            return _panel(request, error=exc, status=exc.status)
        except Refusal as refusal:
            error = _as_input_error(refusal)
            return _panel(request, error=error, status=error.status)
        return _panel(request)

    return view


def _next(request: HttpRequest) -> None:
    chosen = request.POST.get("campaign", "")
    found = preview.next_person(user=request.user,  # type: ignore[arg-type]
                                campaign_id=int(chosen) if chosen.isdigit() else None)
    if found is None:
        raise InputError("nobody_to_call", _("Nobody is due to be called now."), status=200, rule="CH-PRO")


def _dial(request: HttpRequest, target_id: int) -> None:
    preview.dial(user=request.user, target_id=target_id)  # type: ignore[arg-type]


def _outcome(request: HttpRequest, target_id: int) -> None:
    raw_time = request.POST.get("call_back_at", "").strip()
    call_back_at = parse_datetime(raw_time) if raw_time else None
    if call_back_at is not None and call_back_at.tzinfo is None:
        call_back_at = timezone.make_aware(call_back_at)  # a time typed without its zone: the desk's
    number = request.POST.get("work_order", "").strip().lstrip("#")
    preview.record_outcome(user=request.user, target_id=target_id,  # type: ignore[arg-type]
                           outcome=request.POST.get("outcome", ""), note=request.POST.get("note", ""),
                           call_back_at=call_back_at, work_order=int(number) if number.isdigit() else None,
                           add_to_do_not_call=request.POST.get("do_not_call") == "on")


def _release(request: HttpRequest, target_id: int) -> None:
    preview.release(user=request.user, target_id=target_id)  # type: ignore[arg-type]


preview_next = _preview_action(_next)
preview_dial = _preview_action(_dial)
preview_outcome = _preview_action(_outcome)
preview_release = _preview_action(_release)
