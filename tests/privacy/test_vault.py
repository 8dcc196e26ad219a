from __future__ import annotations

import os
import stat
import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from atiende.practices import Refusal
from atiende.privacy import vault
from atiende.privacy.models import AuditEntry, VaultSecret
from atiende.privacy.services import (
    give_consent,
    purge_closed,
    rekey,
    reveal_secret,
    store_secret,
    withdraw_consent,
)

from .conftest import make_work_order

pytestmark = pytest.mark.django_db
PASSWORD = "Contraseña-Secreta-8841!"


@pytest.fixture
def secret(vault_key, work_order, technician):
    return store_secret(work_order=work_order, kind="password", label="Correo de Carmen",
                        value=PASSWORD, created_by=technician)


@pytest.fixture
def consent(customer, work_order, technician):
    return give_consent(customer=customer, scope="account_access", method="spoken_phone",
                        recorded_by=technician, work_order=work_order)


def test_secret_is_stored_only_as_ciphertext(secret):
    stored = VaultSecret.objects.get(pk=secret.pk)
    assert PASSWORD.encode() not in bytes(stored.ciphertext)
    assert len(bytes(stored.ciphertext)) > len(PASSWORD.encode())
    assert PASSWORD not in repr(stored) and PASSWORD not in str(stored)


def test_assignee_with_consent_sees_the_secret_and_the_reveal_is_logged(secret, consent, technician):
    assert reveal_secret(actor=technician, secret=secret) == PASSWORD
    entry = AuditEntry.objects.get(action="vault.revealed")
    assert entry.actor_name == "lucia" and entry.object_id == str(secret.pk)
    assert entry.details["consent"] == consent.pk
    assert PASSWORD not in str(entry.details)


def test_reveal_without_consent_is_refused(secret, technician):
    with pytest.raises(Refusal) as info:
        reveal_secret(actor=technician, secret=secret)
    assert info.value.rule == "ET-2"
    assert AuditEntry.objects.filter(action="vault.reveal_refused").count() == 1


def test_reveal_after_consent_is_withdrawn_is_refused(secret, consent, technician):
    withdraw_consent(consent=consent, by=technician)
    with pytest.raises(Refusal) as info:
        reveal_secret(actor=technician, secret=secret)
    assert info.value.rule == "ET-2"


def test_only_the_assignee_sees_the_secret(secret, consent, other_technician):
    from atiende.people.models import User

    admin = User.objects.create_user("ana", password="x-very-long-pass", role="administrador")
    for intruder in (other_technician, admin, None):
        with pytest.raises(Refusal) as info:
            reveal_secret(actor=intruder, secret=secret)
        assert info.value.code == "not_assignee" and info.value.rule == "ET-3"


def test_administrator_account_needs_its_own_consent(vault_key, work_order, customer, technician, consent):
    admin_secret = store_secret(work_order=work_order, kind="password", label="Administrador del equipo",
                                value=PASSWORD, created_by=technician, admin_account=True)
    with pytest.raises(Refusal):
        reveal_secret(actor=technician, secret=admin_secret)
    give_consent(customer=customer, scope="admin_account_access", method="written", recorded_by=technician,
                 work_order=work_order)
    assert reveal_secret(actor=technician, secret=admin_secret) == PASSWORD


def test_closing_the_work_order_purges_its_secrets(secret, consent, technician, work_order):
    work_order.closed_at = timezone.now()
    work_order.save()
    stored = VaultSecret.objects.get(pk=secret.pk)
    assert stored.purged_at is not None and bytes(stored.ciphertext) == b""
    with pytest.raises(Refusal) as info:
        reveal_secret(actor=technician, secret=secret)
    assert info.value.status == 410
    assert AuditEntry.objects.filter(action="vault.purged").exists()


def test_closing_through_the_history_purges_too(secret, technician, work_order):
    # The desk closes with a conditional UPDATE and then writes a history event.
    from atiende.desk.models import WorkOrder, WorkOrderEvent

    WorkOrder.objects.filter(pk=work_order.pk).update(closed_at=timezone.now())
    WorkOrderEvent.objects.create(work_order=work_order, actor=technician, kind="phase",
                                  changes={"phase": ["satisfaccion", "cierre"]})
    assert VaultSecret.objects.get(pk=secret.pk).purged_at is not None


def test_grace_period_keeps_secrets_until_it_ends(secret, consent, technician, work_order, settings):
    settings.ATIENDE_VAULT_PURGE_GRACE_MINUTES = 60
    closed = timezone.now()
    work_order.closed_at = closed
    work_order.save()
    assert purge_closed(now=closed + timedelta(minutes=30)) == 0
    assert reveal_secret(actor=technician, secret=secret, now=closed + timedelta(minutes=30)) == PASSWORD
    with pytest.raises(Refusal):
        reveal_secret(actor=technician, secret=secret, now=closed + timedelta(minutes=61))
    assert purge_closed(now=closed + timedelta(minutes=61)) == 1
    assert VaultSecret.objects.get(pk=secret.pk).purged_at is not None


def test_rotation_rekey_moves_secrets_to_the_newest_key(secret, consent, technician, monkeypatch, vault_key):
    newer = vault.new_key()
    monkeypatch.setenv("ATIENDE_VAULT_KEYS", f"{newer},{vault_key}")
    assert reveal_secret(actor=technician, secret=secret) == PASSWORD  # old key still decrypts
    assert rekey() == 1
    stored = VaultSecret.objects.get(pk=secret.pk)
    assert stored.key_id == vault.key_id(vault.parse_keys(newer, "t").keys[0])
    monkeypatch.setenv("ATIENDE_VAULT_KEYS", newer)  # the old key can now go
    assert reveal_secret(actor=technician, secret=secret) == PASSWORD


def test_missing_old_key_is_a_clear_error(secret, consent, technician, monkeypatch):
    monkeypatch.setenv("ATIENDE_VAULT_KEYS", vault.new_key())
    with pytest.raises(vault.VaultKeyError) as info:
        reveal_secret(actor=technician, secret=secret)
    assert "rekey" in str(info.value)


def test_ciphertext_moved_to_another_work_order_does_not_decrypt(secret, customer, technician, team):
    other = make_work_order(customer, technician, team)
    ring = vault.load_keyring(vault.Path("/nonexistent"))
    with pytest.raises(vault.VaultDecryptError):
        ring.decrypt(secret.ciphertext, secret.key_id, vault.associated_data(other.pk, "password"))
    with pytest.raises(vault.VaultDecryptError):
        ring.decrypt(secret.ciphertext, secret.key_id, vault.associated_data(secret.work_order_id, "username"))


def test_malformed_keys_are_refused_without_echoing_them(monkeypatch):
    monkeypatch.setenv("ATIENDE_VAULT_KEYS", "c2hvcnQ=")
    with pytest.raises(vault.VaultKeyError) as info:
        vault.load_keyring(vault.Path("/nonexistent"))
    assert "32" in str(info.value) and "c2hvcnQ" not in str(info.value)


def test_key_file_is_created_private_and_refused_when_readable_by_others(tmp_path, monkeypatch):
    monkeypatch.delenv("ATIENDE_VAULT_KEYS", raising=False)
    ring = vault.load_keyring(tmp_path)
    path = tmp_path / vault.KEY_FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert vault.load_keyring(tmp_path).current_id == ring.current_id  # stable across loads
    os.chmod(path, 0o644)
    with pytest.raises(vault.VaultKeyError) as info:
        vault.load_keyring(tmp_path)
    assert "chmod 600" in str(info.value)


def test_error_reports_hide_the_secret(vault_key, technician, work_order):
    from django.views.debug import ExceptionReporter

    work_order.closed_at = timezone.now()
    try:
        store_secret(work_order=work_order, kind="password", label="Correo", value=PASSWORD,
                     created_by=technician)
    except Exception:
        report = ExceptionReporter(None, *sys.exc_info()).get_traceback_text()
    else:
        pytest.fail("storing into a closed work order should be refused")
    assert "store_secret" in report
    assert PASSWORD not in report
