"""Who is who: the four roles and the one rule for reading them (ET-4).

Every layer (services, selectors, the API, the pages, the consoles' sockets,
templates through the ``User`` properties) asks this module whether someone
is an administrator, a manager, a member of the help desk, a technician or a
customer; nothing else compares ``user.role`` or ``is_superuser`` by hand.

The rule, in one place:

- A Django **superuser is an administrador**, whatever their ``role`` field
  says. Django's own admin already lets a superuser do everything, so a role
  field cannot take rights away from them; ``atiende users add --role
  administrador`` makes administrators superusers for the same reason. A
  superuser is therefore never a technician (they do not take calls) nor a
  customer (they have no portal of their own).
- Someone **not signed in, or whose account is inactive, has no role**: every
  predicate answers False for them.
- Managers are supervisors and administrators; the help desk's staff are
  technicians, supervisors and administrators (everyone but customers).

``account_role`` answers what kind of account a record is (an inactive
technician's old upload is still a technician's upload); ``acting_role`` and
the predicates answer what a person may do now.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

    Person = AbstractBaseUser | AnonymousUser | None


class Role(models.TextChoices):
    TECHNICIAN = "tecnico", _("Technician")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMINISTRATOR = "administrador", _("Administrator")
    CUSTOMER = "cliente", _("Customer")


EVERYONE: tuple[str, ...] = tuple(Role.values)
STAFF: tuple[str, ...] = (Role.TECHNICIAN, Role.SUPERVISOR, Role.ADMINISTRATOR)
MANAGERS: tuple[str, ...] = (Role.SUPERVISOR, Role.ADMINISTRATOR)
ADMINS: tuple[str, ...] = (Role.ADMINISTRATOR,)
TECHNICIANS: tuple[str, ...] = (Role.TECHNICIAN,)
CUSTOMERS: tuple[str, ...] = (Role.CUSTOMER,)


def account_role(user: Person) -> str | None:
    """The role an account holds, active or not: a superuser's is administrador."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if getattr(user, "is_superuser", False):
        return str(Role.ADMINISTRATOR)
    role = getattr(user, "role", None)
    return str(role) if role in EVERYONE else None


def acting_role(user: Person) -> str | None:
    """The role a person acts in now: None when not signed in or inactive."""
    if user is None or not getattr(user, "is_active", False):
        return None
    return account_role(user)


def has_role(user: Person, roles: Iterable[str]) -> bool:
    return acting_role(user) in {str(role) for role in roles}


def is_admin(user: Person) -> bool:
    return acting_role(user) == Role.ADMINISTRATOR


def is_manager(user: Person) -> bool:
    """Supervisors and administrators: they see their teams' work and may supervise calls."""
    return acting_role(user) in MANAGERS


def is_staff(user: Person) -> bool:
    """A member of the help desk (technician, supervisor, administrator), not a customer.

    Not Django's ``User.is_staff``, which only opens Django's admin site."""
    return acting_role(user) in STAFF


def is_supervisor(user: Person) -> bool:
    return acting_role(user) == Role.SUPERVISOR


def is_technician(user: Person) -> bool:
    """Someone who takes calls: a technician, never a superuser."""
    return acting_role(user) == Role.TECHNICIAN


def is_customer(user: Person) -> bool:
    """A portal account of a customer."""
    return acting_role(user) == Role.CUSTOMER


def is_customer_account(user: Person) -> bool:
    """Whether an account (active or not) belongs to a customer: who wrote or uploaded something."""
    return account_role(user) == Role.CUSTOMER


def role_filter(roles: Iterable[str], prefix: str = "") -> Q:
    """The query form of ``account_role(user) in roles`` (add ``is_active=True`` for people acting now).

    ``prefix`` reaches a user through a relation, as ``"user__"``."""
    wanted = [str(role) for role in roles]
    accounts = Q(**{f"{prefix}role__in": wanted, f"{prefix}is_superuser": False})
    if Role.ADMINISTRATOR in wanted:
        accounts |= Q(**{f"{prefix}is_superuser": True})
    return accounts


def role_labels(roles: Iterable[str]) -> str:
    """The roles' names in the user's language, in the catalogue's order, for refusals."""
    allowed = {str(role) for role in roles}
    return ", ".join(str(Role(value).label) for value in Role.values if value in allowed)
