"""Work-order pages: list with live search, detail with the SP-1 phase stepper,
create and edit forms, and the inline actions (closed questions, commitments,
phase change, closing contact, attachments). Every change goes through
``atiende.desk.services`` (attachments: ``atiende.desk.attachments``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from atiende.desk import attachments, selectors
from atiende.desk.forms import (
    AnswerForm,
    ClosedQuestionForm,
    ClosingContactForm,
    CommitmentForm,
    PhaseForm,
    PortalRequestForm,
    ResolveCommitmentForm,
    WorkOrderFilterForm,
    WorkOrderForm,
)
from atiende.desk.models import (
    Attachment,
    Commitment,
    MessageDirection,
    Phase,
    Visibility,
    WorkOrder,
)
from atiende.desk.services.commitments import add_commitment, resolve_commitment
from atiende.desk.services.questions import add_closed_question, answer_closed_question
from atiende.desk.services.work_orders import (
    change_phase,
    create_work_order,
    open_portal_request,
    record_closing_contact,
    update_work_order,
)
from atiende.desk.views.common import readable_value
from atiende.desk.views.conversation import conversation_context
from atiende.errors import InputError
from atiende.people.models import User
from atiende.people.roles import CUSTOMERS, is_customer, is_staff
from atiende.privacy import uploads
from atiende.web.access import not_found, role_required, signed_in_required, staff_required
from atiende.web.pages import attach_error, error_context, is_htmx

# SP-1: the order of the phases; the stepper marks the earlier ones done.
PHASE_ORDER: list[Phase] = list(Phase)  # declared in SP-1 order

EVENT_LABELS = {
    "created": gettext_lazy("created"),
    "changed": gettext_lazy("changed"),
    "phase": gettext_lazy("phase changed"),
    "reopened": gettext_lazy("reopened"),
    "closing_contact": gettext_lazy("closing contact recorded"),
    "question_added": gettext_lazy("closed question added"),
    "question_answered": gettext_lazy("closed question answered"),
    "commitment_added": gettext_lazy("commitment added"),
    "commitment_resolved": gettext_lazy("commitment resolved"),
    "commitment_missed": gettext_lazy("commitment missed"),
    "survey_sent": gettext_lazy("survey sent"),
    "survey_answered": gettext_lazy("survey answered"),
    "attachment_added": gettext_lazy("file attached"),
    "attachment_deleted": gettext_lazy("file deleted"),
    "attachment_internal_changed": gettext_lazy("file visibility changed"),
    "message": gettext_lazy("message written"),
    "mail_bounced": gettext_lazy("mail returned undelivered"),
}
# Values of a message's history line: its own choices, not the work order's fields of the same name.
KIND_VALUE_CHOICES: dict[str, dict[str, dict[str, Any]]] = {
    "message": {"direction": dict(MessageDirection.choices), "visibility": dict(Visibility.choices)},
}
MESSAGE_NOTE = re.compile(r"message (\d+)")


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _load(request: HttpRequest, number: int) -> WorkOrder | None:
    try:
        return selectors.get_work_order(_user(request), number)
    except InputError:
        return None


def _can_edit(user: User) -> bool:
    return is_staff(user)


# History lines name fields that are not on the work order itself.
EXTRA_FIELD_LABELS = {
    "question": gettext_lazy("question"),
    "answer": gettext_lazy("answer"),
    "commitment": gettext_lazy("commitment"),
    "due_at": gettext_lazy("due at"),
    "owner": gettext_lazy("owner"),
    "status": gettext_lazy("status"),
    "rating": gettext_lazy("rating"),
    "resolved": gettext_lazy("problem solved"),
    "comment": gettext_lazy("comment"),
    "closed_at": gettext_lazy("closed at"),
    "attachment": gettext_lazy("file"),
    "size": gettext_lazy("size (bytes)"),
    "internal": gettext_lazy("internal (staff only)"),
    "visibility": gettext_lazy("visibility"),
    "recipients": gettext_lazy("recipients"),
}
def _history(work_order: WorkOrder) -> list[dict[str, Any]]:
    labels: dict[str, Any] = {f.name: getattr(f, "verbose_name", f.name) for f in WorkOrder._meta.get_fields()}
    labels.update(EXTRA_FIELD_LABELS)
    entries = []
    for event in selectors.work_order_history(work_order):
        changes = []
        own_choices = KIND_VALUE_CHOICES.get(event.kind, {})
        if isinstance(event.changes, dict):
            for field, value in event.changes.items():
                old, new = (list(value) + [None, None])[:2] if isinstance(value, list) else (None, value)
                if field in own_choices:
                    shown_old, shown_new = (own_choices[field].get(v, v) if v else None for v in (old, new))
                else:
                    shown_old, shown_new = readable_value(field, old), readable_value(field, new)
                if shown_old is None and shown_new is None:
                    continue  # nothing to say, e.g. a question asked without its answer yet
                changes.append({"field": labels.get(field, field), "old": shown_old, "new": shown_new,
                                "same": shown_old == shown_new})
        entries.append({
            "at": event.at, "actor": event.actor, "label": EVENT_LABELS.get(event.kind, event.kind),
            "changes": changes, "note": _history_note(event),
        })
    return entries


def _history_note(event: Any) -> str:
    # The desk notes a message's line as "message ID" (data, not prose): said in the reader's language.
    found = MESSAGE_NOTE.fullmatch(event.note or "") if event.kind == "message" else None
    return _("Message %(id)s") % {"id": found.group(1)} if found else event.note


def _phase_targets(work_order: WorkOrder) -> list[dict[str, Any]]:
    """The stepper's buttons: one step forward, or reopen a closed work order.
    Whether the move is allowed is the service's call (SP-1); its refusal is shown here."""
    if work_order.phase == Phase.CLOSURE:
        return [{"value": str(Phase.SATISFACTION), "action": _("Reopen"), "forward": False, "note": True}]
    nxt = PHASE_ORDER[PHASE_ORDER.index(Phase(work_order.phase)) + 1]
    if nxt == Phase.CLOSURE:
        action = _("Close the work order")
    else:
        action = _("Move to %(phase)s") % {"phase": nxt.label}
    return [{"value": nxt.value, "action": action, "forward": True, "note": False}]


def _detail_context(request: HttpRequest, work_order: WorkOrder, **extra: Any) -> dict[str, Any]:
    user = _user(request)
    now = timezone.now()
    commitments = list(work_order.commitments.select_related("owner"))
    for c in commitments:
        # PT-2: a pending promise past its due time is flagged on sight.
        c.is_overdue = selectors.is_overdue(c, now)  # type: ignore[attr-defined]
    current = PHASE_ORDER.index(Phase(work_order.phase))
    steps = [{"label": p.label, "done": i < current or work_order.phase == Phase.CLOSURE and i == current,
              "current": i == current} for i, p in enumerate(PHASE_ORDER)]
    staff = _can_edit(user)
    survey = getattr(work_order, "survey", None) if hasattr(work_order, "survey") else None
    files = attachments.list_attachments(actor=user, work_order=work_order)  # no internal ones for a customer
    for item in files:
        item.deletable = attachments.can_delete(user, item)  # type: ignore[attr-defined]
        item.internal_changeable = attachments.can_change_internal(user, item)  # type: ignore[attr-defined]
    context: dict[str, Any] = {
        "nav": "work_orders",
        "work_order": work_order,
        "steps": steps,
        "phase_targets": _phase_targets(work_order),
        "can_edit": staff,
        # SP-1: a closed work order changes only by reopening it, so its forms are hidden.
        "can_change": staff and work_order.phase != Phase.CLOSURE,
        "can_see_customers": staff,
        "questions": list(work_order.closed_questions.all()),
        "commitments": commitments,
        "survey": survey,
        "is_own_customer": survey is not None and is_customer(user),
        "history": _history(work_order) if staff else None,
        "attachments": files,
        # Whoever sees the work order may attach files to it while it is open (SP-1).
        "can_attach": work_order.phase != Phase.CLOSURE,
        "can_attach_internal": is_staff(user),
        "attachment_accept": attachments.ACCEPT,
        "attachment_max_bytes": uploads.max_bytes(),
        "attachment_limit": attachments.per_work_order_limit(),
        "question_form": ClosedQuestionForm(),
        "commitment_form": CommitmentForm(),
        "closing_form": ClosingContactForm(
            initial={"channel": work_order.channel, "version": work_order.version}),
    }
    context.update(conversation_context(user, work_order, extra.pop("composer", None)))
    context.update(extra)
    return context


def _render_detail(request: HttpRequest, work_order: WorkOrder, *, status: int = 200, **extra: Any) -> HttpResponse:
    # A refusal keeps its honest 4xx status for htmx too: web/swaps.js swaps a 4xx HTML answer like a 200.
    if is_htmx(request):
        # htmx swaps only #work-order, so the confirmation must be inside it to be seen.
        extra.setdefault("messages_in_content", True)
    return render(request, "desk/work_orders/detail.html", _detail_context(request, work_order, **extra),
                  status=status)


@signed_in_required
def work_order_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    staff = _can_edit(user)
    form = WorkOrderFilterForm(request.GET or None, show_assignee=staff)
    filters = form.filters()
    assignee = filters.pop("assignee", None)
    unassigned = assignee == "none"
    if assignee == "me":
        filters["assignee"] = user
    elif assignee and assignee.isdigit():
        filters["assignee"] = int(assignee)
    work_orders = selectors.search_work_orders(user, **filters)
    if unassigned:
        work_orders = work_orders.filter(assignee__isnull=True)
    paginator = Paginator(work_orders.select_related("customer", "assignee", "sla"), settings.ATIENDE_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    kept = [(k, v) for k, v in request.GET.items() if k != "page" and v]
    query = urlencode(kept) + "&" if kept else ""
    context = {"nav": "work_orders", "filter_form": form, "page": page, "query": query, "can_create": staff}
    if is_htmx(request) and request.headers.get("HX-Target") == "work-order-results":
        return render(request, "desk/work_orders/_results.html", context)
    return render(request, "desk/work_orders/list.html", context)


@signed_in_required
def work_order_detail(request: HttpRequest, number: int) -> HttpResponse:
    work_order = _load(request, number)
    if work_order is None:
        return not_found(request, _("No such work order."))
    return _render_detail(request, work_order)


@staff_required
def work_order_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    customers = selectors.visible_customers(user)
    initial: dict[str, Any] = {"assignee": user.pk}
    if request.GET.get("customer", "").isdigit():
        initial["customer"] = request.GET["customer"]
    form = WorkOrderForm(request.POST or None, customers=customers, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            arguments = form.service_arguments()
            arguments.pop("resolution", None)  # a new work order has no resolution yet
            work_order = create_work_order(actor=user, **arguments)
        except InputError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("Work order #%(number)s created.") % {"number": work_order.number})
            return redirect("desk:work_order_detail", number=work_order.number)
    status = 400 if form.is_bound else 200
    return render(request, "desk/work_orders/form.html", {"nav": "work_orders", "form": form}, status=status)


@role_required(CUSTOMERS)
def portal_request_create(request: HttpRequest) -> HttpResponse:
    """A customer opens a request in their own words; a technician takes it from there (AL-1)."""
    form = PortalRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            work_order = open_portal_request(actor=_user(request), **form.cleaned_data)
        except InputError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("Request #%(number)s received. We will contact you soon.")
                             % {"number": work_order.number})
            return redirect("desk:work_order_detail", number=work_order.number)
    return render(request, "desk/work_orders/portal_form.html", {"nav": "work_orders", "form": form},
                  status=400 if form.is_bound else 200)


def _initial(work_order: WorkOrder) -> dict[str, Any]:
    fields = ["title", "customer", "requester", "decision_maker", "channel", "direction", "priority", "assignee",
              "team", "equipment_type", "os_name", "os_version", "knowledge_level", "problem_story", "paraphrase",
              "resolution", "version"]
    return {name: getattr(work_order, name + "_id", None) or getattr(work_order, name) for name in fields}


@staff_required
def work_order_edit(request: HttpRequest, number: int) -> HttpResponse:
    user = _user(request)
    work_order = _load(request, number)
    if work_order is None:
        return not_found(request, _("No such work order."))
    form = WorkOrderForm(request.POST or None, customers=selectors.visible_customers(user),
                         initial=_initial(work_order))
    stale = False
    if request.method == "POST" and form.is_valid():
        version = form.cleaned_data.get("version") or 0
        try:
            update_work_order(actor=user, work_order=work_order, version=version,
                              **form.service_arguments())
        except InputError as exc:
            if exc.status == 409 and error_context(exc)["stale"]:
                stale = True
            else:
                attach_error(form, exc)
        else:
            messages.success(request, _("Work order #%(number)s saved.") % {"number": work_order.number})
            return redirect("desk:work_order_detail", number=work_order.number)
    status = 409 if stale else (400 if form.is_bound else 200)
    return render(request, "desk/work_orders/form.html",
                  {"nav": "work_orders", "form": form, "work_order": work_order, "stale": stale}, status=status)


def _after_action(request: HttpRequest, work_order: WorkOrder) -> HttpResponse:
    """After a change: htmx swaps the refreshed detail in place; a plain form post is redirected (PRG)."""
    if is_htmx(request):
        return _render_detail(request, work_order)
    return redirect("desk:work_order_detail", number=work_order.number)


def _add_to_work_order(request: HttpRequest, number: int, form_class: type[forms.Form], form_name: str,
                       add: Callable[..., Any]) -> HttpResponse:
    """Add an item (closed question, commitment) with a service; a refusal shows on the form, inline."""
    user, work_order = _post_action(request, number)
    if work_order is None:
        return not_found(request, _("No such work order."))
    form = form_class(request.POST)
    if form.is_valid():
        try:
            add(actor=user, work_order=work_order, **form.cleaned_data)
        except InputError as exc:
            attach_error(form, exc)
    if form.errors:
        return _render_detail(request, work_order, status=400, **{form_name: form})
    return _after_action(request, work_order)


def _post_action(request: HttpRequest, number: int) -> tuple[User, WorkOrder | None]:
    return _user(request), _load(request, number)


@require_POST
@staff_required
def work_order_phase(request: HttpRequest, number: int) -> HttpResponse:
    user, work_order = _post_action(request, number)
    if work_order is None:
        return not_found(request, _("No such work order."))
    form = PhaseForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, work_order, status=400, phase_error={
            "message": _("Choose a valid phase."), "rule": "SP-1"})
    try:
        change_phase(actor=user, work_order=work_order, phase=form.cleaned_data["phase"],
                     version=form.cleaned_data["version"], note=form.cleaned_data["note"])
    except InputError as exc:
        work_order.refresh_from_db()
        return _render_detail(request, work_order, status=exc.status, phase_error=error_context(exc))
    work_order.refresh_from_db()
    messages.success(request, _("Phase changed to %(phase)s.") % {"phase": work_order.get_phase_display()})
    return _after_action(request, work_order)


@require_POST
@staff_required
def work_order_closing_contact(request: HttpRequest, number: int) -> HttpResponse:
    user, work_order = _post_action(request, number)
    if work_order is None:
        return not_found(request, _("No such work order."))
    form = ClosingContactForm(request.POST)
    if form.is_valid():
        try:
            record_closing_contact(actor=user, work_order=work_order, **form.cleaned_data)
        except InputError as exc:
            if error_context(exc)["stale"]:
                work_order.refresh_from_db()
                return _render_detail(request, work_order, status=409, phase_error=error_context(exc))
            attach_error(form, exc)
    if form.errors:
        return _render_detail(request, work_order, status=400, closing_form=form)
    work_order.refresh_from_db()
    messages.success(request, _("Closing contact recorded."))
    return _after_action(request, work_order)


@require_POST
@staff_required
def work_order_question_add(request: HttpRequest, number: int) -> HttpResponse:
    return _add_to_work_order(request, number, ClosedQuestionForm, "question_form", add_closed_question)


@require_POST
@staff_required
def work_order_question_answer(request: HttpRequest, number: int, pk: int) -> HttpResponse:
    user, work_order = _post_action(request, number)
    question = work_order.closed_questions.filter(pk=pk).first() if work_order else None
    if work_order is None or question is None:
        return not_found(request, _("No such closed question."))
    form = AnswerForm(request.POST)
    error = None
    if form.is_valid():
        try:
            answer_closed_question(actor=user, question=question, answer=form.cleaned_data["answer"])
        except InputError as exc:
            error = error_context(exc)
    else:
        error = {"message": " ".join(str(e) for errors in form.errors.values() for e in errors), "rule": "AL-5"}
    if error:
        return _render_detail(request, work_order, status=400, question_error=error)
    return _after_action(request, work_order)


@require_POST
@staff_required
def work_order_commitment_add(request: HttpRequest, number: int) -> HttpResponse:
    return _add_to_work_order(request, number, CommitmentForm, "commitment_form", add_commitment)


@require_POST
@staff_required
def work_order_commitment_resolve(request: HttpRequest, number: int, pk: int) -> HttpResponse:
    user, work_order = _post_action(request, number)
    commitment = work_order.commitments.filter(pk=pk).first() if work_order else None
    if work_order is None or commitment is None:
        return not_found(request, _("No such commitment."))
    form = ResolveCommitmentForm(request.POST)
    error = None
    if form.is_valid():
        try:
            outcome = form.cleaned_data["status"]
            resolve_commitment(actor=user, commitment=commitment, kept=outcome == Commitment.Status.KEPT,
                               cancelled=outcome == Commitment.Status.CANCELLED)
        except InputError as exc:
            error = error_context(exc)
    else:
        error = {"message": _("Choose kept, missed or cancelled."), "rule": "PT-2"}
    if error:
        return _render_detail(request, work_order, status=400, commitment_error=error)
    return _after_action(request, work_order)


@require_POST
@signed_in_required
def work_order_attachment_add(request: HttpRequest, number: int) -> HttpResponse:
    """Attach a file; a refusal (size, type, limit, closed) is shown on the attachments panel."""
    user, work_order = _post_action(request, number)
    if work_order is None:
        return not_found(request, _("No such work order."))
    upload = request.FILES.get("file")
    if upload is None:
        return _render_detail(request, work_order, status=400,
                              attachment_error={"message": _("Choose a file to attach."), "rule": None})
    try:
        item = attachments.add_attachment(actor=user, work_order=work_order, file=upload,
                                          filename=upload.name or "",
                                          internal=request.POST.get("internal") in ("1", "on", "true"))
    except InputError as exc:
        return _render_detail(request, work_order, status=exc.status, attachment_error=error_context(exc))
    messages.success(request, _("File %(name)s attached.") % {"name": item.filename})
    return _after_action(request, work_order)


@signed_in_required
def work_order_attachment_download(request: HttpRequest, number: int, pk: int) -> HttpResponse:
    """The file, only to whoever may see the work order (otherwise 404), always as a download."""
    user, work_order = _post_action(request, number)
    if work_order is None:
        return not_found(request, _("No such attachment."))
    try:
        item = attachments.get_attachment(actor=user, work_order=work_order, attachment_id=pk)
        # A streamed FileResponse; the page decorators are typed for plain responses.
        return cast(HttpResponse, attachments.download_response(actor=user, attachment=item))
    except InputError as exc:
        return not_found(request, str(exc.message))


def _on_attachment(request: HttpRequest, number: int, pk: int,
                   act: Callable[[User, Attachment], Attachment], done: Callable[[Attachment], str]) -> HttpResponse:
    """Run ``act`` on one of the work order's files and say ``done(file)``; a file the user may not see is a
    404, any other refusal is shown on the attachments panel."""
    user, work_order = _post_action(request, number)
    if work_order is None:
        return not_found(request, _("No such attachment."))
    try:
        item = act(user, attachments.get_attachment(actor=user, work_order=work_order, attachment_id=pk))
    except InputError as exc:
        if exc.status == 404:
            return not_found(request, str(exc.message))
        return _render_detail(request, work_order, status=exc.status, attachment_error=error_context(exc))
    messages.success(request, done(item))
    return _after_action(request, work_order)


@require_POST
@signed_in_required
def work_order_attachment_delete(request: HttpRequest, number: int, pk: int) -> HttpResponse:
    def delete(user: User, item: Attachment) -> Attachment:
        attachments.delete_attachment(actor=user, attachment=item)
        return item

    return _on_attachment(request, number, pk, delete,
                          lambda item: _("File %(name)s deleted.") % {"name": item.filename})


@require_POST
@signed_in_required
def work_order_attachment_internal(request: HttpRequest, number: int, pk: int) -> HttpResponse:
    """Mark a file internal (staff only) or show it to the customer again (``internal`` = "1" or "0")."""
    internal = request.POST.get("internal") == "1"

    def said(item: Attachment) -> str:
        if item.internal:
            return _("File %(name)s is internal now: only the staff see it.") % {"name": item.filename}
        return _("File %(name)s is visible to the customer now.") % {"name": item.filename}

    return _on_attachment(request, number, pk,
                          lambda user, item: attachments.set_internal(actor=user, attachment=item, internal=internal),
                          said)
