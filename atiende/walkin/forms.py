from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CheckInForm(forms.Form):
    """The kiosk's one form: big fields for a finger; the services' own checks decide (CH-PRE)."""

    service = forms.ChoiceField(label=_("What do you come for?"), widget=forms.RadioSelect)
    name = forms.CharField(label=_("Your name"), max_length=120, required=False)
    phone = forms.CharField(label=_("Your phone"), max_length=40, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    reason = forms.CharField(label=_("In a few words, what happens? (optional)"), max_length=300, required=False)
    work_order = forms.CharField(label=_("Your request number, if you have one (optional)"), max_length=12,
                                 required=False, widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    booked = forms.BooleanField(label=_("I have a booked visit today"), required=False)

    def __init__(self, *args: object, services: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["service"].choices = services
        if services:
            self.fields["service"].initial = services[0][0]


class BookingForm(forms.Form):
    service = forms.ChoiceField(label=_("Service"))
    customer = forms.IntegerField(label=_("Customer number (see Customers)"), widget=forms.NumberInput(attrs={"min": 1}))
    starts_at = forms.CharField(label=_("Day and time"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def __init__(self, *args: object, services: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["service"].choices = services
