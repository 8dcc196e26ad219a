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
