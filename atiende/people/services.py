"""Actions on people: add users, change passwords. Each one validates fully before writing."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from atiende.errors import InputError
from atiende.people.models import Role, Team, User


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
        user.set_password(_checked_password(password, user) if validate else password)
    else:
        user.set_unusable_password()
    with transaction.atomic():
        user.save()
    return user


def _checked_password(password: str, user: User) -> str:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InputError("weak_password", " ".join(exc.messages)) from exc
    return password


def find_user(username: str) -> User:
    """The user of that name (any letter case), or a clear 404 error."""
    user = User.objects.filter(username__iexact=username.strip()).first()
    if user is None:
        raise InputError("user_not_found", _("No user named %(name)s.") % {"name": username}, status=404)
    return user


def set_user_active(*, username: str, active: bool) -> User:
    """Disable or enable an account. A disabled account keeps its history but cannot sign in, its API
    tokens stop working and calls are no longer routed to it; enabling it restores all of that."""
    user = find_user(username)
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
    return user


def reset_password(*, username: str, password: str) -> User:
    """Give an account a new password (validated as at creation); other sessions of that user end."""
    user = find_user(username)
    if not password:
        raise InputError("empty_password", _("The new password cannot be empty."))
    user.set_password(_checked_password(password, user))
    user.save(update_fields=["password"])  # the session hash changes: sessions signed in before end
    return user


def save_team(*, name: str, team_id: int | None = None) -> Team:
    """Create a team, or rename one; names are unique whatever their letter case."""
    name = " ".join(name.split())
    if not name:
        raise InputError("invalid_team_name", _("The team needs a name."), field="name")
    if len(name) > 100:
        raise InputError("invalid_team_name", _("A team name has at most 100 characters."), field="name")
    clash = Team.objects.filter(name__iexact=name).exclude(pk=team_id)
    if clash.exists():
        raise InputError("team_exists", _("A team named %(name)s already exists.") % {"name": name}, status=409,
                         field="name")
    if team_id is None:
        return Team.objects.create(name=name)
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise InputError("unknown_team", _("There is no team %(id)s.") % {"id": team_id}, status=404)
    team.name = name
    team.save(update_fields=["name"])
    return team


def update_user(*, actor: User, user_id: int, role: str, tier: int, skills: Sequence[str], teams: Sequence[Team],
                first_name: str, last_name: str, email: str, extension: str, active: bool) -> User:
    """Change a person's role, routing (tier, skills, extension), teams and whether the account is active.

    An administrator cannot take their own administrator role away nor disable themselves: the
    section they act from would lock them out, possibly leaving nobody to administer."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise InputError("user_not_found", _("There is no user %(id)s.") % {"id": user_id}, status=404)
    if role not in Role.values:
        raise InputError("invalid_role", _("Unknown role %(role)s; use one of: %(roles)s.")
                         % {"role": role, "roles": ", ".join(Role.values)}, field="role")
    if tier < 1:
        raise InputError("invalid_tier", _("The tier must be 1 or more."), field="tier")
    if user.pk == actor.pk and (role != Role.ADMINISTRATOR or not active):
        raise InputError("cannot_demote_self", _("You cannot remove your own administrator role or disable "
                                                 "yourself; ask another administrator."), field="role")
    user.role, user.tier = role, tier
    user.skills = sorted({s.strip().lower() for s in skills if s.strip()})
    user.first_name, user.last_name, user.email = first_name.strip(), last_name.strip(), email.strip()
    user.extension, user.is_active = extension.strip(), active
    user.is_staff = user.is_superuser = role == Role.ADMINISTRATOR  # as add_user does (see people/roles.py)
    with transaction.atomic():
        user.save()
        user.teams.set(teams)
    return user
