"""Titles and names show as what they are (issue 22, item 15): one rule for every free-text title or name.

A name or a title is shown in lists, notifications, mail subjects and exports, next to other people's. Three
kinds of characters let one pass for something else, and none has a use there:

- direction controls (U+202A..U+202E embeddings and overrides, U+2066..U+2069 isolates): "‮gpj.exe" shows as
  "exe.jpg", a customer "Ana‮ zeréP" as someone else;
- control characters (C0, DEL, C1: a bell, an escape sequence for a terminal that prints the CLI's output,
  a line break inside a one-line title);
- text made only of invisible or blank-looking characters (zero-width spaces and joiners, the Hangul filler,
  the braille blank...): a name that looks empty in every list.

People typing (the API, the pages, the CLI, the admin through the models) are refused with a 400 that names the
field (``invalid_text``); text that arrives from machines (a mail's subject or its sender's name) is cleaned with
:func:`clean` instead, so no message is lost for it. The check runs on ``pre_save`` of every model of Atiende for
its fields named as titles and names (:data:`FIELD_NAMES`), so a new model or a new door inherits it.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.db.models import CharField, Model
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils.translation import gettext as _

from atiende.errors import InputError

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e")
FIELD_NAMES = frozenset({"title", "name", "first_name", "last_name", "label", "address_as", "category_name",
                         "organisation_name"})


def problem(value: str) -> str | None:
    """``bidi_control``, ``control_character``, ``invisible_only`` or None for a text fit to show."""
    if any(ch in BIDI_CONTROLS for ch in value):
        return "bidi_control"
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        return "control_character"
    if value and not any(not ch.isspace() and unicodedata.category(ch) != "Cf" and ch not in BLANK_LOOKING
                         for ch in value):
        return "invisible_only"
    return None


def clean(value: str) -> str:
    """The text with direction controls dropped and control characters as spaces; "" if nothing visible is left."""
    kept = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in value if ch not in BIDI_CONTROLS)
    kept = " ".join(kept.split())
    return "" if problem(kept) == "invisible_only" else kept


def message(found: str, field: str) -> str:
    """What to tell the person who typed it: ``found`` is a :func:`problem`, ``field`` names where."""
    messages = {
        "bidi_control": _("%(field)s contains a right-to-left override or another direction control, which can "
                          "make text show as something else; type it without."),
        "control_character": _("%(field)s contains a control character (a line break, tab or similar); type it "
                               "on one line, with visible characters only."),
        "invisible_only": _("%(field)s has only invisible characters (zero-width spaces or similar); type a "
                            "visible text."),
    }
    return messages[found] % {"field": field}


def check(value: Any, field: str) -> None:
    """Refuse a title or name that would not show as what it is (400 ``invalid_text`` naming the field)."""
    if not isinstance(value, str):
        return
    found = problem(value)
    if found is None:
        return
    raise InputError("invalid_text", message(found, field), field=field)


def fields_of(model: type[Model]) -> list[str]:
    """The names of ``model``'s fields this rule checks (none for a model that is not Atiende's)."""
    if not model.__module__.startswith("atiende."):
        return []
    return [f.name for f in model._meta.concrete_fields if f.name in FIELD_NAMES and isinstance(f, CharField)]


@receiver(pre_save, dispatch_uid="atiende.privacy.display_text")
def _check_titles_and_names(sender: type[Model], instance: Model, update_fields: Any = None, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    for name in fields_of(sender):
        if update_fields is None or name in update_fields:
            check(getattr(instance, name), name)
