"""Report pages: charts a screen reader can read, tables, downloads, and each supervisor's own teams only."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from atiende.desk.models import Customer, WorkOrder

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def orders(team, other_team):
    customer = Customer.objects.create(name="Carmen")
    now = timezone.now()
    for number, (channel, owner) in enumerate([("email", team), ("email", team), ("chat", team),
                                               ("telefonico", other_team)], start=1):
        WorkOrder.objects.create(number=number, title="x", customer=customer, channel=channel, team=owner,
                                 created_at=now)


def test_the_volume_page_has_an_accessible_chart_and_its_table(orders, supervisor):
    page = signed_in(supervisor).get("/informes/volume/").content.decode()
    assert 'role="img"' in page and "<title id=\"chart-1-title\">Solicitudes por canal</title>" in page
    assert "Correo: 2" in page  # the chart's description says the figures in words
    assert "<th scope=\"col\">Canal</th>" in page
    assert "reports/reports.css" in page and "CSV" in page


def test_a_supervisor_counts_only_their_teams(orders, supervisor):
    data = signed_in(supervisor).get("/informes/volume/?format=json").json()
    by_channel = {r["channel"]: r["work_orders"] for r in data["sections"][1]["rows"]}
    assert by_channel["email"] == 2 and by_channel["chat"] == 1 and by_channel["telefonico"] == 0


def test_an_administrator_counts_every_team(orders, admin):
    data = signed_in(admin).get("/informes/volume/?format=json").json()
    assert sum(r["work_orders"] for r in data["sections"][1]["rows"]) == 4


def test_downloads_come_with_a_file_name(orders, supervisor):
    response = signed_in(supervisor).get("/informes/volume/?from=2026-01-01&to=2026-12-31&format=xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="atiende-volume-2026-01-01-2026-12-31.xlsx"'


def test_bad_input_is_a_clear_page_not_a_500(supervisor):
    client = signed_in(supervisor)
    response = client.get("/informes/calls/?from=ayer&to=2026-12-01")
    assert response.status_code == 400 and "AAAA-MM-DD" in response.content.decode()
    assert client.get("/informes/nada/").status_code == 404
    assert client.get("/informes/calls/?format=docx").status_code == 400


def test_technicians_do_not_read_reports(tech):
    assert signed_in(tech).get("/informes/").status_code == 403
    assert signed_in(tech).get("/informes/volume/?format=csv").status_code == 403


def test_the_api_gives_the_same_figures_and_clear_errors(orders, supervisor, tech):
    from tests.desk.conftest import bearer

    client = Client()
    listed = client.get("/api/v1/reports", headers=bearer(supervisor)).json()
    assert [r["name"] for r in listed][:2] == ["volume", "first-contact"]
    today = timezone.localdate().isoformat()
    data = client.get(f"/api/v1/reports/volume?from={today}&to={today}", headers=bearer(supervisor)).json()
    assert data["report"] == "volume" and data["from"] == today
    assert {r["channel"]: r["work_orders"] for r in data["sections"][1]["rows"]}["email"] == 2
    csv_file = client.get(f"/api/v1/reports/volume?from={today}&to={today}&format=csv", headers=bearer(supervisor))
    assert csv_file.status_code == 200 and csv_file["Content-Type"].startswith("text/csv")
    bad = client.get(f"/api/v1/reports/volume?from={today}&to=2020-01-01", headers=bearer(supervisor))
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_period"
    assert client.get(f"/api/v1/reports/nada?from={today}&to={today}", headers=bearer(supervisor)).status_code == 404
    assert client.get("/api/v1/reports", headers=bearer(tech)).status_code == 403
