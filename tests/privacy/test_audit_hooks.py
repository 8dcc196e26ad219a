"""ET-4: changes and sign-ins land in the audit chain without the other apps knowing it."""

from __future__ import annotations

import pytest
from django.contrib.auth.forms import AuthenticationForm
from django.test import RequestFactory

from atiende.desk.services.customers import create_customer
from atiende.people.models import ApiToken, User
from atiende.privacy import audit
from atiende.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db


def _actions() -> list[str]:
    return list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))


def _sign_in(username: str, password: str) -> bool:
    request = RequestFactory().post("/entrar/", REMOTE_ADDR="10.1.1.1")
    request.session = {}  # what login() needs, without the session middleware
    form = AuthenticationForm(request, data={"username": username, "password": password})
    return form.is_valid()


def test_user_token_and_sign_ins_are_audited():
    lucia = User.objects.create_user("lucia", password="x-very-long-pass", role="tecnico")
    token, _raw = ApiToken.issue(lucia)
    token.revoke()
    assert not _sign_in("lucia", "wrong")
    assert not _sign_in("Mi-Clave-Secreta-77", "x")  # a password typed into the name box
    actions = _actions()
    for expected in ("user.created", "token.issued", "token.revoked", "auth.sign_in_failed"):
        assert expected in actions
    failed = AuditEntry.objects.filter(action="auth.sign_in_failed").order_by("seq")
    assert failed[0].details["username"] == "lucia"
    assert "Mi-Clave-Secreta-77" not in str(failed[1].details)
    assert audit.verify().ok


def test_successful_sign_in_is_audited_with_the_address(client):
    User.objects.create_user("lucia", password="x-very-long-pass", role="tecnico")
    assert client.login(username="lucia", password="x-very-long-pass")
    entry = AuditEntry.objects.get(action="auth.signed_in")
    assert entry.actor_name == "lucia"


def test_lockout_is_audited():
    User.objects.create_user("lucia", password="x-very-long-pass", role="tecnico")
    for _ in range(5):
        _sign_in("lucia", "wrong")
    assert AuditEntry.objects.filter(action="auth.locked").count() == 1


def test_customer_changes_are_audited_without_copying_the_data():
    admin = User.objects.create_user("ana", password="x-very-long-pass", role="administrador")
    customer = create_customer(actor=admin, name="Carmen Ruiz",
                               contact_points=[{"kind": "email", "value": "carmen@ejemplo.es"}])
    entries = AuditEntry.objects.filter(object_type="desk.customer", object_id=str(customer.pk))
    assert entries.exists() and entries.first().actor_name == "ana"
    assert all("carmen@ejemplo.es" not in str(e.details) for e in entries)
    assert audit.verify().ok
