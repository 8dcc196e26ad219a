import pytest

from atiende.people.models import ApiToken, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def technician():
    return User.objects.create_user("lucia", password="x-very-long-pass", role="tecnico")


def test_token_is_stored_only_as_a_hash(technician):
    token, raw = ApiToken.issue(technician, name="pbx")
    stored = ApiToken.objects.get(pk=token.pk)
    assert raw not in (stored.digest, stored.prefix)
    assert ApiToken.authenticate(raw).user == technician


def test_revoked_token_no_longer_authenticates(technician, client):
    token, raw = ApiToken.issue(technician)
    assert client.get("/api/v1/people/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    token.revoke()
    response = client.get("/api/v1/people/me", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def _bearer(raw):
    return {"Authorization": f"Bearer {raw}"}


def test_deactivating_the_user_ends_their_token_at_once(technician, client):
    _token, raw = ApiToken.issue(technician)
    assert client.get("/api/v1/people/me", headers=_bearer(raw)).status_code == 200
    technician.is_active = False
    technician.save(update_fields=["is_active"])
    assert client.get("/api/v1/people/me", headers=_bearer(raw)).status_code == 401


def test_a_revocation_made_by_another_process_takes_effect_within_the_cache_time(technician, client, monkeypatch):
    """Another server process revoked the token: this process learns it when its memory of the token expires."""
    from atiende.people import models

    now = [1000.0]
    monkeypatch.setattr(models.time, "monotonic", lambda: now[0])
    token, raw = ApiToken.issue(technician)
    assert client.get("/api/v1/people/me", headers=_bearer(raw)).status_code == 200
    # A direct UPDATE sends no signal, as when another process revokes the token.
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=token.created_at)
    now[0] += 1
    assert client.get("/api/v1/people/me", headers=_bearer(raw)).status_code == 200
    now[0] += 5
    assert client.get("/api/v1/people/me", headers=_bearer(raw)).status_code == 401


def test_without_the_cache_every_request_asks_the_database(technician, client, settings):
    settings.ATIENDE_TOKEN_CACHE_SECONDS = 0
    token, raw = ApiToken.issue(technician)
    assert client.get("/api/v1/people/me", headers=_bearer(raw)).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=token.created_at)
    assert client.get("/api/v1/people/me", headers=_bearer(raw)).status_code == 401


def test_a_remembered_token_still_expires_on_time(technician, client, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    token, raw = ApiToken.issue(technician, days=1)
    assert client.get("/api/v1/people/me", headers=_bearer(raw)).status_code == 200
    later = timezone.now() + timedelta(days=1, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert client.get("/api/v1/people/me", headers=_bearer(raw)).status_code == 401


def test_requests_never_share_one_user_object(technician):
    _token, raw = ApiToken.issue(technician)
    first, second = ApiToken.authenticate(raw), ApiToken.authenticate(raw)
    assert first is not None and second is not None
    assert first.user == second.user and first.user is not second.user
