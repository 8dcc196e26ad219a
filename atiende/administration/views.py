"""Administration pages: queues (with their policies), teams and users. Administrators only (ET-4)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from atiende.administration.forms import POLICY_LABELS, QueueForm, TeamForm, UserForm
from atiende.contact.models import OrganisationPolicy, Queue
from atiende.contact.services.queues import save_queue
from atiende.engine.policies import DEFAULT_POLICY, SETTING_RULES
from atiende.errors import InputError
from atiende.people.models import Team, User
from atiende.people.roles import ADMINS, Role, account_role, role_filter
from atiende.people.services import add_user, save_team, update_user
from atiende.practices import Refusal
from atiende.web.access import not_found, role_required

admin_required = role_required(ADMINS)


def _attach(form: Any, error: InputError) -> None:
    """A service's refusal shown on the field it names, or above the form."""
    field = getattr(error, "field", None)
    form.add_error(field if field in form.fields else None, str(error.message))


@admin_required
def index(request: HttpRequest) -> HttpResponse:
    counts = {"queues": Queue.objects.count(), "teams": Team.objects.count(),
              "users": User.objects.filter(is_active=True).count()}
    return render(request, "administration/index.html", {"nav": "administration", "counts": counts})


@admin_required
def queue_list(request: HttpRequest) -> HttpResponse:
    queues = Queue.objects.select_related("team").order_by("name")
    rows = [{"queue": q, "overrides": [(POLICY_LABELS.get(k, k), SETTING_RULES.get(k, ""), v)
                                       for k, v in sorted(q.policy.items())]} for q in queues]
    return render(request, "administration/queues.html", {"nav": "administration", "rows": rows})


@admin_required
def queue_edit(request: HttpRequest, name: str | None = None) -> HttpResponse:
    queue = None
    if name is not None:
        queue = Queue.objects.filter(name=name).first()
        if queue is None:
            return not_found(request)
    initial: dict[str, Any] = {}
    if queue is not None:
        initial = {"name": queue.name, "label": queue.label, "tiers": ", ".join(map(str, queue.tiers)),
                   "skills": ", ".join(queue.skills), "team": queue.team_id,
                   **{f"policy_{k}": v for k, v in queue.policy.items()}}
    form = QueueForm(request.POST or None, initial=initial, editing=queue is not None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        queue_name = queue.name if queue is not None else data["name"]
        if queue is None and Queue.objects.filter(name=queue_name).exists():
            form.add_error("name", _("A queue named %(name)s already exists.") % {"name": queue_name})
        else:
            try:
                save_queue(name=queue_name, label=data["label"], tiers=data["tiers"], skills=data["skills"],
                           policy=form.policy(), team_id=data["team"].pk if data["team"] else None)
            except InputError as error:
                _attach(form, error)
            except Refusal as error:  # a policy value the engine refuses, named with its rule
                field = next((f"policy_{k}" for k in POLICY_LABELS if f"«{k}»" in error.es), None)
                form.add_error(field, f"{error.message(get_language() or 'es')} ({error.rule})"
                               if error.rule else error.message(get_language() or "es"))
            else:
                messages.success(request, _("Queue %(name)s saved.") % {"name": queue_name})
                return redirect("administration:queues")
    return render(request, "administration/queue_form.html",
                  {"nav": "administration", "form": form, "queue": queue})


@admin_required
def team_list(request: HttpRequest) -> HttpResponse:
    teams = Team.objects.annotate(people=Count("members", distinct=True), queue_count=Count("queues", distinct=True))
    return render(request, "administration/teams.html", {"nav": "administration", "teams": teams})


@admin_required
def team_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    team = None
    if pk is not None:
        team = Team.objects.filter(pk=pk).first()
        if team is None:
            return not_found(request)
    form = TeamForm(request.POST or None, initial={"name": team.name} if team else None)
    if request.method == "POST" and form.is_valid():
        try:
            saved = save_team(name=form.cleaned_data["name"], team_id=team.pk if team else None)
        except InputError as error:
            _attach(form, error)
        else:
            messages.success(request, _("Team %(name)s saved.") % {"name": saved.name})
            return redirect("administration:teams")
    members = list(team.members.order_by("username")) if team else []
    return render(request, "administration/team_form.html",
                  {"nav": "administration", "form": form, "team": team, "members": members})


@admin_required
def user_list(request: HttpRequest) -> HttpResponse:
    users = User.objects.order_by("username").prefetch_related("teams")
    q = request.GET.get("q", "").strip()[:100]
    role = request.GET.get("role", "")
    if q:
        users = users.filter(Q(username__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q)
                             | Q(email__icontains=q))
    if role in Role.values:
        users = users.filter(role_filter([role]))
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    rows = [{"user": u, "role": Role(account_role(u)).label if account_role(u) else "—"} for u in page]
    return render(request, "administration/users.html", {
        "nav": "administration", "page": page, "rows": rows, "q": q, "role": role, "roles": Role.choices})


@admin_required
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = add_user(username=data["username"], role=data["role"], password=data["password"] or None,
                            tier=data["tier"], skills=data["skills"], first_name=data["first_name"],
                            last_name=data["last_name"], email=data["email"], extension=data["extension"])
        except InputError as error:
            if error.code == "weak_password":
                form.add_error("password", str(error.message))
            elif error.code == "user_exists":
                form.add_error("username", str(error.message))
            else:
                _attach(form, error)
        else:
            user.teams.set(data["teams"])
            messages.success(request, _("User %(name)s added.") % {"name": user.username})
            return redirect("administration:users")
    return render(request, "administration/user_form.html", {"nav": "administration", "form": form, "person": None})


@admin_required
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = User.objects.filter(pk=pk).first()
    if person is None:
        return not_found(request)
    initial = {"username": person.username, "first_name": person.first_name, "last_name": person.last_name,
               "email": person.email, "role": account_role(person) or person.role, "tier": person.tier,
               "skills": ", ".join(person.skills or []), "extension": person.extension,
               "teams": list(person.teams.all()), "active": person.is_active}
    form = UserForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            update_user(actor=request.user, user_id=person.pk, role=data["role"], tier=data["tier"],  # type: ignore[arg-type]
                        skills=data["skills"], teams=list(data["teams"]), first_name=data["first_name"],
                        last_name=data["last_name"], email=data["email"], extension=data["extension"],
                        active=data["active"])
        except InputError as error:
            _attach(form, error)
        else:
            messages.success(request, _("User %(name)s saved.") % {"name": person.username})
            return redirect("administration:users")
    return render(request, "administration/user_form.html",
                  {"nav": "administration", "form": form, "person": person})


@admin_required
def policies(request: HttpRequest) -> HttpResponse:
    """The default policies and what each queue and organisation changes: the values a call is held to."""
    queues = list(Queue.objects.order_by("name"))
    organisations = list(OrganisationPolicy.objects.select_related("organisation").order_by("organisation__name"))
    settings = [{"key": key, "label": label, "rule": SETTING_RULES.get(key, ""),
                 "default": getattr(DEFAULT_POLICY, key),
                 "queues": [(q, q.policy.get(key)) for q in queues],
                 "organisations": [(o.organisation, o.policy.get(key)) for o in organisations]}
                for key, label in POLICY_LABELS.items()]
    return render(request, "administration/policies.html", {
        "nav": "administration", "settings": settings, "queues": queues, "organisations": organisations})
