"""Forms of the knowledge pages: they only shape input; the services check it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from atiende.knowledge.models import ArticleLanguage


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), max_length=100_000, widget=forms.Textarea(attrs={"rows": 14}),
                           help_text=_("Plain text; leave a blank line between paragraphs."))
    language = forms.ChoiceField(label=_("Language"), choices=ArticleLanguage.choices)
    category = forms.CharField(label=_("Category"), max_length=100, required=False)
    public = forms.BooleanField(label=_("Public (in the help center, readable without signing in)"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ArticleFileForm(forms.Form):
    file = forms.FileField(label=_("Image or file"))


class CannedAnswerForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 6}),
                           help_text=_("You may use {cliente}, {numero} and {tecnico}."))
    plain_body = forms.CharField(
        label=_("Plain text for basic-level customers"), max_length=10_000, required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("The same answer without technical words (DN-2); used for customers of basic level."))
    language = forms.ChoiceField(label=_("Language"), choices=ArticleLanguage.choices)
    team = forms.TypedChoiceField(label=_("Team"), coerce=int, required=False, empty_value=None)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: object, teams: list[tuple[int, str]] = (), **kwargs: object) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["team"].choices = [("", _("Everyone"))] + list(teams)  # type: ignore[attr-defined]
