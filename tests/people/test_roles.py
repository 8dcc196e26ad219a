"""Who is who (ET-4): one rule for the four roles, superusers, inactive and anonymous people."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser

from atiende.people import roles
from atiende.people.models import User
from atiende.people.roles import Role

PREDICATES = {
    "is_admin": roles.is_admin,
    "is_manager": roles.is_manager,
    "is_staff": roles.is_staff,
    "is_supervisor": roles.is_supervisor,
    "is_technician": roles.is_technician,
    "is_customer": roles.is_customer,
}
TRUE_FOR = {
    Role.ADMINISTRATOR: {"is_admin", "is_manager", "is_staff"},
    Role.SUPERVISOR: {"is_manager", "is_staff", "is_supervisor"},
    Role.TECHNICIAN: {"is_staff", "is_technician"},
    Role.CUSTOMER: {"is_customer"},
}


def _person(role: str, *, superuser: bool = False, active: bool = True) -> User:
    return User(username=f"u-{role}", role=role, is_superuser=superuser, is_active=active)


def _answers(user: object) -> set[str]:
    return {name for name, predicate in PREDICATES.items() if predicate(user)}  # type: ignore[operator]


@pytest.mark.parametrize("role", list(Role))
def test_each_role_is_what_it_says_and_nothing_more(role: Role) -> None:
    assert _answers(_person(role)) == TRUE_FOR[role]
    assert roles.acting_role(_person(role)) == role


@pytest.mark.parametrize("role", list(Role))
def test_a_superuser_is_an_administrator_whatever_the_role_field_says(role: Role) -> None:
    superuser = _person(role, superuser=True)
    assert _answers(superuser) == TRUE_FOR[Role.ADMINISTRATOR]
    assert roles.account_role(superuser) == Role.ADMINISTRATOR
    assert not roles.is_customer_account(superuser)


@pytest.mark.parametrize("role", list(Role))
def test_an_inactive_account_has_no_role_but_keeps_its_kind(role: Role) -> None:
    inactive = _person(role, active=False)
    assert _answers(inactive) == set()
    assert roles.acting_role(inactive) is None
    assert roles.account_role(inactive) == role  # who uploaded an old file is still known
    assert roles.is_customer_account(inactive) == (role == Role.CUSTOMER)


@pytest.mark.parametrize("nobody", [AnonymousUser(), None])
def test_someone_not_signed_in_has_no_role(nobody: object) -> None:
    assert _answers(nobody) == set()
    assert not roles.has_role(nobody, roles.EVERYONE)  # type: ignore[arg-type]


def test_role_tuples_follow_the_predicates() -> None:
    for role in Role:
        person = _person(role)
        assert roles.has_role(person, roles.STAFF) == roles.is_staff(person)
        assert roles.has_role(person, roles.MANAGERS) == roles.is_manager(person)
        assert roles.has_role(person, roles.ADMINS) == roles.is_admin(person)
        assert roles.has_role(person, roles.TECHNICIANS) == roles.is_technician(person)
        assert roles.has_role(person, roles.CUSTOMERS) == roles.is_customer(person)
    assert set(roles.EVERYONE) == set(Role.values)


def test_templates_read_the_same_rule_through_the_user() -> None:
    root = _person(Role.TECHNICIAN, superuser=True)
    assert root.is_administrator and root.is_manager and root.is_staff_member
    assert not root.is_technician and not root.is_customer


def test_the_command_line_offers_exactly_the_roles() -> None:
    from atiende.cli.users import ROLES

    assert list(Role.values) == ROLES


@pytest.mark.django_db
def test_the_query_filter_picks_the_same_accounts_as_the_rule() -> None:
    people = [User.objects.create(username=f"{role}-{su}", role=role, is_superuser=su)
              for role in Role for su in (False, True)]
    for wanted in (roles.STAFF, roles.MANAGERS, roles.ADMINS, roles.TECHNICIANS, roles.CUSTOMERS):
        found = set(User.objects.filter(roles.role_filter(wanted)).values_list("pk", flat=True))
        assert found == {p.pk for p in people if roles.account_role(p) in wanted}, wanted


# Comparing a role or the superuser flag by hand is how eight modules came to disagree.
HAND_MADE = re.compile(r"\.role\s*(==|!=|in\b|not in\b)|is_superuser\s*(or|and)\b|\b(or|and)\s+\w+\.is_superuser"
                       r"|(exclude|filter)\([^)]*\b(\w+__)?role=Role\.")
ALLOWED = {"people/roles.py"}


def test_no_module_but_people_roles_decides_who_is_who() -> None:
    package = Path(roles.__file__).resolve().parent.parent
    offenders = []
    for path in package.rglob("*"):
        if path.suffix not in {".py", ".html"} or "migrations" in path.parts:
            continue
        name = path.relative_to(package).as_posix()
        if name in ALLOWED:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if HAND_MADE.search(line):
                offenders.append(f"{name}:{number}: {line.strip()}")
    assert offenders == [], "ask atiende.people.roles instead:\n" + "\n".join(offenders)


@pytest.mark.django_db
def test_pages_and_api_treat_a_superuser_as_an_administrator(client) -> None:  # type: ignore[no-untyped-def]
    from django.urls import reverse

    root = User.objects.create(username="raiz", role=Role.TECHNICIAN, is_superuser=True, is_staff=True)
    client.force_login(root)
    assert client.get(reverse("planning:calculator")).status_code == 200  # managers' page
    assert client.get(reverse("consoles:console")).status_code == 403  # a superuser takes no calls
    assert client.get("/api/v1/people/users").status_code == 200  # administrators only
