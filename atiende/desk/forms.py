"""Forms of the desk's pages. They check the shape of the input (types, lengths, choices);
the rules of the business live in the desk services, whose errors the views attach
back to these forms."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from atiende.desk.models import (
    Channel,
    ContactPoint,
    Customer,
    Direction,
    FormOfAddress,
    KnowledgeLevel,
    Phase,
    Priority,
)
from atiende.people.models import Team, User
from atiende.people.roles import STAFF, role_filter


def _blank(label: Any) -> list[tuple[str, Any]]:
    return [("", label)]


def staff_users() -> QuerySet[User]:
    return User.objects.filter(role_filter(STAFF), is_active=True).order_by("first_name", "username")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:  # type: ignore[override]
        return obj.display_name


class WorkOrderFilterForm(forms.Form):
    """The list's search box and filters; an unknown value is simply ignored."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Number, title, customer…")}))
    phase = forms.ChoiceField(label=_("Phase"), required=False, choices=_blank(_("Any")) + list(Phase.choices))
    priority = forms.ChoiceField(label=_("Priority"), required=False,
                                 choices=_blank(_("Any")) + list(Priority.choices))
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=_blank(_("Any")) + list(Channel.choices))
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    sla = forms.ChoiceField(label=_("Service level"), required=False, choices=_blank(_("Any")) + [
        ("on_track", _("SLA on track")), ("warning", _("SLA at risk")), ("breached", _("SLA breached")),
        ("paused", _("SLA paused"))])
    overdue = forms.BooleanField(label=_("Overdue commitments only"), required=False)

    def __init__(self, *args: Any, show_assignee: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if show_assignee:
            cast(forms.ChoiceField, self.fields["assignee"]).choices = (
                _blank(_("Anyone")) + [("me", _("Me")), ("none", _("Nobody"))]
                + [(str(u.pk), u.display_name) for u in staff_users()]
            )
        else:
            del self.fields["assignee"]

    def filters(self) -> dict[str, Any]:
        """The valid filters, as keyword arguments for ``search_work_orders``."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        # An unticked box means "any", not "only those without overdue commitments".
        return {key: value for key, value in data.items() if value not in ("", None, False)}


class LimitedSelect(forms.Select):
    """A select that renders the blank choice, the chosen one and at most ``limit`` others: with hundreds of
    customers the list stays short, and the search box above it (htmx, /clientes/elegir/) brings the rest.
    The field still accepts any customer of its queryset."""

    limit = 30

    def optgroups(self, name: str, value: Any, attrs: dict[str, Any] | None = None) -> list[Any]:
        groups = super().optgroups(name, value, attrs)
        kept, others = [], 0
        for group in groups:
            option = group[1][0]
            if option["value"] in ("", None) or option["selected"] or others < self.limit:
                kept.append(group)
                others += 0 if option["value"] in ("", None) or option["selected"] else 1
        return kept


class WorkOrderForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.none(),
                                      empty_label=_("Choose a customer"), widget=LimitedSelect)
    requester = forms.ModelChoiceField(
        label=_("Requester"), queryset=Customer.objects.none(), required=False,
        empty_label=_("The customer"), widget=LimitedSelect,
        help_text=_("CH-IND: who asks, when it is not the customer."),
    )
    decision_maker = forms.ModelChoiceField(
        label=_("Decision maker"), queryset=Customer.objects.none(), required=False,
        empty_label=_("The requester"), widget=LimitedSelect,
        help_text=_("CH-IND: who decides; both are kept informed."),
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices, initial=Direction.REACTIVE)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)
    assignee = UserChoiceField(label=_("Assignee"), queryset=User.objects.none(), required=False,
                               empty_label=_("Nobody"))
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all(), required=False,
                                  empty_label=_("No team"))
    equipment_type = forms.CharField(label=_("Equipment"), max_length=100, required=False)
    os_name = forms.CharField(label=_("Operating system"), max_length=100, required=False)
    os_version = forms.CharField(label=_("OS version"), max_length=50, required=False)
    knowledge_level = forms.ChoiceField(
        label=_("Customer's knowledge level"), required=False,
        choices=_blank(_("Not assessed")) + list(KnowledgeLevel.choices),
    )
    problem_story = forms.CharField(label=_("Problem story"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    paraphrase = forms.CharField(
        label=_("Paraphrase"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("AL-4: “Déjeme ver si comprendo…”"),
    )
    resolution = forms.CharField(label=_("Resolution"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=2**31 - 1)

    def __init__(self, *args: Any, customers: QuerySet[Customer], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("customer", "requester", "decision_maker"):
            self.fields[name].queryset = customers  # type: ignore[attr-defined]
        self.fields["assignee"].queryset = staff_users()  # type: ignore[attr-defined]

    def service_arguments(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


class CustomerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    address_as = forms.ChoiceField(
        label=_("Form of address"), choices=FormOfAddress.choices, required=False,
        help_text=_("PH-5: as used in the customer's country."),
    )
    organisation = forms.CharField(
        label=_("Organisation"), required=False, max_length=200,
        help_text=_("Pick one or type a new name."), widget=forms.TextInput(attrs={"list": "organisations"}),
    )
    country = forms.CharField(label=_("Country"), max_length=40, required=False,
                              help_text=_("ISO code, e.g. ES, MX, AR."))
    preferred_language = forms.ChoiceField(label=_("Preferred language"), choices=[("es", _("Spanish")), ("en", _("English"))])
    knowledge_level = forms.ChoiceField(
        label=_("Knowledge level"), required=False, choices=_blank(_("Not assessed")) + list(KnowledgeLevel.choices)
    )
    email = forms.EmailField(label=_("Email"), required=False, max_length=254)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=40)
    mobile = forms.CharField(label=_("Mobile"), required=False, max_length=40)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    CONTACT_FIELDS = {"email": ContactPoint.Kind.EMAIL, "phone": ContactPoint.Kind.PHONE,
                      "mobile": ContactPoint.Kind.MOBILE}

    def clean_country(self) -> str:
        value = self.cleaned_data["country"].strip().upper()
        if value and not (len(value) == 2 and value.isalpha()):
            raise forms.ValidationError(_("Use the two-letter ISO code, e.g. ES."))
        return value

    def contact_points(self) -> list[dict[str, Any]]:
        points: list[dict[str, Any]] = []
        for field, kind in self.CONTACT_FIELDS.items():
            value = (self.cleaned_data.get(field) or "").strip()
            if value:
                points.append({"kind": str(kind), "value": value, "preferred": not points})
        return points


class ClosedQuestionForm(forms.Form):
    """AL-5: a closed question, answerable with yes/no or a fact."""

    question = forms.CharField(label=_("Closed question"), max_length=300)
    answer = forms.CharField(label=pgettext_lazy("closed question", "Answer"), max_length=300, required=False)


class AnswerForm(forms.Form):
    answer = forms.CharField(label=pgettext_lazy("closed question", "Answer"), max_length=300)


class CommitmentForm(forms.Form):
    """PT-2: a promise with the time it is due."""

    description = forms.CharField(label=_("Commitment"), max_length=300)
    due_at = forms.DateTimeField(
        label=_("Due at"), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class ResolveCommitmentForm(forms.Form):
    status = forms.ChoiceField(label=_("Outcome"), choices=[
        ("cumplido", _("Kept")), ("incumplido", _("Missed")), ("cancelado", _("Cancelled")),
    ])


class PhaseForm(forms.Form):
    phase = forms.ChoiceField(label=_("Phase"), choices=Phase.choices)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
    note = forms.CharField(label=_("Why is it reopened?"), required=False, max_length=2000)


class ClosingContactForm(forms.Form):
    """SP-1 / SP-4: the contact in which the customer confirmed the outcome."""

    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    note = forms.CharField(label=_("What the customer said"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)


class SurveyForm(forms.Form):
    """SP-4: the customer's verdict."""

    rating = forms.TypedChoiceField(
        label=_("How satisfied are you with the help you received? (1 = not at all, 5 = completely)"),
        choices=[(str(n), str(n)) for n in range(1, 6)], widget=forms.RadioSelect,
    )
    resolved = forms.ChoiceField(label=_("Is your problem solved?"), widget=forms.RadioSelect,
                                 choices=[("yes", _("Yes")), ("no", _("No"))])
    comment = forms.CharField(label=_("Anything you want to tell us?"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))


class PortalRequestForm(forms.Form):
    """A customer's own request from the portal, in their own words (AL-1)."""

    title = forms.CharField(label=_("What do you need, in a few words?"), max_length=200)
    problem_story = forms.CharField(
        label=_("Tell us what happens"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Everything you remember: what you were doing, what you see, since when."),
    )
    equipment_type = forms.CharField(label=_("Equipment"), max_length=100, required=False,
                                     help_text=_("For example: laptop, printer, mobile phone."))
    os_name = forms.CharField(label=_("Operating system"), max_length=100, required=False)
    os_version = forms.CharField(label=_("OS version"), max_length=50, required=False)
