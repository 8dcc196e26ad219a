"""Forms of the administration section: the shape of the input; the services hold the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from atiende.engine.policies import DEFAULT_POLICY, SETTING_RULES
from atiende.people.models import Team
from atiende.people.roles import Role

# What each policy setting means to an administrator; the rule it serves is shown beside it.
POLICY_LABELS: dict[str, Any] = {
    "max_call_seconds": _("Maximum call time (seconds)"),
    "max_wait_seconds": _("Maximum wait before being attended (seconds)"),
    "calls_per_day": _("Calls per technician per day (at least)"),
    "warn_fraction": _("Warn at this share of a limit (0 to 1)"),
    "transfer_timeout_seconds": _("A transfer nobody accepts returns after (seconds)"),
    "wrap_up_seconds": _("Wrap-up after a call (seconds)"),
    "ring_timeout_seconds": _("An unanswered ring goes back to the queue after (seconds)"),
    "overflow_fraction": _("Open the next tier at this share of the maximum wait (0 to 1)"),
    "service_level_target": _("Share of calls to answer within the maximum wait (0 to 1)"),
    "max_chats": _("Chats a technician holds at once (a call is full occupancy)"),
    "callback_max_attempts": _("Call-back: dials before it fails (0: no call-backs)"),
    "callback_retry_minutes": _("Call-back: minutes between unanswered dials"),
    "dial_timeout_seconds": _("A dial nobody reports back goes back to the queue after (seconds)"),
}


def _words(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


class QueueForm(forms.Form):
    name = forms.SlugField(label=_("Name"), max_length=60,
                           help_text=_("Letters, digits and hyphens; what the telephony system sends, e.g. soporte."))
    label = forms.CharField(label=_("Label"), max_length=120, required=False)
    tiers = forms.CharField(label=_("Tiers that serve it, in order"), initial="1, 2",
                            help_text=_("Support levels separated by commas: the first tier first, e.g. 1, 2."))
    skills = forms.CharField(label=_("Skills it needs"), required=False,
                             help_text=_("Separated by commas, e.g. redes, impresoras."))
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all(), required=False,
                                  empty_label=_("Shared: every supervisor sees it"))

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["name"].disabled = True
        for setting, label in POLICY_LABELS.items():
            default = getattr(DEFAULT_POLICY, setting)
            self.fields[f"policy_{setting}"] = forms.FloatField(
                label=label, required=False, min_value=0,
                help_text=_("%(rule)s · empty: the default, %(default)s") % {
                    "rule": SETTING_RULES.get(setting, ""), "default": default},
                widget=forms.NumberInput(attrs={"placeholder": default, "step": "any"}))

    def clean_tiers(self) -> list[int]:
        try:
            tiers = [int(part) for part in _words(self.cleaned_data["tiers"])]
        except ValueError:
            raise forms.ValidationError(_("Write the tiers as whole numbers separated by commas.")) from None
        if not tiers:
            raise forms.ValidationError(_("At least one tier must serve the queue."))
        return tiers

    def clean_skills(self) -> list[str]:
        return sorted({word.lower() for word in _words(self.cleaned_data["skills"])})  # as people's skills

    def policy(self) -> dict[str, float | int]:
        """The overrides given (empty fields keep the default); whole numbers stay whole."""
        out: dict[str, float | int] = {}
        for setting in POLICY_LABELS:
            value = self.cleaned_data.get(f"policy_{setting}")
            if value is not None:
                out[setting] = int(value) if float(value).is_integer() else value
        return out

    def policy_fields(self) -> list[forms.BoundField]:
        return [self[f"policy_{setting}"] for setting in POLICY_LABELS]

    def queue_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("name", "label", "tiers", "skills", "team")]


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)


class UserForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    password = forms.CharField(label=_("Password"), required=False, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               help_text=_("At least 10 characters. Empty: the person cannot sign in until "
                                           "given one (atiende user reset-password)."))
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.TECHNICIAN)
    tier = forms.IntegerField(label=_("Tier"), min_value=1, max_value=9, initial=1,
                              help_text=_("Support level: 1 first line, 2 specialists, 3 and up."))
    skills = forms.CharField(label=_("Skills"), required=False, help_text=_("Separated by commas, e.g. redes, linux."))
    extension = forms.CharField(label=_("Phone extension"), max_length=40, required=False)
    teams = forms.ModelMultipleChoiceField(label=_("Teams"), queryset=Team.objects.all(), required=False,
                                           widget=forms.CheckboxSelectMultiple)
    active = forms.BooleanField(label=_("Active (may sign in, receives calls)"), required=False, initial=True)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["password"]
            self.fields["username"].disabled = True
        else:
            del self.fields["active"]

    def clean_skills(self) -> list[str]:
        return _words(self.cleaned_data["skills"])
