"""atiende token create --cti NAME, atiende caller block / unblock / list."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from atiende.cli import main
from atiende.people.models import ApiToken, User
from atiende.telephony.models import BlockedCaller

pytestmark = pytest.mark.django_db


def test_cti_token_for_a_new_integration_user_works_until_revoked(capsys, client, monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert main(["token", "create", "--cti", "asterisk"]) == 0
    raw = capsys.readouterr().out.strip()
    token = ApiToken.objects.get()
    assert raw.startswith("atk_") and token.kind == "cti" and token.name == "asterisk"
    owner = User.objects.get(username="cti-asterisk")
    assert owner.role == "cliente" and not owner.has_usable_password()  # can do nothing else in Atiende
    url = f"/api/v1/cti/generic/{raw}"
    body = urlencode({"event": "hangup", "callId": "nope", "cause": "cancel"})
    assert client.post(url, body, content_type="application/x-www-form-urlencoded").status_code == 404
    # The owner's token cannot reach the staff endpoints (ET-4).
    assert client.get("/api/v1/contacts", headers={"Authorization": f"Bearer {raw}"}).status_code == 403
    # A second token for the same integration reuses its user; revoking one shuts its URL.
    assert main(["token", "create", "--cti", "asterisk"]) == 0
    capsys.readouterr()
    assert User.objects.filter(username__startswith="cti-").count() == 1
    assert main(["token", "revoke", raw[:12]]) == 0
    assert client.post(url, body, content_type="application/x-www-form-urlencoded").status_code == 401


def test_cti_token_for_an_existing_user_and_bad_names(capsys):
    User.objects.create_user("centralita", role="administrador")
    assert main(["token", "create", "centralita", "--cti", "pbx"]) == 0
    assert ApiToken.objects.get().user.username == "centralita"
    assert main(["token", "create", "--cti", "con espacios"]) == 1
    assert main(["token", "create", "nadie", "--cti", "pbx"]) == 1
    assert main(["token", "create"]) == 1  # neither a user nor --cti
    assert "error" in capsys.readouterr().err


def test_caller_block_unblock_and_list(capsys):
    assert main(["caller", "block", "+34 600 111 222", "--reason", "Spam"]) == 0
    assert main(["caller", "block", "0034900*"]) == 0
    assert main(["caller", "block", "anonymous"]) == 0
    assert main(["caller", "block", "not a number"]) == 1
    assert sorted(BlockedCaller.objects.values_list("pattern", flat=True)) == [
        "+34600111222", "+34900*", "anonymous"]
    assert main(["caller", "unblock", "+34600111222"]) == 0
    assert main(["caller", "unblock", "+34600111222"]) == 1  # not blocked any more: clear error
    capsys.readouterr()
    assert main(["caller", "list", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["pattern"] for r in listed] == ["+34900*", "anonymous"]
    assert main(["caller", "list", "--all"]) == 0
    assert "+34600111222" in capsys.readouterr().out


def test_administrators_keep_the_block_list_in_the_admin(admin_client):
    refused = admin_client.post("/admin/telephony/blockedcaller/add/", {"pattern": "llámame", "active": "on"})
    assert refused.status_code == 200 and not BlockedCaller.objects.exists()  # the form says why
    added = admin_client.post("/admin/telephony/blockedcaller/add/", {"pattern": "0034 91 000 00 00",
                                                                       "reason": "Spam", "active": "on"})
    assert added.status_code == 302
    row = BlockedCaller.objects.get()
    assert row.pattern == "+34910000000" and row.created_by is not None
