"""The admin site as a whole: only administrators may open it (ET-4); its forms refuse what the models refuse.

The model admins live with their apps (``atiende/desk/admin.py``,
``atiende/people/admin.py``); this module decides who gets in, because
the admin shows every customer and work order regardless of team, and
(:func:`guard_forms`, called once every admin is registered) gives every
admin form, inline forms included, the display-text rule of titles and
names (issue 22, item 15) as a form error beside the field: the models
refuse such a text when it is saved, which in the admin would be a 500.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from atiende.people.roles import is_admin
from atiende.privacy import display_text

admin.site.site_title = _("Atiende administration")
admin.site.index_title = _("Administration")


def _administrators_only(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_staff and is_admin(user))


admin.site.has_permission = _administrators_only  # type: ignore[method-assign]


class DisplayTextForm(forms.BaseForm):
    """Checks the model's titles and names (``privacy.display_text``) with the rest of the form."""

    _meta: Any

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]
        for name in display_text.fields_of(self._meta.model):
            value = self.cleaned_data.get(name) if name in self.fields else None
            found = display_text.problem(value) if isinstance(value, str) else None
            if found is not None:
                self.add_error(name, display_text.message(found, str(self.fields[name].label or name)))


def _guarded(form: type[forms.BaseForm]) -> type[forms.BaseForm]:
    if issubclass(form, DisplayTextForm):
        return form
    return type(form)(form.__name__, (DisplayTextForm, form), {"__module__": form.__module__})


def guard_forms(site: admin.AdminSite = admin.site) -> None:
    """Give every registered admin's forms (add, change, inlines) the display-text check."""
    for model_admin in site._registry.values():
        model_admin.form = _guarded(model_admin.form)
        if getattr(model_admin, "add_form", None) is not None:
            model_admin.add_form = _guarded(model_admin.add_form)
        for inline in model_admin.inlines:
            inline.form = _guarded(inline.form)
