from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.forms import AuthenticationForm
from django.test import RequestFactory
from django.utils import timezone

from atiende.people.models import User
from atiende.privacy.auth import username_key
from atiende.privacy.models import LoginThrottle

pytestmark = pytest.mark.django_db
PASSWORD = "x-very-long-pass"


@pytest.fixture
def lucia() -> User:
    return User.objects.create_user("lucia", password=PASSWORD, role="tecnico")


def _sign_in(username: str, password: str, address: str = "10.0.0.1") -> AuthenticationForm:
    request = RequestFactory().post("/entrar/", REMOTE_ADDR=address)
    form = AuthenticationForm(request, data={"username": username, "password": password})
    form.is_valid()
    return form


def test_five_failures_lock_the_account_even_for_the_right_password(lucia):
    for _ in range(5):
        assert not _sign_in("lucia", "wrong-password").is_valid()
    form = _sign_in("lucia", PASSWORD)
    assert not form.is_valid()
    message = " ".join(form.non_field_errors())
    assert "Demasiados intentos" in message or "Too many failed" in message
    assert form.errors.as_data()["__all__"][0].code == "locked"


def test_fewer_failures_do_not_lock_and_success_clears_them(lucia):
    for _ in range(4):
        _sign_in("lucia", "wrong-password")
    assert _sign_in("lucia", PASSWORD).is_valid()  # the success starts the count again
    for _ in range(4):
        _sign_in("lucia", "wrong-password")
    assert _sign_in("lucia", PASSWORD).is_valid()


def test_changing_the_case_of_the_name_does_not_dodge_the_count(lucia):
    for name in ("LUCIA", "Lucia", "lUcia", "luciA", "lucia"):
        _sign_in(name, "wrong-password")
    assert _sign_in("lucia", PASSWORD).errors.as_data()["__all__"][0].code == "locked"


def test_lock_ends_after_its_time(lucia):
    for _ in range(5):
        _sign_in("lucia", "wrong-password")
    LoginThrottle.objects.filter(key=username_key("lucia")).update(locked_until=timezone.now() - timedelta(seconds=1))
    assert _sign_in("lucia", PASSWORD).is_valid()


def test_unknown_names_lock_the_same_way_so_nothing_tells_which_names_exist(db):
    for _ in range(5):
        _sign_in("nadie", "wrong-password")
    assert _sign_in("nadie", "wrong-password").errors.as_data()["__all__"][0].code == "locked"


def test_one_address_trying_many_names_is_locked(lucia):
    for n in range(20):
        _sign_in(f"persona{n}", "wrong-password", address="203.0.113.9")
    assert _sign_in("lucia", PASSWORD, address="203.0.113.9").errors.as_data()["__all__"][0].code == "locked"
    assert _sign_in("lucia", PASSWORD, address="198.51.100.7").is_valid()


def test_admin_sign_in_page_shows_the_lock(lucia, client):
    lucia.role, lucia.is_staff = "administrador", True
    lucia.save()
    for _ in range(5):
        client.post("/admin/login/", {"username": "lucia", "password": "wrong-password"})
    response = client.post("/admin/login/", {"username": "lucia", "password": PASSWORD})
    assert response.status_code == 200  # the form again, not a redirect into the admin
    assert "Demasiados intentos" in response.content.decode() or "Too many" in response.content.decode()


def test_a_password_typed_as_the_user_name_is_not_kept_in_the_throttle_table(lucia):
    from django.db import connection

    typed = "Gato2024xyz!secreto"
    for _ in range(2):
        assert not _sign_in(typed, "anything").is_valid()
    assert LoginThrottle.objects.filter(kind=LoginThrottle.Kind.USERNAME).count() == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT kind, key FROM privacy_loginthrottle")
        rows = cursor.fetchall()
    assert rows and not any(typed.lower() in key.lower() for _kind, key in rows), rows
    # The count still follows the name, in any letter case: three more failures lock it.
    for _ in range(3):
        _sign_in(typed.upper(), "anything")
    assert "locked" in _sign_in(typed, "anything").errors.as_data()["__all__"][0].code
