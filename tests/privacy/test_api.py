from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from atiende.desk.models import Customer, WorkOrder
from atiende.people.models import User
from atiende.privacy.models import AuditEntry, Consent, VaultSecret

from .conftest import make_work_order

pytestmark = pytest.mark.django_db
PASSWORD = "Zorro-Azul-7731-secreto"


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_consent_then_reveal_through_the_api(vault_key, technician, customer, work_order):
    api = _client(technician)
    base = f"/api/v1/privacy/work-orders/{work_order.number}/secrets"
    stored = api.post(base, {"kind": "password", "label": "Correo", "value": PASSWORD},
                      content_type="application/json")
    assert stored.status_code == 201 and PASSWORD not in stored.content.decode()
    secret_id = stored.json()["id"]
    listed = api.get(base)
    assert listed.json()[0]["label"] == "Correo" and PASSWORD not in listed.content.decode()

    refused = api.post(f"/api/v1/privacy/secrets/{secret_id}/reveal")
    assert refused.status_code == 409 and refused.json()["error"]["rule"] == "ET-2"

    given = api.post("/api/v1/privacy/consents", {
        "customer_id": customer.pk, "scope": "account_access", "method": "spoken_phone",
        "work_order": work_order.number, "contact_ref": "call-9"}, content_type="application/json")
    assert given.status_code == 201 and given.json()["recorded_by"] == "lucia"

    revealed = api.post(f"/api/v1/privacy/secrets/{secret_id}/reveal")
    assert revealed.status_code == 200 and revealed.json()["value"] == PASSWORD
    assert revealed.headers["Cache-Control"] == "no-store"

    withdrawn = api.post(f"/api/v1/privacy/consents/{given.json()['id']}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn_at"]
    assert api.post(f"/api/v1/privacy/secrets/{secret_id}/reveal").status_code == 409


def test_customer_gives_consent_in_the_portal(customer, work_order):
    portal_user = User.objects.create_user("carmen", password="x-very-long-pass", role="cliente")
    customer.user = portal_user
    customer.save()
    response = _client(portal_user).post("/api/v1/privacy/consents", {
        "customer_id": customer.pk, "scope": "remote_access", "method": "spoken_phone",
        "work_order": work_order.number}, content_type="application/json")
    assert response.status_code == 201 and response.json()["method"] == "portal"


def test_customer_cannot_record_consent_for_someone_else(customer, work_order):
    portal_user = User.objects.create_user("otro", password="x-very-long-pass", role="cliente")
    Customer.objects.create(name="Otro", user=portal_user)
    response = _client(portal_user).post("/api/v1/privacy/consents", {
        "customer_id": customer.pk, "scope": "account_access", "method": "portal"},
        content_type="application/json")
    assert response.status_code == 404
    assert not Consent.objects.exists()


def test_audit_trail_is_for_administrators(technician):
    assert _client(technician).get("/api/v1/privacy/audit").status_code == 403
    admin = User.objects.create_user("ana", password="x-very-long-pass", role="administrador")
    api = _client(admin)
    assert api.get("/api/v1/privacy/audit").status_code == 200
    assert api.get("/api/v1/privacy/audit/verify").json()["ok"] is True


def test_export_holds_only_what_the_user_sees_redacted_and_is_audited(technician, customer, team):
    from atiende.people.models import Team

    mine = make_work_order(customer, technician, team)
    WorkOrder.objects.filter(pk=mine.pk).update(
        problem_story="No entra al correo. Su contraseña es Tortuga-5521, dice.")
    elsewhere = Team.objects.create(name="Impresoras")
    stranger = Customer.objects.create(name="Bernardo Ajeno")
    make_work_order(stranger, None, elsewhere)
    response = _client(technician).get("/api/v1/exports/work-orders?format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [int(r["number"]) for r in rows] == [mine.number]
    body = response.content.decode()
    assert "Tortuga-5521" not in body and "[CONTRASEÑA]" in body
    assert "Bernardo" not in body
    entry = AuditEntry.objects.get(action="export.work_orders")
    assert entry.actor_name == "lucia" and entry.details["rows"] == 1

    as_json = _client(technician).get("/api/v1/exports/work-orders?format=json").json()
    assert as_json["count"] == 1 and "Tortuga-5521" not in str(as_json)


def test_export_never_contains_vault_secrets(vault_key, technician, customer, work_order):
    from atiende.privacy.services import store_secret

    store_secret(work_order=work_order, kind="password", label="Correo", value=PASSWORD, created_by=technician)
    admin = User.objects.create_user("ana", password="x-very-long-pass", role="administrador")
    for path in ("/api/v1/exports/work-orders?format=json", "/api/v1/exports/customers?format=csv"):
        body = _client(admin).get(path).content.decode()
        assert PASSWORD not in body


def test_csv_export_defuses_spreadsheet_formulas(technician, customer, team):
    wo = make_work_order(customer, technician, team)
    WorkOrder.objects.filter(pk=wo.pk).update(title='=HYPERLINK("http://evil.example","clic")')
    body = _client(technician).get("/api/v1/exports/work-orders").content.decode()
    row = next(csv.DictReader(io.StringIO(body)))
    assert row["title"].startswith("'=")


def test_bad_export_format_is_a_clear_422(technician):
    response = _client(technician).get("/api/v1/exports/customers?format=xlsx")
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_input"
    assert VaultSecret.objects.count() == 0


def test_nul_characters_in_api_input_are_a_clear_400(technician, customer):
    api = _client(technician)
    response = api.post("/api/v1/privacy/consents", {
        "customer_id": customer.pk, "scope": "hold", "method": "spoken_phone", "note": "a\u0000b"},
        content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_input"
    assert api.get("/api/v1/exports/customers?format=%00").status_code == 400
    assert not Consent.objects.exists()


def test_admin_pages_show_the_trail_and_secrets_read_only(vault_key, technician, work_order):
    from atiende.privacy.services import store_secret

    secret = store_secret(work_order=work_order, kind="password", label="Correo", value=PASSWORD,
                          created_by=technician)
    admin = User.objects.create_user("ana", password="x-very-long-pass", role="administrador",
                                     is_staff=True, is_superuser=True)
    client = _client(admin)
    listing = client.get("/admin/privacy/auditentry/")
    assert listing.status_code == 200 and "vault.stored" in listing.content.decode()
    entry = AuditEntry.objects.first()
    assert client.post(f"/admin/privacy/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    page = client.get(f"/admin/privacy/vaultsecret/{secret.pk}/change/")
    assert page.status_code == 200 and PASSWORD not in page.content.decode()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_customer_export_follows_each_role(technician, customer, work_order):
    from atiende.desk.models import Organisation
    from atiende.people.models import Team

    other_team = Team.objects.create(name="Impresoras")
    hidden = Customer.objects.create(name="Bernardo Ajeno",
                                     organisation=Organisation.objects.create(name="Org B", team=other_team))
    portal_user = User.objects.create_user("carmen", password="x-very-long-pass", role="cliente")
    customer.user = portal_user
    customer.save()
    admin = User.objects.create_user("ana", password="x-very-long-pass", role="administrador")

    def names(user: User) -> set[str]:
        items = _client(user).get("/api/v1/exports/customers?format=json").json()["items"]
        return {item["name"] for item in items}

    assert hidden.name not in names(technician) and customer.name in names(technician)
    assert names(portal_user) == {customer.name}
    assert {hidden.name, customer.name} <= names(admin)
    orders = _client(portal_user).get("/api/v1/exports/work-orders?format=json").json()["items"]
    assert [o["number"] for o in orders] == [work_order.number]


def test_customer_hands_a_password_to_the_vault_in_the_portal(vault_key, customer, work_order, team):
    portal_user = User.objects.create_user("carmen", password="x-very-long-pass", role="cliente")
    customer.user = portal_user
    customer.save()
    api = _client(portal_user)
    stored = api.post(f"/api/v1/privacy/work-orders/{work_order.number}/secrets",
                      {"kind": "password", "label": "Mi correo", "value": PASSWORD}, content_type="application/json")
    assert stored.status_code == 201
    secret_id = stored.json()["id"]
    assert api.post(f"/api/v1/privacy/secrets/{secret_id}/reveal").status_code == 403  # not even their own back
    stranger = make_work_order(Customer.objects.create(name="Otra"), None, team)
    elsewhere = api.post(f"/api/v1/privacy/work-orders/{stranger.number}/secrets",
                         {"kind": "password", "label": "x", "value": "y"}, content_type="application/json")
    assert elsewhere.status_code == 404
    assert VaultSecret.objects.count() == 1


def test_a_reveal_try_on_another_teams_secret_is_audited_and_answers_as_missing(vault_key, technician, customer,
                                                                               work_order):
    from atiende.people.models import Team
    from atiende.privacy.services import store_secret

    secret = store_secret(work_order=work_order, kind="password", label="Correo", value=PASSWORD,
                          created_by=technician)
    outsider = User.objects.create_user("intruso", password="x-very-long-pass", role="tecnico")
    outsider.teams.add(Team.objects.create(name="Otro equipo"))
    portal = User.objects.create_user("curioso", password="x-very-long-pass", role="cliente")
    missing = _client(outsider).post("/api/v1/privacy/secrets/987654321/reveal")
    foreign = _client(outsider).post(f"/api/v1/privacy/secrets/{secret.pk}/reveal")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["error"]["code"] == missing.json()["error"]["code"]
    assert _client(portal).post(f"/api/v1/privacy/secrets/{secret.pk}/reveal").status_code == 403
    refused = AuditEntry.objects.filter(action="vault.reveal_refused", object_id=str(secret.pk))
    assert sorted(refused.values_list("actor_name", flat=True)) == ["curioso", "intruso"]
    assert all(entry.details["reason"] == "not_visible" and PASSWORD not in str(entry.details) for entry in refused)
