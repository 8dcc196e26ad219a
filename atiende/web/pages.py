"""Helpers every app's pages share: is this an htmx request, and a service's refusal shown on a
form or a page with its rule ID (the page guards are ``access.py``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest

from atiende.errors import InputError


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def attach_error(form: forms.Form, error: InputError) -> None:
    """Show a service's refusal next to the field it names, or on top of the form, with its rule."""
    message = str(error.message)
    if error.rule:
        message = f"{message} ({error.rule})"
    field = error.field if error.field in form.fields else None
    form.add_error(field, message)


def error_context(error: InputError, **extra: Any) -> dict[str, Any]:
    return {"message": str(error.message), "rule": error.rule, "code": error.code,
            "stale": error.status == 409 and error.code in STALE_CODES, **extra}


# The codes the desk services use when the version a form was built from is no longer current.
STALE_CODES = frozenset({"stale_version"})
