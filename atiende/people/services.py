"""Actions on people: add users, change passwords. Each one validates fully before writing."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from atiende.errors import InputError
from atiende.people.models import Role, User


def add_user(
    *,
    username: str,
    role: str,
    password: str | None,
    tier: int = 1,
    skills: Sequence[str] = (),
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    extension: str = "",
    validate: bool = True,
) -> User:
    username = username.strip()
    if not username:
        raise InputError("invalid_username", _("The user name cannot be empty."))
    if role not in Role.values:
        raise InputError(
            "invalid_role",
            _("Unknown role %(role)s; use one of: %(roles)s.") % {"role": role, "roles": ", ".join(Role.values)},
        )
    if tier < 1:
        raise InputError("invalid_tier", _("The tier must be 1 or more."))
    if User.objects.filter(username__iexact=username).exists():
        raise InputError(
            "user_exists", _("A user named %(name)s already exists.") % {"name": username}, status=409
        )
    clean_skills = sorted({s.strip().lower() for s in skills if s.strip()})
    user = User(
        username=username, role=role, tier=tier, skills=clean_skills, first_name=first_name,
        last_name=last_name, email=email, extension=extension,
        is_staff=role == Role.ADMINISTRATOR, is_superuser=role == Role.ADMINISTRATOR,
    )
    if password:
        if validate:
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise InputError("weak_password", " ".join(exc.messages)) from exc
        user.set_password(password)
    else:
        user.set_unusable_password()
    with transaction.atomic():
        user.save()
    return user
